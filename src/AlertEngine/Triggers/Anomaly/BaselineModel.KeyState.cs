using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

// Per-key state: the record every observation touches, the state by handle, the seasonal slots, allocation, retirement,
// and the calendars.
public sealed partial class BaselineModel<T>
{
    // Per key, by handle (the index maps a key to its handle): its record (the state every observation touches, then
    // the state a bucket change touches, then the key's characters: three cache lines, see Record), its key string, the
    // seasonal slots (float level + byte sample count, 5 bytes each) and the counts of the older open buckets. Each
    // address needs only the handle, so all of them are asked for at once (PrefetchState).
    //
    // Records and slots are kept in chunks of 2^_chunkShift handles (1,024 for hourly buckets): growing adds a chunk
    // instead of copying every key's state into arrays twice as large. Each copy wrote to memory never touched before
    // (a page fault per 4 KB), so doubling touched twice the final state and copied it once; on issue 16's workload the
    // first pass spent about a fifth of its time there (benchmarks/results/end-to-end.md, 2026-12-06
    // anomaly-first-16). The first chunk still doubles from 16 handles, so a small model stays small.
    private readonly int _chunkShift;
    private nint[] _recordChunks = [];
    private byte[]?[] _recordChunkArrays = [];
    private byte[][] _slotChunks = [];
    private int _capacity;
    private string?[] _keys = [];
    private int _keyCount;
    private int[] _older = [];
    private int[] _free = [];
    private int _freeCount;
    private int _highWater;

    // Handles from here on have never been used since their slots and older counts were allocated (zero): a new key
    // there skips clearing them (for a growing model, a write to memory that is not in the cache).
    private int _zeroFrom;

    // At most the newest bucket of every tracked key (newest buckets only move forward; a new key lowers it): Sweep
    // scans for idle keys only when a key this old would be idle.
    private long _minNewest = long.MaxValue;

    // Keys up to this many characters are compared with a copy in their record (KeyRecord.KeyChars).
    private const int InlineKeyChars = 32;

    // Key (by its hash) → handle. The keys' order is the handles' (checkpoints, snapshots): handles are taken last-freed
    // first, as a Dictionary's entries are, so it is the order the key table that this model used to keep gave.
    private readonly HandleIndex _handles = new();

    private const int CacheLine = 64;
    internal const int RecordBytes = 192;

    /// <summary>The size of one key's record as laid out (a test pins it at <see cref="RecordBytes"/>).</summary>
    internal static int KeyRecordSize => Unsafe.SizeOf<KeyRecord>();

    // At most 1,024 handles a chunk (fewer when a key has more than 64 seasonal slots).
    private const int MaxChunkShift = 10;

    // Slot regions up to this many cache lines are prefetched with the key's state (PrefetchState).
    private const int MaxPrefetchLines = 6;

    // The slots of the last two buckets asked for: a bucket change asks for the closed bucket's and the new one's.
    private long _slotCacheBucket = long.MinValue;
    private int _slotCacheCalendar;
    private int _slotCacheValue;
    private long _slotCacheBucket2 = long.MinValue;
    private int _slotCacheCalendar2;
    private int _slotCacheValue2;

    /// <summary>Takes a handle for a new key, sets up its state and adds the key to the handle index.</summary>
    private int Allocate(string key, long t, long bucket, int calendar)
    {
        int h;
        if (_freeCount > 0)
        {
            h = _free[--_freeCount];
        }
        else
        {
            h = _highWater++;
            if (h == _capacity)
            {
                Grow();
            }
        }

        if (h < _zeroFrom)
        {
            SlotsOf(h).Clear();
            if (_ring > 1)
            {
                _older.AsSpan(h * (_ring - 1), _ring - 1).Clear();
            }
        }
        else
        {
            Debug.Assert(!SlotsOf(h).ContainsAnyExcept((byte)0), "An unused handle's slots are zero.");
            Debug.Assert(_ring == 1 || !_older.AsSpan(h * (_ring - 1), _ring - 1).ContainsAnyExcept(0), "An unused handle's older counts are zero.");
            _zeroFrom = h + 1;
        }

        _keys[h] = key;
        _keyCount++;
        ResetGrid(h);
        ref var record = ref Record(h);
        ref var k = ref record.Cold;
        k = default;
        k.Calendar = calendar;
        k.NewestBucket = bucket;
        _minNewest = Math.Min(_minNewest, bucket);
        k.FirstTicks = t;
        k.Folded = long.MinValue;
        k.Dispersion = BaselineMath.InitialDispersion;
        record.KeyLength = key.Length;
        record.ProfileRate = float.NaN;
        if (key.Length <= InlineKeyChars)
        {
            key.AsSpan().CopyTo(record.KeyChars);
        }

        ref var s = ref record.Hot;
        s = default;
        s.Handle = h;
        s.NewestStart = bucket * _bucket;
        s.FastFrom = Math.Max(s.NewestStart, t);
        s.Threshold = CannotFire;
        SetThreshold(h, ref s);
        AddHandle(key, h);
        return h;
    }

    /// <summary>Puts handle <paramref name="h"/> of <paramref name="key"/> in the handle index; after a flood of colliding
    /// keys, switches the index to the randomized hash and adds every tracked key again.</summary>
    private void AddHandle(string key, int h)
    {
        if (!_handles.Add(_handles.Hash(key), h) && !_handles.Randomized)
        {
            UseRandomizedHandleHash();
        }
    }

    /// <summary>Switches the handle index to .NET's randomized string hash and adds every tracked key again (after an
    /// add found a probe run longer than <see cref="HandleIndex.MaxProbe"/>; tests call it directly).</summary>
    internal void UseRandomizedHandleHash()
    {
        _handles.Reset(randomized: true);
        AddAllHandles();
    }

    /// <summary>For tests: whether the handle index has switched to the randomized hash.</summary>
    internal bool HandleHashRandomized => _handles.Randomized;

    /// <summary>Tests: hashes every key to 0 in the handle index from now on, so that every lookup is decided by the key
    /// comparison (<see cref="HoldsKey"/>).</summary>
    internal void UseCollidingHandleHashForTests()
    {
        _handles.ResetColliding();
        AddAllHandles();
    }

    private void AddAllHandles()
    {
        for (var h = 0; h < _highWater; h++)
        {
            if (_keys[h] is { } stored)
            {
                _handles.Add(_handles.Hash(stored), h);
            }
        }
    }

    /// <summary>The handle of <paramref name="key"/>, or −1: the handle index's lookup, each candidate handle's state asked
    /// for (<see cref="PrefetchState"/>) and then its key compared with the copy in its record.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int FindHandle(string key)
    {
        var match = new KeyMatch(this, key);
        return _handles.Find(_handles.Hash(key), ref match);
    }

    /// <summary>Whether handle <paramref name="h"/> holds <paramref name="key"/>: its length and characters against the
    /// copy in its record (keys up to <see cref="InlineKeyChars"/> characters), else against the stored key string.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private bool HoldsKey(int h, string key)
    {
        ref var record = ref Record(h);
        if (record.KeyLength != key.Length)
        {
            return false;
        }

        return key.Length <= InlineKeyChars
            ? ((ReadOnlySpan<char>)record.KeyChars)[..key.Length].SequenceEqual(key)
            : string.Equals(_keys[h], key, StringComparison.Ordinal);
    }

    /// <summary>Makes room for handles 0 to <paramref name="count"/> − 1: the first chunk doubles up to a whole chunk, then
    /// whole chunks are added (a restore asks for its key count at once).</summary>
    private void EnsureHandles(int count)
    {
        if (count <= _capacity)
        {
            return;
        }

        _zeroFrom = Math.Min(_zeroFrom, _capacity);
        var chunk = 1 << _chunkShift;
        if (_capacity < chunk)
        {
            ResizeFirstChunk((int)Math.Min(chunk, BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, count))));
        }

        while (_capacity < count)
        {
            AddChunk();
        }

        if (_keys.Length < _capacity)
        {
            Array.Resize(ref _keys, Math.Max(_capacity, Math.Min(2 * _keys.Length, _maxKeys)));
        }

        if (_ring > 1 && _older.Length < _capacity * (_ring - 1))
        {
            Array.Resize(ref _older, _keys.Length * (_ring - 1));
        }

        EnsureGridCapacity();
    }

    private void Grow() => EnsureHandles(_capacity + 1);

    /// <summary>Replaces the first (and only) chunk by one of <paramref name="handles"/> handles, the records and slots
    /// copied.</summary>
    private unsafe void ResizeFirstChunk(int handles)
    {
        var records = NewRecordChunk(handles, out var array);
        if (_capacity != 0)
        {
            new ReadOnlySpan<KeyRecord>((void*)_recordChunks[0], _capacity).CopyTo(new Span<KeyRecord>(records, handles));
        }
        else
        {
            _recordChunks = new nint[4];
            _recordChunkArrays = new byte[4][];
            _slotChunks = new byte[4][];
            _slotChunks[0] = [];
        }

        _recordChunks[0] = (nint)records;
        _recordChunkArrays[0] = array;
        Array.Resize(ref _slotChunks[0], handles * _slots * SlotBytes);
        _capacity = handles;
    }

    /// <summary>Adds a whole chunk after the whole ones (the first chunk is whole).</summary>
    private unsafe void AddChunk()
    {
        var chunk = 1 << _chunkShift;
        var n = _capacity >> _chunkShift;
        if (n == _recordChunks.Length)
        {
            Array.Resize(ref _recordChunks, 2 * n);
            Array.Resize(ref _recordChunkArrays, 2 * n);
            Array.Resize(ref _slotChunks, 2 * n);
        }

        _recordChunks[n] = (nint)NewRecordChunk(chunk, out _recordChunkArrays[n]);
        _slotChunks[n] = new byte[chunk * _slots * SlotBytes];
        _capacity += chunk;
    }

    /// <summary>An array for <paramref name="handles"/> records, pinned (it never moves, so it stays aligned) and not
    /// cleared (Allocate sets every field a handle's record is read by: its hot and cold parts, the key's length and as
    /// many characters as that); returns its first record, at the start of a cache line.</summary>
    private static unsafe KeyRecord* NewRecordChunk(int handles, out byte[] array)
    {
        // Sized by the struct itself, so a field added to KeyRecord costs alignment, never memory past the array
        // (Record indexes by the struct's size); a test pins the size at RecordBytes (three cache lines).
        array = GC.AllocateUninitializedArray<byte>((handles * Unsafe.SizeOf<KeyRecord>()) + CacheLine, pinned: true);
        ref var first = ref MemoryMarshal.GetArrayDataReference(array);
        var misalignment = (int)((nuint)Unsafe.AsPointer(ref first) % CacheLine);
        return (KeyRecord*)Unsafe.AsPointer(ref Unsafe.Add(ref first, misalignment == 0 ? 0 : CacheLine - misalignment));
    }

    /// <summary>The seasonal slots of handle <paramref name="h"/> (5 bytes each: the level, a float, and the sample
    /// count).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private Span<byte> SlotsOf(int h)
    {
        var bytes = _slots * SlotBytes;
        return _slotChunks[h >> _chunkShift].AsSpan((h & ((1 << _chunkShift) - 1)) * bytes, bytes);
    }

    /// <summary>The record of handle <paramref name="h"/> (bounds-checked).</summary>
    /// <remarks>The records are 192 bytes (<see cref="KeyRecord"/>) in pinned chunks (<see cref="NewRecordChunk"/>), each
    /// chunk's first record at the start of a cache line, so each record is exactly three lines: an observation of a
    /// quiet key misses three lines instead of four or five (an array's elements start 16 bytes after an 8-byte-aligned
    /// object start, so a 200-byte record of a managed array straddled four or five). The record holds no reference, so
    /// growing the first chunk is a plain copy (a record with the key string in it was copied with write barriers) and
    /// the collector has nothing to scan in it. Measured in benchmarks/results/end-to-end.md, 2026-12-06
    /// anomaly-first-16.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private unsafe ref KeyRecord Record(int h)
    {
        if ((uint)h >= (uint)_capacity)
        {
            ThrowBadHandle();
        }

        return ref ((KeyRecord*)_recordChunks[h >> _chunkShift])[h & ((1 << _chunkShift) - 1)];
    }

    [DoesNotReturn]
    private static void ThrowBadHandle() => throw new InvalidOperationException("The anomaly model's key handle is out of range.");

    /// <summary>Asks the processor for the cache lines of key <paramref name="h"/>'s state: its hot and cold records,
    /// its seasonal slots (at most <see cref="MaxPrefetchLines"/> lines: all of them for hourly buckets, 48 slots in 240
    /// bytes) and its older open buckets' counts. An observation of a quiet key reads all of them, each a cache miss; the
    /// handle index's lookup calls this for each candidate handle (one whose entry holds the key's hash) before the key
    /// is compared with the copy in its record (or, for keys over 32 characters, the stored key), so the misses overlap
    /// each other instead of following one another. Only a hint: no state changes, and a no-op without SSE.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void PrefetchState(int h)
    {
        if (!Sse.IsSupported)
        {
            return;
        }

        ref var record = ref Unsafe.As<KeyRecord, byte>(ref Record(h));
        CachePrefetch.Line(ref record);
        CachePrefetch.Line(ref Unsafe.Add(ref record, CacheLine));
        CachePrefetch.Line(ref Unsafe.Add(ref record, 2 * CacheLine));
        var bytes = _slots * SlotBytes;
        if (bytes <= MaxPrefetchLines * 64)
        {
            ref var slots = ref MemoryMarshal.GetReference(SlotsOf(h));
            for (var at = 0; at < bytes; at += 64)
            {
                CachePrefetch.Line(ref Unsafe.Add(ref slots, at));
            }

            CachePrefetch.Line(ref Unsafe.Add(ref slots, bytes - 1));
        }

        if (_ring > 1)
        {
            CachePrefetch.Line(ref Unsafe.As<int, byte>(ref _older[h * (_ring - 1)]));
        }
    }


    /// <summary>The seasonal slot of a bucket in key <paramref name="h"/>'s calendar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(int h, long bucket)
    {
        var calendar = Record(h).Cold.Calendar;
        if (bucket == _slotCacheBucket && calendar == _slotCacheCalendar)
        {
            return _slotCacheValue;
        }

        if (bucket != _slotCacheBucket2 || calendar != _slotCacheCalendar2)
        {
            _slotCacheValue2 = _calendars[calendar].SlotOf(bucket);
            _slotCacheBucket2 = bucket;
            _slotCacheCalendar2 = calendar;
        }

        // Swap, so the entry used last is checked first and the older one is replaced next.
        (_slotCacheBucket, _slotCacheBucket2) = (_slotCacheBucket2, _slotCacheBucket);
        (_slotCacheCalendar, _slotCacheCalendar2) = (_slotCacheCalendar2, _slotCacheCalendar);
        (_slotCacheValue, _slotCacheValue2) = (_slotCacheValue2, _slotCacheValue);
        return _slotCacheValue;
    }

    /// <summary>The calendar of a new key: its own time zone's when <see cref="AnomalyDetectorOptions.KeyTimeZone"/>
    /// names one, else the model's.</summary>
    private int CalendarFor(string key)
    {
        if (_keyZone?.Invoke(key) is not { } zone)
        {
            return 0;
        }

        if (!_calendarByZone.TryGetValue(zone.Id, out var index))
        {
            index = _calendars.Count;
            _calendars.Add(new SeasonalCalendar(_bucket, zone));
            _calendarByZone.Add(zone.Id, index);
        }

        return index;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float LevelAt(Span<byte> slots, int j) => Unsafe.ReadUnaligned<float>(ref slots[j * SlotBytes]);

    /// <summary>The level seasonal slot <paramref name="j"/> of a key's <paramref name="slots"/> predicts: pooled toward
    /// the adjacent hours (<see cref="BaselineMath.PredictedLevel"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double PredictedLevel(Span<byte> slots, int j)
    {
        if (!BaselineMath.Pools(_slots, j) || SamplesAt(slots, j) == 0)
        {
            return LevelAt(slots, j);
        }

        return BaselineMath.Pool(LevelAt(slots, j), SamplesAt(slots, j), SamplesAt(slots, j - 1) != 0, LevelAt(slots, j - 1), SamplesAt(slots, j + 1) != 0, LevelAt(slots, j + 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static byte SamplesAt(Span<byte> slots, int j) => slots[(j * SlotBytes) + 4];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void SetSlot(Span<byte> slots, int j, float level, byte samples)
    {
        ref var at = ref slots[j * SlotBytes];
        Unsafe.WriteUnaligned(ref at, level);
        Unsafe.Add(ref at, 4) = samples;
    }

    /// <summary>The level seasonal slot <paramref name="j"/> of key <paramref name="h"/> (its <paramref name="slots"/>)
    /// predicts: shrunk toward the key's rate × the population profile when the profile covers it
    /// (<paramref name="effective"/> its effective samples, > 0), else pooled toward the adjacent hours
    /// (<see cref="PredictedLevel"/>; <paramref name="effective"/> 0). With <paramref name="keep"/> false (an inspection)
    /// the key's cached rate is not updated.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double Predict(int h, Span<byte> slots, int j, out double effective, bool keep = true)
    {
        effective = 0;
        if (_profile is not null && KeyRate(h, keep, out var rate))
        {
            var level = BaselineMath.ShrinkToProfile(LevelAt(slots, j), SamplesAt(slots, j), _profile.Rates[j], rate, 1, _profileWeight, out effective);
            if (!double.IsNaN(level))
            {
                return level;
            }
        }

        return PredictedLevel(slots, j);
    }

    /// <summary>The key's rate R against the population profile, Σ n_s·level_s / Σ n_s·p_s over its slots with samples
    /// and a profile rate (n_s capped at the EWMA's effective samples), if it passes the fit test; false when the model
    /// has no usable profile, the key runs in its own zone, the key has no sample in a covered slot or fails the fit
    /// test. Computed once per key and profile day (at the key's first prediction after a freeze: two passes over its
    /// slots) and kept in the key's record (<see cref="KeyRecord.ProfileRate"/>, NaN until computed; a freeze sets every
    /// key's back to NaN), so a bucket change costs no pass over the slots (docs/anomaly.md, seventh session).
    /// <paramref name="keep"/> false: computed without updating the cache.</summary>
    private bool KeyRate(int h, bool keep, out double rate)
    {
        rate = 0;
        if (_profile is not { Usable: true } profile)
        {
            return false;
        }

        ref var record = ref Record(h);
        if (record.Cold.Calendar != 0)
        {
            return false;
        }

        var cached = record.ProfileRate;
        if (float.IsNaN(cached))
        {
            cached = ComputeKeyRate(h, profile.Rates);
            if (keep)
            {
                record.ProfileRate = cached;
            }
        }

        rate = cached;
        return cached >= 0;
    }

    /// <summary>The key's rate against the profile's <paramref name="rates"/>, or −1 (no covered slot with samples, or
    /// the fit test fails), rounded to a float as the key's record keeps it.</summary>
    private float ComputeKeyRate(int h, ReadOnlySpan<double> rates)
    {
        var slots = SlotsOf(h);
        double numerator = 0;
        double denominator = 0;
        for (var j = 0; j < rates.Length; j++)
        {
            var n = Math.Min(SamplesAt(slots, j), BaselineMath.MaxEffectiveSamples);
            if (n > 0 && rates[j] >= 0)
            {
                numerator += n * LevelAt(slots, j);
                denominator += n * rates[j];
            }
        }

        if (!(denominator > 0))
        {
            return -1;
        }

        var rate = numerator / denominator;
        if (double.IsPositiveInfinity(_profileFit))
        {
            return (float)rate;
        }

        // The fit test: the key's levels against R × the profile, standardized by a level's sampling variance.
        ref var record = ref Record(h);
        var batch = BaselineMath.BatchFactor(record.Hot.BatchSum, record.Hot.BatchSquares);
        double phi = record.Cold.Dispersion;
        double sum = 0;
        var covered = 0;
        for (var j = 0; j < rates.Length; j++)
        {
            var n = Math.Min(SamplesAt(slots, j), BaselineMath.MaxEffectiveSamples);
            if (n > 0 && rates[j] >= 0)
            {
                var e = rate * rates[j];
                var d = LevelAt(slots, j) - e;
                sum += d * d * n / Math.Max((batch * e) + (phi * e * e), batch);
                covered++;
            }
        }

        return sum <= _profileFit * covered ? (float)rate : -1;
    }

    /// <summary>Moves the newest time to <paramref name="t"/> without an observation, sweeping idle keys at a bucket
    /// boundary, and counts nothing in the population profile (tests; the engine's detector calls <see cref="Pass"/>).
    /// Earlier times are ignored.</summary>
    internal void AdvanceTo(long t)
    {
        if (t > _watermark)
        {
            MoveWatermark(t);
        }
    }

    private void MoveWatermark(long t)
    {
        _watermark = t;
        if (_profile is not null)
        {
            MoveProfile(t);
            if (_prior is not null)
            {
                MoveGridDay(t);
            }
        }

        if (t >= _nextSweepTicks)
        {
            if (_nextSweepTicks != long.MinValue)
            {
                Sweep();
            }

            _nextSweepTicks = ((t / _bucket) + 1) * _bucket;
        }
    }

    /// <summary>The population profile follows the clock; when it froze a new day, every key's cached rate against it is
    /// forgotten (set to NaN: computed again at the key's next prediction). One pass over the records per UTC day of event
    /// time, in place of a day stamp per key that the 192-byte record has no room for.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void MoveProfile(long t)
    {
        var day = _profile!.Day;
        _profile.MoveTo(t);
        if (_profile.Day != day)
        {
            ForgetProfileRates();
        }
    }

    /// <summary>Sets every handle's cached rate against the population profile to NaN (not computed for the profile's
    /// day).</summary>
    private void ForgetProfileRates()
    {
        for (var h = 0; h < _highWater; h++)
        {
            Record(h).ProfileRate = float.NaN;
        }
    }

    /// <summary>Retires keys idle beyond the retention and releases kept items of buckets that can no longer
    /// change (<see cref="ReleaseKept"/>). Runs when the newest event time enters a new bucket: O(keys) for a bucket of
    /// event time in which the oldest key may be idle, O(1) otherwise.</summary>
    private void Sweep()
    {
        // No key's newest bucket is older than _minNewest, so when even that one is within the retention no key retires
        // and the scan (every handle's record, once per bucket of event time: megabytes at tens of thousands of keys)
        // is skipped; the scan finds the exact oldest newest bucket of the keys it keeps.
        if (_minNewest != long.MaxValue && _watermark - ((_minNewest + 1) * _bucket) >= _retention)
        {
            RetireIdleKeys();
        }

        ReleaseKept();
    }

    private void RetireIdleKeys()
    {
        var oldest = long.MaxValue;
        for (var h = 0; h < _highWater; h++)
        {
            if (_keys[h] is not { } key)
            {
                continue;
            }

            ref var k = ref Record(h).Cold;

            if (_watermark - ((k.NewestBucket + 1) * _bucket) < _retention)
            {
                oldest = Math.Min(oldest, k.NewestBucket);
                continue;
            }

            _handles.Remove(_handles.Hash(key), h);
            _keys[h] = null;
            _keyCount--;
            k = default;
            if (_freeCount == _free.Length)
            {
                Array.Resize(ref _free, Math.Max(16, _free.Length * 2));
            }

            _free[_freeCount++] = h;
        }

        _minNewest = oldest;
    }

    /// <summary>Asks for a candidate handle's state, then compares its key (<see cref="FindHandle"/>).</summary>
    private readonly struct KeyMatch(BaselineModel<T> model, string key) : IHandleMatch
    {
        public bool Matches(int handle)
        {
            model.PrefetchState(handle);
            return model.HoldsKey(handle, key);
        }
    }

    /// <summary>A key's state by handle, three cache lines (192 bytes, see <see cref="Record"/>): the part every observation
    /// touches and the key's length; the part a bucket change touches; the key's characters (up to
    /// <see cref="InlineKeyChars"/>), which the lookup compares a key with instead of reading the stored key string (a
    /// cache miss of its own that had to wait for the index, see <see cref="HandleIndex"/>). No references: the key
    /// strings are in <c>_keys</c>.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct KeyRecord
    {
        public Hot Hot;
        public int KeyLength;

        // The key's rate against the population profile (issue 15; read at a bucket change, with the profile only):
        // NaN, not computed for the profile's current day; −1, not predicted with the profile (no covered slot with
        // samples, or the fit test failed); else the rate R. The day it belongs to is the profile's: a freeze sets every
        // key's back to NaN (ForgetProfileRates). In the 4 bytes that padded the hot part to a cache line.
        public float ProfileRate;
        public Cold Cold;
        public KeyChars KeyChars;
    }

    /// <summary>The characters of a key of up to <see cref="InlineKeyChars"/> characters (64 bytes).</summary>
    [InlineArray(InlineKeyChars)]
    private struct KeyChars
    {
        private char _first;
    }

    /// <summary>The state every observation touches.</summary>
    private struct Hot
    {
        public long NewestStart;
        public long FastFrom;
        public long BatchTicks;
        public long Head;
        public int Count;
        public int Threshold;
        public int BatchSize;
        public float BatchSum;
        public float BatchSquares;
        public int Handle;
    }

    /// <summary>The state a bucket change or a detection touches.</summary>
    private struct Cold
    {
        public long NewestBucket;
        public long FirstTicks;
        public long Folded;
        public ulong Fired;
        public float Expected;
        public float Scale;
        public float Dispersion;
        public float DispersionSum;
        public float DispersionWeight;
        public float RecentObserved;
        public float RecentExpected;
        public int Calendar;
    }
}
