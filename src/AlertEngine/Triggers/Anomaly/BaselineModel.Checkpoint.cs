using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;

namespace AlertEngine;

// The engine checkpoint of the model: each key's baseline record, its working state (the batch of equal-time
// observations in progress) and its kept items, written from and read into the model's arrays directly (no snapshot
// objects).
//
// A key's baseline record has the layout of BaselineSnapshot.WriteKey (WriteKeyRecord/ReadKeyRecord below, one field
// per line in that order): a field added to the key state and to WriteKey/ReadKey is added to both methods here too.
// BaselineModelCheckpointTests checks that the bytes equal WriteKey's and that a round trip gives the same snapshot.
public sealed partial class BaselineModel<T>
{
    private byte[] _recordScratch = [];
    private int[] _countScratch = [];

    /// <summary>The bucket length in ticks (checkpoint header).</summary>
    internal long BucketTicks => _bucket;

    /// <summary>The model's time zone id (checkpoint header).</summary>
    internal string TimeZoneId => _timeZoneId;

    /// <summary>The number of open buckets per key (checkpoint header).</summary>
    internal int Ring => _ring;

    /// <summary>The newest event time seen, in ticks; <see cref="long.MinValue"/> when none (checkpoint header).</summary>
    internal long WatermarkTicks => _watermark;

    /// <summary>
    /// Writes one keyed record per tracked key, in handle order (the order of a dictionary fed the same adds and removes;
    /// a model restored from a checkpoint has the checkpoint's order): the baseline record as a length-prefixed block, the working state, then the kept items that
    /// a later detection can still carry, oldest first, each with its arrival rank across keys (ranks rather than
    /// sequence numbers, so equal states give equal bytes) and time.
    /// </summary>
    internal void WriteCheckpointKeys(CheckpointWriter writer, Action<CheckpointWriter, T> writeItem)
    {
        // Arrival order of the kept items across keys: only items are sorted, never keys.
        var sequences = new List<long>();
        var oldest = Math.Max(_keptCleared, _keptNext - _kept.Length);
        var mask = _kept.Length - 1;
        if (_kept.Length != 0)
        {
            for (var h = 0; h < _highWater; h++)
            {
                if (_keys[h] is null)
                {
                    continue;
                }

                for (var q = Record(h).Hot.Head; q >= oldest && q > 0; q = _kept[q & mask].Previous)
                {
                    if (MayFire(_kept[q & mask].Ticks))
                    {
                        sequences.Add(q);
                    }
                }
            }

            sequences.Sort();
        }

        var chain = new List<long>();
        writer.BeginKeys(_keyCount);
        for (var h = 0; h < _highWater; h++)
        {
            if (_keys[h] is not { } key)
            {
                continue;
            }

            ref var s = ref Record(h).Hot;
            writer.BeginKey(key);
            writer.Write(WriteKeyRecord(key, h));
            if (_prior is not null)
            {
                WriteGridKey(writer, h);
            }
            chain.Clear();
            if (_kept.Length != 0)
            {
                for (var q = s.Head; q >= oldest && q > 0; q = _kept[q & mask].Previous)
                {
                    if (MayFire(_kept[q & mask].Ticks))
                    {
                        chain.Add(q);
                    }
                }
            }

            writer.Write(chain.Count);
            for (var i = chain.Count - 1; i >= 0; i--)
            {
                ref var e = ref _kept[chain[i] & mask];
                writer.Write((long)sequences.BinarySearch(chain[i]) + 1);
                writer.Write(e.Ticks);
                writeItem(writer, e.Item);
            }

            writer.EndKey();
        }
    }

    /// <summary>A lower bound of the bytes one key takes in a checkpoint (<see cref="WriteKeyRecord"/>'s fixed fields,
    /// its open buckets and slots, with an empty key and no kept items; the exact minimum is 97 bytes more than the ring
    /// and slots), so a reader can refuse a declared key count its bytes cannot hold before sizing the model for it.</summary>
    internal static int MinimumCheckpointKeyBytes(int slots, int ring) => 64 + (4 * ring) + (5 * slots);

    /// <summary>The key's baseline record as a length-prefixed block (<see cref="BaselineSnapshot.WriteKey"/>'s bytes),
    /// followed by its working state.</summary>
    private ReadOnlySpan<byte> WriteKeyRecord(string key, int h)
    {
        ref var s = ref Record(h).Hot;
        ref var k = ref Record(h).Cold;
        var keyBytes = Encoding.UTF8.GetByteCount(key);
        var record = LengthPrefixBytes(keyBytes) + keyBytes + (4 * 8) + (5 * 4) + (4 * _ring) + (5 * _slots) + (2 * 4) + (_profile is null ? 0 : 2 * 4);
        var total = 4 + record + (2 * 8) + (4 * 4);
        if (_recordScratch.Length < total)
        {
            _recordScratch = new byte[Math.Max(total, 256)];
        }

        var span = _recordScratch.AsSpan(0, total);
        BinaryPrimitives.WriteInt32LittleEndian(span, record);
        var at = 4;
        at += WriteLengthPrefix(span[at..], keyBytes);
        at += Encoding.UTF8.GetBytes(key, span[at..]);
        at = Put(span, at, k.NewestBucket);
        at = Put(span, at, k.FirstTicks);
        at = Put(span, at, k.Folded);
        BinaryPrimitives.WriteUInt64LittleEndian(span[at..], k.Fired);
        at += 8;
        at = Put(span, at, k.Dispersion);
        at = Put(span, at, k.RecentObserved);
        at = Put(span, at, k.RecentExpected);
        at = Put(span, at, s.BatchSum);
        at = Put(span, at, s.BatchSquares);
        at = Put(span, at, s.Count);
        for (var i = 1; i < _ring; i++)
        {
            at = Put(span, at, _older[(h * (_ring - 1)) + i - 1]);
        }

        var slots = SlotsOf(h);
        for (var i = 0; i < _slots; i++)
        {
            slots.Slice(i * SlotBytes, 4).CopyTo(span[at..]);
            at += 4;
        }

        for (var i = 0; i < _slots; i++)
        {
            span[at++] = slots[(i * SlotBytes) + 4];
        }

        // The dispersion sums (BaselineSnapshot.WriteKey writes them last). A field added to the key record goes here,
        // after them, and into the record size above; ReadCheckpointKey reads it where its comment says.
        at = Put(span, at, k.DispersionSum);
        at = Put(span, at, k.DispersionWeight);

        // With the population profile only (a model without one writes the records it always wrote): the key's cached
        // rate against the profile and the profile day it belongs to (BaselineSnapshot.WriteKey's version-3 fields).
        if (_profile is not null)
        {
            var rate = SnapshotProfileRate(h, out var day);
            at = Put(span, at, day);
            at = Put(span, at, rate);
        }

        // The working state (outside the block).
        at = Put(span, at, s.FastFrom);
        at = Put(span, at, s.BatchTicks);
        at = Put(span, at, s.BatchSize);
        at = Put(span, at, s.Threshold);
        at = Put(span, at, k.Expected);
        _ = Put(span, at, k.Scale);
        return span;
    }

    /// <summary>Throws unless the model is fresh (no key, no clock): a checkpoint is read into a fresh model only, and
    /// this is checked before any of its state (the grid's prior) is overwritten.</summary>
    /// <exception cref="InvalidOperationException">The model has run.</exception>
    internal void ThrowIfNotFreshForCheckpoint()
    {
        if (_keyCount != 0 || _watermark != long.MinValue)
        {
            throw new InvalidOperationException("A checkpoint is read into a fresh model only.");
        }
    }

    /// <summary>Starts reading a checkpoint into this model, which must be fresh (nothing observed yet); after an
    /// exception it is to be discarded.</summary>
    /// <exception cref="ArgumentException">The state was made with another bucket length or time zone, or holds more
    /// keys than the cap.</exception>
    internal void BeginCheckpointRestore(long bucket, int slots, string zone, long watermark, int count)
    {
        ThrowIfNotFreshForCheckpoint();

        if (bucket != _bucket || slots != _slots)
        {
            throw new ArgumentException($"The snapshot was made with bucket {TimeSpan.FromTicks(bucket)}; this model uses {TimeSpan.FromTicks(_bucket)}.", nameof(bucket));
        }

        if (!string.Equals(zone, _timeZoneId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The snapshot was made in time zone '{zone}'; this model uses '{_timeZoneId}'.", nameof(zone));
        }

        if (count > _maxKeys)
        {
            throw new ArgumentException($"The snapshot holds {count} keys; this model tracks at most {_maxKeys}.", nameof(count));
        }

        _handles.EnsureCapacity(count);
        EnsureHandles(count);
        _watermark = watermark;
        _nextSweepTicks = _watermark == long.MinValue ? long.MinValue : ((_watermark / _bucket) + 1) * _bucket;
    }

    /// <summary>Reads one key's baseline record (block) and working state, written by <see cref="WriteKeyRecord"/>
    /// with a ring of <paramref name="ring"/> open buckets, and tracks the key as <see cref="Restore"/> does.</summary>
    /// <exception cref="InvalidDataException">A value is malformed.</exception>
    /// <exception cref="ArgumentException">The key is there twice.</exception>
    internal void ReadCheckpointKey(CheckpointReader reader, string key, int ring)
    {
        var length = reader.ReadInt32();
        if (length < 0 || length > reader.Remaining)
        {
            throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has a bad length");
        }

        var end = reader.Remaining - length;
        if (!reader.ReadStringEquals(key))
        {
            throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' is inconsistent");
        }

        var newestBucket = reader.ReadInt64();
        var firstTicks = reader.ReadInt64();
        var folded = reader.ReadInt64();
        var fired = reader.ReadUInt64();
        var dispersion = reader.ReadSingle();
        var recentObserved = reader.ReadSingle();
        var recentExpected = reader.ReadSingle();
        var batchSum = reader.ReadSingle();
        var batchSquares = reader.ReadSingle();
        if (!IsCount(dispersion) || !IsCount(recentObserved) || !IsCount(recentExpected) || !IsCount(batchSum) || !IsCount(batchSquares))
        {
            throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has an invalid dispersion");
        }

        if (_countScratch.Length < ring)
        {
            _countScratch = new int[ring];
        }

        var counts = _countScratch.AsSpan(0, ring);
        for (var j = 0; j < ring; j++)
        {
            counts[j] = reader.ReadInt32();
            if (counts[j] < 0)
            {
                throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has a negative count");
            }
        }

        var levels = reader.ReadBytes(4 * _slots);
        var samples = reader.ReadBytes(_slots);
        for (var j = 0; j < _slots; j++)
        {
            if (!IsCount(BinaryPrimitives.ReadSingleLittleEndian(levels[(4 * j)..])))
            {
                throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has an invalid baseline value");
            }
        }

        // The dispersion sums: a record written before they existed ends after the samples, and they are derived
        // from the saved dispersion as a version-1 snapshot's are. A field added later is read after them, the same way.
        float dispersionSum, dispersionWeight;
        if (reader.Remaining > end)
        {
            dispersionSum = reader.ReadSingle();
            dispersionWeight = reader.ReadSingle();
            if (!float.IsFinite(dispersionSum) || !float.IsFinite(dispersionWeight) || dispersionWeight < 0)
            {
                throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has invalid dispersion sums");
            }
        }
        else
        {
            (dispersionSum, dispersionWeight) = BaselineSnapshot.LegacyDispersionSums(dispersion);
        }

        // The key's cached rate against the population profile: absent from records written without a profile (the key
        // computes it again at its next prediction); read and dropped by a model without one.
        var profileDay = 0;
        var profileRate = -1f;
        if (reader.Remaining > end)
        {
            profileDay = reader.ReadInt32();
            profileRate = reader.ReadSingle();
            if (!BaselineSnapshot.ValidProfileCache(profileDay, profileRate))
            {
                throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has an invalid profile rate");
            }
        }

        if (reader.Remaining != end)
        {
            throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' is inconsistent");
        }

        var fastFrom = reader.ReadInt64();
        var batchTicks = reader.ReadInt64();
        var batchSize = reader.ReadInt32();
        var threshold = reader.ReadInt32();
        var expected = reader.ReadSingle();
        var scale = reader.ReadSingle();
        if (batchSize < 0 || !float.IsFinite(expected) || !float.IsFinite(scale))
        {
            throw CheckpointReader.Corrupt($"the anomaly record of key '{key}' has an impossible working state");
        }

        if (FindHandle(key) >= 0)
        {
            throw new ArgumentException($"The snapshot holds the key '{key}' twice.", nameof(key));
        }

        // From here on as Restore does for one key.
        var h = Allocate(key, firstTicks, newestBucket, CalendarFor(key));
        ref var s = ref Record(h).Hot;
        ref var k = ref Record(h).Cold;
        k.Dispersion = dispersion;
        k.DispersionSum = dispersionSum;
        k.DispersionWeight = dispersionWeight;
        k.RecentObserved = recentObserved;
        k.RecentExpected = recentExpected;
        s.BatchSum = batchSum;
        s.BatchSquares = batchSquares;
        Record(h).ProfileRate = RestoredProfileRate(profileRate, profileDay);
        var slotData = SlotsOf(h);
        for (var j = 0; j < _slots; j++)
        {
            levels.Slice(4 * j, 4).CopyTo(slotData[(j * SlotBytes)..]);
            slotData[(j * SlotBytes) + 4] = samples[j];
        }

        k.Folded = folded;
        var firstBucket = k.FirstTicks / _bucket;
        for (var i = counts.Length - 1; i >= _ring; i--)
        {
            var q = newestBucket - i;
            if (q >= firstBucket && q > k.Folded)
            {
                Fold(h, ref s, q, counts[i], fired, newestBucket);
                k.Folded = q;
            }
        }

        s.Count = counts[0];
        for (var i = 1; i < _ring; i++)
        {
            _older[(h * (_ring - 1)) + i - 1] = i < counts.Length ? counts[i] : 0;
        }

        k.Fired = fired & _firedMask;

        // The working state replaces what Allocate computed (the threshold cached when the newest bucket opened).
        s.FastFrom = fastFrom;
        s.BatchTicks = batchTicks;
        s.BatchSize = batchSize;
        s.Threshold = threshold;
        k.Expected = expected;
        k.Scale = scale;
    }

    /// <summary>The state of a tracked key by reference, or a null reference.</summary>
    private ref Hot HotOf(string key)
    {
        var h = FindHandle(key);
        return ref h < 0 ? ref System.Runtime.CompilerServices.Unsafe.NullRef<Hot>() : ref Record(h).Hot;
    }

    private static bool IsCount(float value) => float.IsFinite(value) && value >= 0;

    private static int LengthPrefixBytes(int value)
    {
        var n = 1;
        while (value >= 0x80)
        {
            value >>= 7;
            n++;
        }

        return n;
    }

    private static int WriteLengthPrefix(Span<byte> span, int value)
    {
        var n = 0;
        var v = (uint)value;
        while (v >= 0x80)
        {
            span[n++] = (byte)(v | 0x80);
            v >>= 7;
        }

        span[n++] = (byte)v;
        return n;
    }

    private static int Put(Span<byte> span, int at, long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(span[at..], value);
        return at + 8;
    }

    private static int Put(Span<byte> span, int at, int value)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], value);
        return at + 4;
    }

    private static int Put(Span<byte> span, int at, float value)
    {
        BinaryPrimitives.WriteSingleLittleEndian(span[at..], value);
        return at + 4;
    }

    /// <summary>
    /// The kept items of <paramref name="key"/> that a later detection can still carry (their bucket can still take
    /// observations), oldest arrival first, with their arrival sequence numbers (which order items across keys).
    /// </summary>
    internal List<(long Sequence, long Ticks, T Item)> KeptItems(string key)
    {
        var list = new List<(long, long, T)>();
        ref var s = ref HotOf(key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s) || _kept.Length == 0)
        {
            return list;
        }

        var oldest = Math.Max(_keptCleared, _keptNext - _kept.Length);
        var mask = _kept.Length - 1;
        for (var q = s.Head; q >= oldest && q > 0;)
        {
            ref var e = ref _kept[q & mask];
            if (MayFire(e.Ticks))
            {
                list.Add((q, e.Ticks, e.Item));
            }

            q = e.Previous;
        }

        list.Reverse();
        return list;
    }

    /// <summary>
    /// Keeps items again after <see cref="Restore"/>, in arrival order across keys (sorted by sequence number), as if
    /// they had just arrived. Every key must be tracked.
    /// </summary>
    /// <exception cref="ArgumentException">An item's key is not tracked.</exception>
    internal void RestoreKept(List<(long Sequence, string Key, long Ticks, T Item)> items)
    {
        items.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        foreach (var (_, key, ticks, item) in items)
        {
            ref var s = ref HotOf(key);
            if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
            {
                throw new ArgumentException($"A kept item belongs to the key '{key}', which the model does not track.", nameof(items));
            }

            Keep(ref s, ticks, item);
        }
    }

    /// <summary>The key's per-bucket working state that the baseline snapshot leaves out: the batch of equal-time
    /// observations in progress, and the threshold cached for the newest bucket (computed when the bucket opened, with
    /// the batch factor of that moment: recomputing it after a restore could give another threshold).</summary>
    internal WorkingState ExportWorkingState(string key)
    {
        ref var s = ref HotOf(key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
        {
            throw new ArgumentException($"The key '{key}' is not tracked.", nameof(key));
        }

        ref var k = ref Record(s.Handle).Cold;
        return new WorkingState(s.FastFrom, s.BatchTicks, s.BatchSize, s.Threshold, k.Expected, k.Scale);
    }

    /// <summary>Sets a tracked key's working state after <see cref="Restore"/>.</summary>
    /// <exception cref="ArgumentException">The key is not tracked, or the state is impossible.</exception>
    internal void RestoreWorkingState(string key, WorkingState state)
    {
        ref var s = ref HotOf(key);
        if (System.Runtime.CompilerServices.Unsafe.IsNullRef(ref s))
        {
            throw new ArgumentException($"The key '{key}' is not tracked.", nameof(key));
        }

        if (state.BatchSize < 0 || !float.IsFinite(state.Expected) || !float.IsFinite(state.Scale))
        {
            throw new ArgumentException($"The working state of key '{key}' is impossible.", nameof(state));
        }

        ref var k = ref Record(s.Handle).Cold;
        s.FastFrom = state.FastFrom;
        s.BatchTicks = state.BatchTicks;
        s.BatchSize = state.BatchSize;
        s.Threshold = state.Threshold;
        k.Expected = state.Expected;
        k.Scale = state.Scale;
    }

    /// <summary>A key's working state (see <see cref="ExportWorkingState"/>).</summary>
    internal readonly record struct WorkingState(long FastFrom, long BatchTicks, int BatchSize, int Threshold, float Expected, float Scale);
}

// The population day profile in checkpoints and snapshots (only a model that keeps the profile: the population model).
public sealed partial class BaselineModel<T>
{
    /// <summary>Writes the population profile (the detector-wide header of an engine checkpoint, anomaly format 2): next
    /// freeze, span start, slot count, then running counts, sums and coverage per slot, then the keys seen. Only a model
    /// with a profile writes format 2.</summary>
    internal void WriteProfile(CheckpointWriter writer)
    {
        if (_profile is null)
        {
            throw new InvalidOperationException("The model has no population profile.");
        }

        _profile.Write(writer);
    }

    /// <summary>Reads what <see cref="WriteProfile"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    internal static BaselineSnapshot.ProfileRecord ReadProfile(CheckpointReader reader, int slots)
    {
        var nextFreeze = reader.ReadInt64();
        var spanStart = reader.ReadInt64();
        var n = reader.ReadInt32();
        if (n != slots)
        {
            throw CheckpointReader.Corrupt("the anomaly population profile has a bad slot count");
        }

        var running = new long[n];
        var sums = new long[n];
        var covered = new long[n];
        foreach (var array in (long[][])[running, sums, covered])
        {
            for (var s = 0; s < n; s++)
            {
                array[s] = reader.ReadInt64();
                if (array[s] < 0)
                {
                    throw CheckpointReader.Corrupt("the anomaly population profile holds a negative count");
                }
            }
        }

        var severalKeys = reader.ReadBoolean();
        var hasFirst = reader.ReadBoolean();
        var firstKey = reader.ReadString();
        return new BaselineSnapshot.ProfileRecord(nextFreeze, spanStart, running, sums, covered, severalKeys, hasFirst ? firstKey : null);
    }

    /// <summary>The population profile's state for a snapshot; null when the model has none.</summary>
    private BaselineSnapshot.ProfileRecord? SnapshotProfile() =>
        _profile is null ? null : new(_profile.NextFreeze, _profile.SpanStart, _profile.Running.ToArray(), _profile.Sums.ToArray(), _profile.Covered.ToArray(), _profile.SeveralKeys, _profile.FirstKey);

    /// <summary>Key <paramref name="h"/>'s cached rate against the profile as saved: the rate (or −1) with the profile's
    /// day when it was computed for that day, else −1 with day 0 (not computed).</summary>
    private float SnapshotProfileRate(int h, out int day)
    {
        var rate = Record(h).ProfileRate;
        if (_profile is null || float.IsNaN(rate))
        {
            day = 0;
            return -1;
        }

        day = _profile.Day;
        return rate;
    }

    /// <summary>A saved cached rate as the key's record keeps it: valid only for the restored profile's day (else NaN:
    /// computed again at the key's next prediction).</summary>
    private float RestoredProfileRate(float rate, int day) =>
        _profile is { Day: > 0 } profile && day == profile.Day ? rate : float.NaN;

    /// <summary>Replaces the population profile with a saved one (a model without a profile ignores it). No record (an
    /// older format, or a state saved without the profile): the empty profile, which counts from the next UTC day start
    /// after <paramref name="watermark"/> on (<see cref="PopulationDayProfile.RestoreEmpty"/>).</summary>
    /// <exception cref="ArgumentException">The record's values are impossible (the profile is then unchanged).</exception>
    internal void RestoreProfile(BaselineSnapshot.ProfileRecord? record, long watermark)
    {
        if (_profile is null)
        {
            return;
        }

        if (record is null)
        {
            _profile.RestoreEmpty(watermark);
            return;
        }

        _profile.Restore(record.NextFreeze, record.SpanStart, record.Running, record.Sums, record.Covered, record.SeveralKeys, record.FirstKey);
    }
}
