using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace AlertEngine;

/// <summary>
/// The per-key state table of the trigger cores: a hash table from a string key to a struct value, with the semantics
/// of <see cref="Dictionary{TKey, TValue}"/> that the cores rely on (the same key equality, the same enumeration order)
/// and a cheaper lookup. Single-threaded; not thread-safe.
/// </summary>
/// <typeparam name="TValue">The per-key state, kept in the table's entry (a struct, changed in place through
/// <see cref="FindValue"/>'s reference).</typeparam>
/// <remarks>
/// <para><b>Layout.</b> Open addressing with linear probing over one power-of-two array of slots, each holding the key,
/// its stored 32-bit hash, its order position and the value, at most half full; beside it a small array of
/// slot numbers by order position. A lookup hashes the key and reads slots from its home slot on (usually one): it
/// compares the stored hash before the key, and the key by reference before its characters (keys read from one
/// activity source are mostly the same string instance), and finds the value in the slot it has just read. A
/// <see cref="Dictionary{TKey, TValue}"/> reads a bucket array and then an entry (and calls the comparer through an
/// interface): one memory access more per lookup, which at thousands of keys is a cache miss more. A slot of exactly 64
/// bytes (the threshold counter's and the sum's: a 48-byte value) is one cache line: large tables of them are allocated aligned to cache lines, so that
/// a lookup reads one line, not two (see <see cref="NewSlots"/>).</para>
/// <para><b>Keys</b> are compared as the comparer given compares them. <see cref="StringComparer.Ordinal"/> (and the
/// default comparer) and <see cref="StringComparer.OrdinalIgnoreCase"/> are recognised and done here, without a call
/// through the comparer: their hash is this table's own (see <see cref="Hash(ReadOnlySpan{char})"/>), seeded at random
/// per process; any other comparer is called for hashes and equality. The own hash is fast, not collision-proof: an add
/// that finds a probe run longer than 128 slots (far beyond chance at most half full: keys crafted to collide) switches
/// the table to the comparer's hash, .NET's randomized one, for good (as <see cref="Dictionary{TKey, TValue}"/> switches
/// from its non-randomized string hash after 100 collisions).</para>
/// <para><b>Order.</b> Enumeration (<see cref="Next"/>) goes through the order positions. As in
/// <see cref="Dictionary{TKey, TValue}"/>, a key added takes the position of the most recently removed key if any
/// (last removed, first reused), else the next new position; <see cref="TrimExcess"/> closes the gaps keeping the order,
/// and growing keeps every position. So the order depends only on the sequence of adds, removes and trims (never on
/// hashes, slots or the seed): a table filled in a checkpoint's key order enumerates in that order, and two runs that
/// add and remove the same keys enumerate alike. Removing during an enumeration is allowed (positions do not move).</para>
/// <para><b>References</b> returned by <see cref="FindValue"/>, <see cref="GetValueRefOrAddDefault"/> and
/// <see cref="ValueAt"/> are valid until the next add or remove of any key (unlike a ref from
/// <c>CollectionsMarshal.GetValueRefOrAddDefault</c> on a Dictionary: a removal here moves the slots after it back, an add may
/// grow the table): use them within one operation on one key.</para>
/// <para><b>Bounds.</b> The slots grow by doubling; <see cref="TrimExcess"/> gives memory back. The table holds at most
/// <see cref="MaxCapacity"/> keys; callers cap their keys far lower. Memory per key: a slot (8 bytes for the key
/// reference, 8 for the hash and the order position, then the value) and 4 bytes of order, divided by the fill
/// (between a quarter and a half after growth; a removal leaves its order position used until it is reused or trimmed).</para>
/// </remarks>
internal sealed class KeyTable<TValue>
{
    /// <summary>The most keys a table holds (the slots stay a power of two of at most 2^30).</summary>
    public const int MaxCapacity = 1 << 29;

    private const int MinimumCapacity = 4;

    private const int CacheLine = 64;

    /// <summary>Slot arrays at least this long (512 KB of 64-byte slots) are allocated aligned to cache lines. A smaller
    /// table mostly stays in the cache, where one line or two per lookup matters little, and the pinned allocations
    /// (with the filler, see <see cref="NewSlots"/>) would be paid at every growth: the engine benchmark's first pass
    /// allocated 0.7 B per activity with 2,048-slot tables aligned, 0.3 B without.</summary>
    private const int AlignedMinimumSlots = 8192;

    /// <summary>Larger slot arrays (4 GB) are allocated as they come.</summary>
    private const int AlignedMaximumSlots = 1 << 26;

    /// <summary>A misaligned slot array is allocated again (with a filler as large) only up to this many slots (4 MB):
    /// a larger one is kept as it first lands, so that a retry never leaves more than 16 MB of garbage.</summary>
    private const int RetriedMaximumSlots = 1 << 16;

    /// <summary>A probe run longer than this, on an add, switches the table to the comparer's (randomized) hash.</summary>
    private const int MaxProbe = 128;

    private Mode _mode;
    private readonly IEqualityComparer<string> _comparer;

    // The slots, open addressing with linear probing: a key's hash, its order position and its value, at most half
    // full. _order[p] is the slot of the key at order position p, or for a free position -2 - the next free
    // position (so every free position holds a negative number).
    private Slot[] _slots = [];
    private int[] _order = [];
    private int _mask = -1;
    private int _count;
    private int _freeList = -1;
    private int _freeCount;

    /// <summary>Creates a table.</summary>
    /// <param name="comparer">How keys are compared; <see langword="null"/> for ordinal.</param>
    /// <param name="capacity">Keys to make room for at once.</param>
    public KeyTable(IEqualityComparer<string>? comparer = null, int capacity = 0)
    {
        _comparer = comparer ?? StringComparer.Ordinal;
        _mode = ReferenceEquals(_comparer, StringComparer.Ordinal) || ReferenceEquals(_comparer, EqualityComparer<string>.Default)
            ? Mode.Ordinal
            : ReferenceEquals(_comparer, StringComparer.OrdinalIgnoreCase) ? Mode.OrdinalIgnoreCase : Mode.Comparer;
        if (capacity > 0)
        {
            Rebuild(capacity, compact: false);
        }
    }

    private enum Mode
    {
        Ordinal,
        OrdinalIgnoreCase,
        Comparer,
    }

    /// <summary>The number of keys.</summary>
    public int Count => _count - _freeCount;

    /// <summary>The number of keys the table has room for before it grows.</summary>
    public int Capacity => _order.Length;

    /// <summary>How keys are compared.</summary>
    public IEqualityComparer<string> Comparer => _comparer;

    /// <summary>The value of <paramref name="key"/> by reference, or a null reference (test with
    /// <see cref="Unsafe.IsNullRef{T}(ref readonly T)"/>) when it is not in the table.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue FindValue(string key)
    {
        var b = FindSlot(key, Hash(key));
        if (b < 0)
        {
            return ref Unsafe.NullRef<TValue>();
        }

        return ref _slots[b].Value;
    }

    /// <summary>The value of <paramref name="key"/> by reference; a default value is added first when the key is not
    /// in the table (<paramref name="exists"/> false). One hash of the key either way.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ref TValue GetValueRefOrAddDefault(string key, out bool exists)
    {
        var hash = Hash(key);
        var b = FindSlot(key, hash);
        if (b >= 0)
        {
            exists = true;
            return ref _slots[b].Value;
        }

        exists = false;
        var added = Insert(key, hash); // Before _slots is read: inserting may grow it.
        return ref _slots[added].Value;
    }

    /// <summary>Whether <paramref name="key"/> is in the table.</summary>
    public bool ContainsKey(string key) => FindSlot(key, Hash(key)) >= 0;

    /// <summary>The value of <paramref name="key"/>, if it is in the table.</summary>
    public bool TryGetValue(string key, [MaybeNullWhen(false)] out TValue value)
    {
        var b = FindSlot(key, Hash(key));
        if (b < 0)
        {
            value = default;
            return false;
        }

        value = _slots[b].Value;
        return true;
    }

    /// <summary>The key as the table holds it (its first spelling, for a comparer that ignores case) and its value.</summary>
    public bool TryGetValue(string key, [NotNullWhen(true)] out string? actualKey, [MaybeNullWhen(false)] out TValue value)
    {
        var b = FindSlot(key, Hash(key));
        if (b < 0)
        {
            actualKey = null;
            value = default;
            return false;
        }

        actualKey = _slots[b].Key!;
        value = _slots[b].Value;
        return true;
    }

    /// <summary>Adds <paramref name="key"/> with <paramref name="value"/>.</summary>
    /// <exception cref="ArgumentException">The key is in the table already.</exception>
    public void Add(string key, TValue value)
    {
        ref var slot = ref GetValueRefOrAddDefault(key, out var exists);
        if (exists)
        {
            throw new ArgumentException($"Key '{key}' is in the table already.", nameof(key));
        }

        slot = value;
    }

    /// <summary>Removes <paramref name="key"/>; its order position is the next one a new key takes.</summary>
    /// <returns>Whether the key was in the table.</returns>
    public bool Remove(string key)
    {
        var b = FindSlot(key, Hash(key));
        if (b < 0)
        {
            return false;
        }

        RemoveSlot(b);
        return true;
    }

    /// <summary>Removes the key at an order position <see cref="Next"/> returned, as <see cref="Remove"/> would, without
    /// hashing or reading the key: the position leads to the key's slot. A sweep that evicts the keys it enumerates
    /// uses it, so that an evicted key's string (read last when the key was last used, long out of the cache) is not
    /// read again.</summary>
    /// <param name="position">An order position that holds a key.</param>
    /// <exception cref="ArgumentOutOfRangeException">The position holds no key.</exception>
    public void RemoveAtPosition(int position)
    {
        if ((uint)position >= (uint)_count || _order[position] < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(position), position, "The position holds no key.");
        }

        RemoveSlot(_order[position]);
    }

    /// <summary>Removes every key.</summary>
    public void Clear()
    {
        if (_count != 0)
        {
            Array.Clear(_slots);
        }

        _count = 0;
        _freeList = -1;
        _freeCount = 0;
    }

    /// <summary>Makes room for at least <paramref name="capacity"/> keys (the order is kept).</summary>
    public void EnsureCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        if (capacity > Capacity)
        {
            Rebuild(capacity, compact: false);
        }
    }

    /// <summary>Shrinks the table to room for <paramref name="capacity"/> keys (at least the number of keys), closing the
    /// gaps that removed keys left in the order.</summary>
    public void TrimExcess(int capacity) => Rebuild(Math.Max(capacity, Count), compact: true);

    /// <summary>The first order position at or after <paramref name="position"/> that holds a key, or −1 after the last.
    /// Enumerate with <c>for (var p = table.Next(0); p &gt;= 0; p = table.Next(p + 1))</c>; removing keys meanwhile is
    /// allowed.</summary>
    public int Next(int position)
    {
        var order = _order;
        for (var p = position; p < _count; p++)
        {
            if (order[p] >= 0)
            {
                return p;
            }
        }

        return -1;
    }

    /// <summary>The key at an order position <see cref="Next"/> returned.</summary>
    public string KeyAt(int position) => _slots[_order[position]].Key!;

    /// <summary>The value at an order position <see cref="Next"/> returned, by reference.</summary>
    public ref TValue ValueAt(int position) => ref _slots[_order[position]].Value;

    /// <summary>
    /// The table's hash of a key as its comparer sees it. Ordinal and ordinal-ignoring-case keys are hashed here, eight
    /// bytes (four characters) at a time: per block, the sum so far rotated plus the block times an odd constant (the
    /// multiplies do not wait for each other, so a 20-character key costs a few nanoseconds), starting from the
    /// process's seed plus the length, then a final mix. Ignoring case, ASCII letters are folded to lower case by setting bit 0x20 of every character
    /// (as .NET's own non-randomized hash does: it also folds a few punctuation pairs, which only makes them collide);
    /// a key with other characters is hashed by <see cref="string.GetHashCode(ReadOnlySpan{char}, StringComparison)"/>,
    /// except when its only non-ASCII characters are U+0131, U+017F or U+212A: those three are the only ones whose
    /// upper or lower case is an ASCII letter (I, S, K), so they are folded as that letter and the key hashed here —
    /// every key that can be equal to an ASCII key ignoring case gets the same hash as it.
    /// </summary>
    internal int Hash(ReadOnlySpan<char> key)
    {
        switch (_mode)
        {
            case Mode.Ordinal:
                return KeyHash.Mix(key, 0);
            case Mode.OrdinalIgnoreCase:
                return HashIgnoreCase(key);
            default:
                return _comparer.GetHashCode(key.ToString());
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int Hash(string key) => _mode == Mode.Comparer ? _comparer.GetHashCode(key) : Hash(key.AsSpan());

    private static int HashIgnoreCase(ReadOnlySpan<char> key)
    {
        const ulong Fold = 0x0020_0020_0020_0020;
        var hash = KeyHash.Mix(key, Fold, out var nonAscii);
        return nonAscii ? HashIgnoreCaseNonAscii(key) : hash;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static int HashIgnoreCaseNonAscii(ReadOnlySpan<char> key)
    {
        Span<char> folded = key.Length <= 256 ? stackalloc char[key.Length] : new char[key.Length];
        for (var i = 0; i < key.Length; i++)
        {
            var c = key[i];
            folded[i] = c switch
            {
                < (char)0x80 => c,
                '\u0131' => 'i',
                '\u017F' => 's',
                '\u212A' => 'k',
                _ => (char)0,
            };

            if (folded[i] == 0 && c != 0)
            {
                // A character no ASCII key can match: the key equals only non-ASCII keys, hashed alike here.
                return string.GetHashCode(key, StringComparison.OrdinalIgnoreCase);
            }
        }

        return KeyHash.Mix(folded, 0x0020_0020_0020_0020);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool KeyEquals(string stored, string key) => ReferenceEquals(stored, key) || _mode switch
    {
        Mode.Ordinal => string.Equals(stored, key, StringComparison.Ordinal),
        Mode.OrdinalIgnoreCase => string.Equals(stored, key, StringComparison.OrdinalIgnoreCase),
        _ => _comparer.Equals(stored, key),
    };

    /// <summary>The slot of <paramref name="key"/>, or −1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindSlot(string key, int hash)
    {
        var slots = _slots;
        var mask = _mask;
        if (slots.Length == 0)
        {
            return -1;
        }

        var b = hash & mask;
        while (true)
        {
            // The stored hash is compared before the key: a key of another hash costs no string comparison.
            ref var slot = ref Unsafe.Add(ref MemoryMarshal.GetArrayDataReference(slots), b);
            var stored = slot.Key;
            if (stored is null)
            {
                return -1;
            }

            if (slot.Hash == hash && KeyEquals(stored, key))
            {
                return b;
            }

            b = (b + 1) & mask;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private int Insert(string key, int hash)
    {
        if (Count == Capacity)
        {
            if (Capacity >= MaxCapacity)
            {
                throw new InvalidOperationException($"A key table holds at most {MaxCapacity} keys.");
            }

            Rebuild((int)Math.Min(Math.Max((long)Capacity * 2, MinimumCapacity), MaxCapacity), compact: false);
        }

        int p;
        if (_freeCount != 0)
        {
            p = _freeList;
            _freeList = -2 - _order[p];
            _freeCount--;
        }
        else
        {
            p = _count++;
        }

        var b = Place(key, hash, p);
        _order[p] = b;
        if (((b - (hash & _mask)) & _mask) > MaxProbe && _mode != Mode.Comparer)
        {
            // Far more collisions than chance gives at most half full: keys crafted against the table's own hash. From
            // now on the comparer's hash (randomized per process by .NET), as Dictionary does after 100 collisions.
            UseComparerHash();
            b = FindSlot(key, Hash(key));
        }

        return b;
    }

    /// <summary>Hashes keys with the comparer from now on (ordinal and ordinal-ignoring-case comparers hash with .NET's
    /// randomized Marvin hash) and places every key again; the order is kept. Called when an add finds a probe run
    /// longer than chance allows (and by tests).</summary>
    internal void UseComparerHash()
    {
        _mode = Mode.Comparer;
        for (var p = Next(0); p >= 0; p = Next(p + 1))
        {
            ref var slot = ref _slots[_order[p]];
            slot.Hash = _comparer.GetHashCode(slot.Key!);
        }

        Rebuild(Capacity, compact: false);
    }

    /// <summary>Puts a key in the first empty slot from its hash's home and returns the slot.</summary>
    private int Place(string key, int hash, int position)
    {
        var b = hash & _mask;
        while (_slots[b].Key is not null)
        {
            b = (b + 1) & _mask;
        }

        ref var slot = ref _slots[b];
        slot.Key = key;
        slot.Hash = hash;
        slot.Order = position;
        return b;
    }

    /// <summary>Removes the key of slot <paramref name="b"/>: its order position goes to the head of the free list and
    /// the slots after it move back into the gap (backward-shift deletion: no tombstones, probe runs stay short).</summary>
    private void RemoveSlot(int b)
    {
        var p = _slots[b].Order;
        _order[p] = -2 - _freeList;
        _freeList = p;
        _freeCount++;

        var mask = _mask;
        var gap = b;
        var j = b;
        while (true)
        {
            j = (j + 1) & mask;
            ref var next = ref _slots[j];
            if (next.Key is null)
            {
                break;
            }

            // The slot may move back into the gap unless its home lies cyclically in (gap, j].
            if (((j - (next.Hash & mask)) & mask) >= ((j - gap) & mask))
            {
                _slots[gap] = next;
                _order[next.Order] = gap;
                gap = j;
            }
        }

        _slots[gap] = default;
    }

    /// <summary>New arrays with room for <paramref name="capacity"/> keys (slots at most half full), the keys
    /// placed again in order; <paramref name="compact"/> also closes the gaps of free order positions.</summary>
    private void Rebuild(int capacity, bool compact)
    {
        capacity = Math.Max(capacity, MinimumCapacity);
        var slotCount = (int)BitOperations.RoundUpToPowerOf2((uint)capacity * 2);
        var oldSlots = _slots;
        var oldOrder = _order;
        var oldCount = _count;
        _slots = NewSlots(slotCount);
        _mask = slotCount - 1;
        _order = new int[slotCount / 2];
        Debug.Assert(_order.Length >= capacity, "Room for the capacity asked for.");
        if (!compact)
        {
            Array.Copy(oldOrder, _order, oldCount);
        }
        else
        {
            _count = 0;
            _freeList = -1;
            _freeCount = 0;
        }

        for (var p = 0; p < oldCount; p++)
        {
            if (oldOrder[p] >= 0)
            {
                ref var old = ref oldSlots[oldOrder[p]];
                var position = compact ? _count++ : p;
                var b = Place(old.Key!, old.Hash, position);
                _slots[b].Value = old.Value;
                _order[position] = b;
            }
        }
    }

    /// <summary>The bytes of one slot (64 for the threshold counter's and the sum's: one cache line).</summary>
    internal static int SlotSize => Unsafe.SizeOf<Slot>();

    /// <summary>Whether the first slot starts a cache line (for tests and benchmarks).</summary>
    internal bool SlotsAligned => _slots.Length != 0 && AddressOfFirst(_slots) % CacheLine == 0;

    /// <summary>
    /// A slot array. When a slot is one cache line (64 bytes, as the threshold counter's and the sum's are) and the table is large
    /// enough for cache misses to matter (512 KB), the array is allocated on the pinned object heap with its first slot at the
    /// start of a cache line, so that a lookup reads one line. An array's elements start 16 bytes after an object
    /// start that is only 8-byte aligned, so an unaligned 64-byte slot straddles two lines: two misses per lookup and
    /// twice the cache footprint (measured: <c>slot-layout</c> in the benchmarks, 2–6 ns of the counter's 40–70 per
    /// activity in steady N = 5 at 10,000 keys on a loaded machine).
    /// </summary>
    /// <remarks>
    /// .NET has no aligned allocation, so this is best effort, checked, and never a matter of correctness. The pinned heap
    /// places an array of this size right after the previous one of its size: after a misaligned array, a filler (a
    /// <see cref="long"/> array at least as large, so that it is placed the same way) whose length is chosen from the
    /// misalignment moves the next array's first slot onto a line start (8 or 9 times in 10 in a test with freed arrays
    /// around; the pinned heap reuses their space first). After a second failed try the array is used as it is. Pinned,
    /// an array never moves, so it stays aligned; the misaligned arrays and fillers are garbage at once (a table grows by
    /// doubling, so this costs at most four times the table's size per growth, until the next full collection). Arrays
    /// above 4 MB (65,536 slots) are not tried again: the first one is used as it lands, aligned or not, so a table of
    /// millions of keys never leaves hundreds of megabytes of fillers behind.
    /// </remarks>
    private static Slot[] NewSlots(int count)
    {
        if (Unsafe.SizeOf<Slot>() != CacheLine || count < AlignedMinimumSlots || count > AlignedMaximumSlots || !KeyTableLayout.AlignLargeSlots)
        {
            return new Slot[count];
        }

        var slots = GC.AllocateArray<Slot>(count, pinned: true);
        var attempts = count <= RetriedMaximumSlots ? 2 : 0;
        for (var attempt = 0; attempt < attempts && AddressOfFirst(slots) % CacheLine != 0; attempt++)
        {
            var misalignment = (int)(AddressOfFirst(slots) % CacheLine);

            // The next object starts where this array ends and has its first element 24 bytes in (object header, method
            // table, length): the filler's size (24 + 8 x length) must be -(misalignment + 24) modulo 64.
            var fillerLength = ((long)count * CacheLine / sizeof(long)) + (((2 * CacheLine) - ((misalignment + 48) % CacheLine)) % CacheLine / sizeof(long));
            GC.KeepAlive(GC.AllocateUninitializedArray<long>((int)fillerLength, pinned: true));
            slots = GC.AllocateArray<Slot>(count, pinned: true);
        }

        return slots;
    }

    private static unsafe long AddressOfFirst(Slot[] slots) =>
        (long)Unsafe.AsPointer(ref MemoryMarshal.GetArrayDataReference(slots));

    private struct Slot
    {
        /// <summary>The key; null for an empty slot.</summary>
        public string? Key;
        public int Hash;

        /// <summary>The key's order position.</summary>
        public int Order;
        public TValue Value;
    }
}
