using System.Buffers.Binary;
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// A kept activity of a trigger window: a record of an <see cref="ActivityArena"/> (or <see cref="None"/>). A plain
/// number, so the per-key item arrays that hold it hold no reference.
/// </summary>
/// <remarks>Bits 0–31: the record's first cell (or, negative, a large record's index); bits 32–47: its cell count.</remarks>
internal readonly struct KeptActivity : IEquatable<KeptActivity>
{
    internal KeptActivity(long value) => Value = value;

    /// <summary>No record: an item that is never stored (a counter that keeps no items).</summary>
    public static KeptActivity None => new(-1);

    internal long Value { get; }

    public bool IsNone => Value == -1;

    public bool Equals(KeptActivity other) => Value == other.Value;

    public override bool Equals(object? obj) => obj is KeptActivity other && Equals(other);

    public override int GetHashCode() => Value.GetHashCode();

    public override string ToString() => IsNone ? "none" : Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>
/// The kept activities of one detector's windows: by default the instances themselves, in slots of one array reused
/// through a free list (what a window kept before, one indirection away); with <c>records</c>, as the bytes of <see cref="CheckpointWriter.WriteActivity"/> in
/// large byte arrays allocated once and reused: a window keeps a <see cref="KeptActivity"/> (a number) per activity
/// instead of a reference to the <see cref="Activity"/>, and the activity is made again (<see cref="Materialize"/>) only
/// when a detection carries it. Single-threaded (a detector's).
/// </summary>
/// <remarks>
/// <para><b>Why.</b> A window keeps an activity for as long as its window (minutes), while the activity and its strings
/// are young objects: a reference to each, written into its key's old per-key item array, dirtied a card per activity
/// and kept every such activity alive through the young collections that followed, marked and copied. In the Orleans
/// silo this was about half of every gen0 pause (benchmarks/results/orleans.md, card-17). The arena's arrays are old
/// and hold bytes only, so keeping an activity writes no reference anywhere and the decoded activity dies young.</para>
/// <para><b>Equality.</b> A record is the activity's checkpoint encoding (id, time, operation, user, client IP, object,
/// workload, tags, properties in ordinal key order), so a made activity equals the kept one in every field a checkpoint
/// keeps, exactly as a checkpoint restore makes it (strings that are not valid UTF-16, a lone surrogate, come back with
/// U+FFFD, as from a checkpoint); a window's checkpoint copies the record's bytes, so it is byte-identical to one written
/// from the activity.</para>
/// <para><b>Memory.</b> Records take whole cells of <see cref="CellBytes"/> bytes (with a 4-byte length) in chunks
/// allocated as needed and never given back: the first of 1 KB, then doubling up to <see cref="ChunkCells"/> cells
/// (64 KB) each, so that a detector that keeps little (an engine has one per threshold policy and partition) holds
/// little. A freed record's cells go on a free list of its size (in cells) and the next record of that size takes them,
/// most recently freed first. So the arena holds at most, per size, the largest number of records of that size alive
/// at once, plus the unused end of the last chunk. Records larger than <see cref="MaxSmallCells"/> cells (4 KB: many properties) get an array of their own,
/// referenced from the arena (the rare exception to "no reference per kept activity"), reused by index.</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage(
    "Design",
    "CA1001:Types that own disposable fields should be disposable",
    Justification = "CheckpointWriter.Dispose releases nothing (its buffer is garbage-collected).")]
internal sealed class ActivityArena
{
    /// <summary>The unit of allocation, in bytes.</summary>
    internal const int CellBytes = 16;

    /// <summary>Cells per chunk.</summary>
    internal const int ChunkCells = 4096;

    /// <summary>The largest record kept in the chunks, in cells.</summary>
    internal const int MaxSmallCells = 256;

    /// <summary>The cells of the first chunk; chunk c &gt; 0 has <c>min(32 &lt;&lt; c, ChunkCells)</c>.</summary>
    internal const int FirstChunkCells = 64;

    private const int CellShift = 4;
    private const int ChunkShift = 12;
    private const int HeaderBytes = 4;

    // The encoder, one per thread and shared by every arena on it (an engine has an arena per threshold policy: one
    // each was a few cache misses per activity more, its object, buffer and stack); taken while in use.
    [ThreadStatic]
    private static CheckpointWriter? t_encoder;

    // Free records by size in cells, as lists through the records themselves: the head's index here (−1: none), the
    // next one's in the free record's first four bytes. A record about to be written is read for its link (a miss it
    // would take anyway), and no other array is touched. Grown to the largest size freed.
    private int[] _freeHeads = [];
    private byte[][] _chunks = [];
    private int _chunkCount;

    // The next free cell of the last chunk, and where that chunk ends (cell indexes over all chunks).
    private int _bumpCell;
    private int _bumpEnd;
    private byte[]?[] _large = [];
    private int _largeCount;
    private int[] _largeFree = [];
    private int _largeFreeCount;
    private int _live;

    // Instances (without records): the slots, and the free ones.
    private readonly bool _records;
    private Activity?[] _instances = [];
    private int _instanceCount;
    private int[] _instanceFree = [];
    private int _instanceFreeCount;

    /// <summary>Creates an arena.</summary>
    /// <param name="records">Keep records of the activities' bytes (no reference per activity) rather than the instances.</param>
    public ActivityArena(bool records = true) => _records = records;

    /// <summary>Whether the arena keeps records (bytes) rather than instances.</summary>
    internal bool KeepsRecords => _records;

    /// <summary>The records alive (for tests).</summary>
    internal int LiveRecords => _live;

    /// <summary>The bytes the arena holds: its chunks and its large records (for tests and benchmarks).</summary>
    internal long ReservedBytes
    {
        get
        {
            var bytes = (long)_bumpEnd * CellBytes;
            for (var i = 0; i < _largeCount; i++)
            {
                bytes += _large[i]?.Length ?? 0;
            }

            return bytes;
        }
    }

    /// <summary>Stores an activity; free the record with <see cref="Free"/> when no window keeps it any more.</summary>
    public KeptActivity Add(Activity activity)
    {
        if (!_records)
        {
            return AddInstance(activity);
        }

        var encoder = t_encoder ?? new CheckpointWriter(512);
        t_encoder = null;
        encoder.Reset();
        encoder.WriteActivity(activity);
        var kept = Add(encoder.Written);
        t_encoder = encoder;
        return kept;
    }

    /// <summary>Stores an activity's encoding (<see cref="CheckpointWriter.WriteActivity"/>'s bytes).</summary>
    public KeptActivity Add(ReadOnlySpan<byte> encoded)
    {
        if (!_records)
        {
            return AddInstance(new CheckpointReader(encoded.ToArray()).ReadActivity());
        }

        _live++;
        var need = encoded.Length + HeaderBytes;
        if (need > MaxSmallCells * CellBytes)
        {
            return AddLarge(encoded);
        }

        var cells = (need + CellBytes - 1) >> CellShift;
        var first = Allocate(cells);
        var chunk = _chunks[ChunkOf(first)];
        var offset = (first - StartOf(ChunkOf(first))) << CellShift;
        BinaryPrimitives.WriteInt32LittleEndian(chunk.AsSpan(offset), encoded.Length);
        encoded.CopyTo(chunk.AsSpan(offset + HeaderBytes));
        return new KeptActivity(((long)cells << 32) | (uint)first);
    }

    /// <summary>Frees a record (its cells are reused by the next record of its size). <see cref="KeptActivity.None"/>
    /// is ignored.</summary>
    public void Free(KeptActivity kept)
    {
        var value = kept.Value;
        if (value == -1)
        {
            return;
        }

        _live--;
        if (!_records)
        {
            _instances[(int)value] = null;
            Push(ref _instanceFree, ref _instanceFreeCount, (int)value);
            return;
        }

        var first = (int)value;
        if (first < 0)
        {
            var index = ~first;
            Debug.Assert(_large[index] is not null, "A large record is freed once.");
            _large[index] = null;
            Push(ref _largeFree, ref _largeFreeCount, index);
            return;
        }

        var cells = (int)(value >> 32);
        Debug.Assert(cells is > 0 and <= MaxSmallCells, "A small record's cell count.");
        PushFree(cells, first);
    }

    /// <summary>The record's bytes: the activity's checkpoint encoding.</summary>
    public ReadOnlySpan<byte> Encoded(KeptActivity kept)
    {
        if (!_records)
        {
            throw new InvalidOperationException("The arena keeps instances.");
        }

        var array = Bytes(kept, out var offset);
        return new ReadOnlySpan<byte>(array, offset, BinaryPrimitives.ReadInt32LittleEndian(array.AsSpan(offset - HeaderBytes)));
    }

    /// <summary>Makes the activity of a record again (a new instance, equal in every field a checkpoint keeps).</summary>
    public Activity Materialize(KeptActivity kept)
    {
        if (!_records)
        {
            return _instances[(int)kept.Value] ?? throw new InvalidOperationException("The activity was freed.");
        }

        var array = Bytes(kept, out var offset);
        var length = BinaryPrimitives.ReadInt32LittleEndian(array.AsSpan(offset - HeaderBytes));
        var reader = new CheckpointReader(new ReadOnlyMemory<byte>(array, offset, length));
        var activity = reader.ReadActivity();
        Debug.Assert(reader.AtEnd, "A record is one activity.");
        return activity;
    }

    /// <summary>Writes the record as <see cref="CheckpointWriter.WriteActivity"/> writes its activity (the same bytes).</summary>
    public void WriteTo(CheckpointWriter writer, KeptActivity kept)
    {
        if (_records)
        {
            writer.Write(Encoded(kept));
        }
        else
        {
            writer.WriteActivity(Materialize(kept));
        }
    }

    private KeptActivity AddInstance(Activity activity)
    {
        _live++;
        int slot;
        if (_instanceFreeCount != 0)
        {
            slot = _instanceFree[--_instanceFreeCount];
        }
        else
        {
            if (_instanceCount == _instances.Length)
            {
                Array.Resize(ref _instances, Math.Max(16, _instanceCount * 2));
            }

            slot = _instanceCount++;
        }

        _instances[slot] = activity;
        return new KeptActivity(slot);
    }

    /// <summary>The array holding the record, and where its encoding starts (after its length).</summary>
    private byte[] Bytes(KeptActivity kept, out int offset)
    {
        if (kept.IsNone)
        {
            throw new InvalidOperationException("No record.");
        }

        var first = (int)kept.Value;
        if (first < 0)
        {
            offset = HeaderBytes;
            return _large[~first] ?? throw new InvalidOperationException("The record was freed.");
        }

        var c = ChunkOf(first);
        offset = ((first - StartOf(c)) << CellShift) + HeaderBytes;
        return _chunks[c];
    }

    /// <summary>The chunk holding cell <paramref name="cell"/>: chunk 0 holds cells [0, 64), chunk c in 1..6 holds
    /// [32 &lt;&lt; c, 64 &lt;&lt; c), and from chunk 7 on each holds 4,096 cells.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int ChunkOf(int cell) => cell < FirstChunkCells ? 0
        : cell < ChunkCells ? System.Numerics.BitOperations.Log2((uint)cell) - 5
        : (cell >> ChunkShift) + 6;

    /// <summary>The first cell of chunk <paramref name="chunk"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int StartOf(int chunk) => chunk == 0 ? 0 : chunk <= 6 ? 32 << chunk : (chunk - 6) << ChunkShift;

    /// <summary>The cells of chunk <paramref name="chunk"/>.</summary>
    private static int SizeOf(int chunk) => chunk == 0 ? FirstChunkCells : chunk <= 6 ? 32 << chunk : ChunkCells;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Allocate(int cells)
    {
        if (cells < _freeHeads.Length)
        {
            var head = _freeHeads[cells];
            if (head >= 0)
            {
                var c = ChunkOf(head);
                _freeHeads[cells] = BinaryPrimitives.ReadInt32LittleEndian(_chunks[c].AsSpan((head - StartOf(c)) << CellShift));
                return head;
            }
        }

        return Bump(cells);
    }

    private int Bump(int cells)
    {
        while (_bumpEnd - _bumpCell < cells)
        {
            // The end of the last chunk is too short: a free record of its own size (a whole small chunk, for a record
            // larger than it), and a new chunk.
            var rest = _bumpEnd - _bumpCell;
            if (rest > 0)
            {
                PushFree(rest, _bumpCell);
            }

            if (_chunkCount == _chunks.Length)
            {
                Array.Resize(ref _chunks, Math.Max(4, _chunkCount * 2));
            }

            var size = SizeOf(_chunkCount);
            Debug.Assert(StartOf(_chunkCount) == _bumpEnd, "Chunks follow each other.");
            _chunks[_chunkCount++] = new byte[size * CellBytes];
            _bumpCell = _bumpEnd;
            _bumpEnd += size;
        }

        var first = _bumpCell;
        _bumpCell += cells;
        return first;
    }

    private void PushFree(int cells, int first)
    {
        if (cells >= _freeHeads.Length)
        {
            var length = Math.Max(cells + 1, Math.Min(_freeHeads.Length * 2, MaxSmallCells + 1));
            var old = _freeHeads.Length;
            Array.Resize(ref _freeHeads, length);
            _freeHeads.AsSpan(old).Fill(-1);
        }

        var c = ChunkOf(first);
        BinaryPrimitives.WriteInt32LittleEndian(_chunks[c].AsSpan((first - StartOf(c)) << CellShift), _freeHeads[cells]);
        _freeHeads[cells] = first;
    }

    private static void Push(ref int[] list, ref int count, int value)
    {
        if (count == list.Length)
        {
            Array.Resize(ref list, Math.Max(16, list.Length * 2));
        }

        list[count++] = value;
    }

    private KeptActivity AddLarge(ReadOnlySpan<byte> encoded)
    {
        int index;
        if (_largeFreeCount != 0)
        {
            index = _largeFree[--_largeFreeCount];
        }
        else
        {
            if (_largeCount == _large.Length)
            {
                Array.Resize(ref _large, Math.Max(4, _largeCount * 2));
            }

            index = _largeCount++;
        }

        var array = new byte[encoded.Length + HeaderBytes];
        BinaryPrimitives.WriteInt32LittleEndian(array, encoded.Length);
        encoded.CopyTo(array.AsSpan(HeaderBytes));
        _large[index] = array;
        return new KeptActivity((uint)~index);
    }
}
