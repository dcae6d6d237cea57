using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

// Per-key state: the dictionary entry every observation touches, the state by handle, the seasonal slots, allocation,
// retirement, and the calendars.
public sealed partial class BaselineModel<T>
{
    // Per key, by handle (the index maps a key to its handle): its record (the state every observation touches, then
    // the state a bucket change touches), the seasonal slots (float level + byte sample count, 5 bytes each) and the
    // counts of the older open buckets. Each address needs only the handle, so all of them are asked for at once
    // (PrefetchState).
    private KeyRecord[] _state = [];
    private byte[] _slotData = [];
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

    // Keys up to this many characters are compared with a copy in their record (InlineKey).
    private const int InlineKeyChars = 32;

    // Key (by its hash) → handle, for the observations; _index (the key table) keeps the order and serves the rest.
    private readonly HandleIndex _handles = new();

    // Slot regions up to this many cache lines are prefetched with the key's state (PrefetchState).
    private const int MaxPrefetchLines = 6;

    // The slots of the last two buckets asked for: a bucket change asks for the closed bucket's and the new one's.
    private long _slotCacheBucket = long.MinValue;
    private int _slotCacheCalendar;
    private int _slotCacheValue;
    private long _slotCacheBucket2 = long.MinValue;
    private int _slotCacheCalendar2;
    private int _slotCacheValue2;

    /// <summary>Takes a handle for a new key and sets up its state (the caller adds the key to the index).</summary>
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
            if (h == _state.Length)
            {
                Grow();
            }
        }

        if (h < _zeroFrom)
        {
            _slotData.AsSpan(h * _slots * SlotBytes, _slots * SlotBytes).Clear();
            if (_ring > 1)
            {
                _older.AsSpan(h * (_ring - 1), _ring - 1).Clear();
            }
        }
        else
        {
            Debug.Assert(!_slotData.AsSpan(h * _slots * SlotBytes, _slots * SlotBytes).ContainsAnyExcept((byte)0), "An unused handle's slots are zero.");
            Debug.Assert(_ring == 1 || !_older.AsSpan(h * (_ring - 1), _ring - 1).ContainsAnyExcept(0), "An unused handle's older counts are zero.");
            _zeroFrom = h + 1;
        }

        ref var k = ref _state[h].Cold;
        k = default;
        k.Key = key;
        k.Calendar = calendar;
        k.NewestBucket = bucket;
        _minNewest = Math.Min(_minNewest, bucket);
        k.FirstTicks = t;
        k.Folded = long.MinValue;
        k.Dispersion = BaselineMath.InitialDispersion;
        ref var name = ref _state[h].Name;
        name.Length = key.Length;
        if (key.Length <= InlineKeyChars)
        {
            key.AsSpan().CopyTo(name.Chars);
        }

        ref var s = ref _state[h].Hot;
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
            if (_state[h].Cold.Key is { } stored)
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
        ref var name = ref _state[h].Name;
        if (name.Length != key.Length)
        {
            return false;
        }

        return key.Length <= InlineKeyChars
            ? ((ReadOnlySpan<char>)name.Chars)[..key.Length].SequenceEqual(key)
            : string.Equals(_state[h].Cold.Key, key, StringComparison.Ordinal);
    }

    /// <summary>Makes room for <paramref name="count"/> keys at once (a restore), instead of doubling key by key.</summary>
    private void EnsureHandles(int count)
    {
        if (count <= _state.Length)
        {
            return;
        }

        var capacity = Math.Min(Math.Max(16, count), _maxKeys);
        _zeroFrom = Math.Min(_zeroFrom, _state.Length);
        Array.Resize(ref _state, capacity);
        Array.Resize(ref _slotData, capacity * _slots * SlotBytes);
        Array.Resize(ref _older, capacity * (_ring - 1));
    }

    private void Grow()
    {
        var capacity = (int)Math.Min(Math.Max(16L, _state.Length * 2L), _maxKeys);
        _zeroFrom = Math.Min(_zeroFrom, _state.Length);
        Array.Resize(ref _state, capacity);
        Array.Resize(ref _slotData, capacity * _slots * SlotBytes);
        Array.Resize(ref _older, capacity * (_ring - 1));
    }

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

        ref var record = ref Unsafe.As<KeyRecord, byte>(ref _state[h]);
        Prefetch(ref record);
        Prefetch(ref Unsafe.Add(ref record, 64));
        Prefetch(ref Unsafe.Add(ref record, 128));
        if (Unsafe.SizeOf<KeyRecord>() > 192)
        {
            Prefetch(ref Unsafe.Add(ref record, 192));
        }

        Prefetch(ref Unsafe.Add(ref record, Unsafe.SizeOf<KeyRecord>() - 1));
        var bytes = _slots * SlotBytes;
        if (bytes <= MaxPrefetchLines * 64)
        {
            var start = h * bytes;
            for (var at = start; at < start + bytes; at += 64)
            {
                Prefetch(ref _slotData[at]);
            }

            Prefetch(ref _slotData[start + bytes - 1]);
        }

        if (_ring > 1)
        {
            Prefetch(ref Unsafe.As<int, byte>(ref _older[h * (_ring - 1)]));
        }
    }

    // The GC may move the array between taking the address and the prefetch: harmless, a prefetch never faults and
    // changes nothing but what the cache holds.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static unsafe void Prefetch(ref byte at) => Sse.Prefetch0(Unsafe.AsPointer(ref at));

    /// <summary>The seasonal slot of a bucket in key <paramref name="h"/>'s calendar.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private int SlotOf(int h, long bucket)
    {
        var calendar = _state[h].Cold.Calendar;
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
    private float LevelAt(int i) => Unsafe.ReadUnaligned<float>(ref _slotData[i * SlotBytes]);

    /// <summary>The level slot <paramref name="i"/> (an index into all keys' slots) predicts: pooled toward the
    /// adjacent hours of key <paramref name="h"/> (<see cref="BaselineMath.PredictedLevel"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private double PredictedLevel(int h, int i)
    {
        var slot = i - (h * _slots);
        if (!BaselineMath.Pools(_slots, slot) || SamplesAt(i) == 0)
        {
            return LevelAt(i);
        }

        return BaselineMath.Pool(LevelAt(i), SamplesAt(i), SamplesAt(i - 1) != 0, LevelAt(i - 1), SamplesAt(i + 1) != 0, LevelAt(i + 1));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private byte SamplesAt(int i) => _slotData[(i * SlotBytes) + 4];

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void SetSlot(int i, float level, byte samples)
    {
        ref var at = ref _slotData[i * SlotBytes];
        Unsafe.WriteUnaligned(ref at, level);
        Unsafe.Add(ref at, 4) = samples;
    }

    /// <summary>Moves the newest time to <paramref name="t"/> without an observation (the partitioned engine's models
    /// follow the observations of keys other partitions own), sweeping idle keys at a bucket boundary. Earlier times are
    /// ignored.</summary>
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
        if (t >= _nextSweepTicks)
        {
            if (_nextSweepTicks != long.MinValue)
            {
                Sweep();
            }

            _nextSweepTicks = ((t / _bucket) + 1) * _bucket;
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
            ref var k = ref _state[h].Cold;
            if (k.Key is null)
            {
                continue;
            }

            if (_watermark - ((k.NewestBucket + 1) * _bucket) < _retention)
            {
                oldest = Math.Min(oldest, k.NewestBucket);
                continue;
            }

            _index.Remove(k.Key);
            _handles.Remove(_handles.Hash(k.Key), h);
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

    /// <summary>A key's state by handle: the part every observation touches, then the part a bucket change touches, side
    /// by side (adjacent cache lines of one page: one address translation for both).</summary>
    private struct KeyRecord
    {
        public Hot Hot;
        public Cold Cold;
        public InlineKey Name;
    }

    /// <summary>The key's length and, up to <see cref="InlineKeyChars"/> characters, its characters: the lookup compares
    /// a key with these (in the record, whose lines it asks for anyway) instead of reading the stored key string, a
    /// cache miss of its own that had to wait for the index (see <see cref="HandleIndex"/>).</summary>
    private struct InlineKey
    {
        public int Length;
        public KeyChars Chars;
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
        public string? Key;
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
