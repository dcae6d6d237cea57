namespace AlertEngine;

// The engine checkpoint of a counter, written from and read into the key table directly (no snapshot objects).
// The bytes are those of ThresholdDetector's keyed records: per key its newest slot start, its slots (start, count)
// and its kept items (time, item).
public sealed partial class SlidingWindowCounter<TItem>
{
    /// <summary>Writes the watermark and one keyed record per key that has one (<see cref="HasRecord"/>), in the key
    /// table's order (a counter restored from a checkpoint has the checkpoint's order, so saving it again gives the same
    /// bytes).</summary>
    internal void WriteCheckpoint(CheckpointWriter writer, Action<CheckpointWriter, TItem> writeItem)
    {
        writer.Write(_watermark);
        writer.BeginKeys(RecordCount);
        ExpireAllStale();
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            // The value is copied: its arrays are shared, and nothing is changed while writing.
            if (!IsIdle(in table.ValueAt(p)))
            {
                WriteKeyRecord(writer, table.KeyAt(p), table.ValueAt(p), writeItem);
            }
        }
    }

    /// <summary>
    /// Whether the next sweep evicts the key (its newest slot at or before the eviction bound). Such a key holds nothing
    /// that can still count and behaves exactly like an absent one, so it has no keyed record: when a sweep runs depends
    /// on the sweeps before it, which a restored counter does not repeat, and writing idle keys would make the state of
    /// a restored counter differ from the live one's (and the checkpoint larger) without any difference in what either
    /// detects (as <see cref="WindowedDetectors.RemoveIdle"/> does for the windowed detectors). One exception: at
    /// <see cref="MaxTrackedKeys"/>, a live counter whose rate-limited sweep (<c>SweepForRoom</c>) has not run yet still
    /// counts its idle keys against the cap and can refuse a new key that the restored counter, without them, admits
    /// (docs/restart-safety.md).
    /// </summary>
    private bool IsIdle(in CounterKeyState state) => state.NewestSlot <= _evictThrough;

    /// <summary>The number of keyed records <see cref="WriteCheckpoint"/> writes now (a pass over the key table).</summary>
    internal int RecordCount
    {
        get
        {
            var count = 0;
            var table = Table;
            for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
            {
                if (!IsIdle(in table.ValueAt(p)))
                {
                    count++;
                }
            }

            return count;
        }
    }

    /// <summary>Whether <see cref="WriteCheckpoint"/> writes a keyed record of <paramref name="key"/> (the key is
    /// tracked and not idle).</summary>
    internal bool HasRecord(string key) => Table.TryGetValue(key, out _, out var state) && !IsIdle(in state);

    /// <summary>Adds the keys of the records <see cref="WriteCheckpoint"/> writes now (as the table spells them).</summary>
    internal void CopyRecordKeysTo(List<string> keys)
    {
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            if (!IsIdle(in table.ValueAt(p)))
            {
                keys.Add(table.KeyAt(p));
            }
        }
    }

    /// <summary>How the key table compares keys.</summary>
    internal IEqualityComparer<string> KeyComparer => _keys.Comparer;

    /// <summary>Writes what <see cref="WriteCheckpoint"/> writes, with the keyed records of the keys among
    /// <paramref name="keys"/> (distinct under <see cref="KeyComparer"/>) that have one only, in the order given.</summary>
    internal void WriteKeysCheckpoint(CheckpointWriter writer, Action<CheckpointWriter, TItem> writeItem, IReadOnlyCollection<string> keys)
    {
        var count = 0;
        foreach (var key in keys)
        {
            if (HasRecord(key))
            {
                count++;
            }
        }

        writer.Write(_watermark);
        writer.BeginKeys(count);
        ExpireAllStale();

        // The record carries the key as the table holds it (its first spelling), whatever the spelling asked for.
        var table = Table;
        foreach (var key in keys)
        {
            if (table.TryGetValue(key, out var actual, out var state) && !IsIdle(in state))
            {
                WriteKeyRecord(writer, actual, state, writeItem);
            }
        }
    }

    private void WriteKeyRecord(CheckpointWriter writer, string key, CounterKeyState state, Action<CheckpointWriter, TItem> writeItem)
    {
        writer.BeginKey(key);
        writer.Write(state.NewestSlot * _resolution);
        var slots = MergedSlots(ref state);
        writer.Write(slots.Length);
        foreach (var s in slots)
        {
            writer.Write(s.Index * _resolution);
            writer.Write(s.Count);
        }

        writer.Write(state.ItemCount);
        for (var i = 0; i < state.ItemCount; i++)
        {
            ref var it = ref ItemAt(ref state, i);
            writer.Write(it.Ticks);
            writeItem(writer, it.Item);
        }

        writer.EndKey();
    }

    /// <summary>
    /// Reads what <see cref="WriteCheckpoint"/> wrote into this counter, which must be fresh (nothing counted yet);
    /// after an exception it is to be discarded. The checks are those of <see cref="Restore"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    /// <exception cref="ArgumentException">The state does not fit this counter (another resolution or threshold) or is
    /// inconsistent.</exception>
    internal void ReadCheckpoint(CheckpointReader reader, Func<CheckpointReader, TItem> readItem)
    {
        if (_keys.Count != 0 || _watermark != long.MinValue)
        {
            throw new InvalidOperationException("A checkpoint is read into a fresh counter only.");
        }

        const string name = nameof(reader);
        var watermark = reader.ReadInt64();
        if (watermark != long.MinValue)
        {
            _ = ReadTicksOf(watermark);
        }

        var count = reader.BeginKeys();
        if (count > MaxTrackedKeys)
        {
            throw new ArgumentException($"The snapshot holds {count} keys, more than MaxTrackedKeys ({MaxTrackedKeys}).", name);
        }

        if (count != 0 && watermark == long.MinValue)
        {
            throw new ArgumentException("The snapshot holds keys but no watermark.", name);
        }

        Table.EnsureCapacity(count);
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            var newestTicks = ReadTicks(reader);
            if (newestTicks % _resolution != 0 || newestTicks > watermark)
            {
                throw new ArgumentException($"Key '{key}': newest time {new DateTimeOffset(newestTicks, TimeSpan.Zero):O} is not a slot start at or before the watermark.", name);
            }

            var newest = newestTicks / _resolution;
            ref var state = ref Table.GetValueRefOrAddDefault(key, out var exists);
            if (exists)
            {
                throw new ArgumentException($"Key '{key}' appears twice.", name);
            }

            state.NewestSlot = newest;
            var slots = reader.ReadCount(12);
            var previous = newest - _windowSlots;
            for (var i = 0; i < slots; i++)
            {
                var startTicks = ReadTicks(reader);
                var slotCount = reader.ReadInt32();
                var slot = startTicks / _resolution;
                if (startTicks % _resolution != 0 || slot <= previous || slot > newest || slotCount < 1 || state.Total + (long)slotCount >= Threshold)
                {
                    throw new ArgumentException(
                        $"Key '{key}': slot {new DateTimeOffset(startTicks, TimeSpan.Zero):O} x {slotCount} is not an aligned slot in order inside the key's window with a positive count, or the key counts {Threshold} or more.", name);
                }

                previous = slot;
                AppendSlot(ref state, slot, slotCount);
                state.Total += slotCount;
            }

            var items = reader.ReadCount(28);
            if (items > state.Total)
            {
                throw new ArgumentException($"Key '{key}': {state.Total} counted items and {items} kept items; a key keeps at most what it counts.", name);
            }

            // Beyond this counter's cap the oldest are dropped, as Restore does.
            var skip = Math.Max(0, items - _maxStoredItems);
            var previousItem = long.MinValue;
            for (var i = 0; i < items; i++)
            {
                var ticks = ReadTicks(reader);
                var item = readItem(reader);
                ThrowIfKeptItemInvalid(key, new DateTimeOffset(ticks, TimeSpan.Zero), previousItem, newest, watermark, name);
                previousItem = ticks;
                if (i >= skip)
                {
                    KeepItem(ref state, ticks / _resolution, ticks, item);
                }
                else
                {
                    _release?.Release(item);
                }
            }

            if (!UncountKeptItems(ref state))
            {
                throw new ArgumentException($"Key '{key}': a kept item is not counted in its slot.", name);
            }

            reader.EndKey();
        }

        if (_keys.Count > _peakKeys)
        {
            _peakKeys = _keys.Count;
        }

        if (watermark != long.MinValue)
        {
            _ = AdvanceWatermark(watermark);
        }
    }

    private static long ReadTicks(CheckpointReader reader) => ReadTicksOf(reader.ReadInt64());

    private static long ReadTicksOf(long ticks)
    {
        return ticks < DateTimeOffset.MinValue.UtcTicks || ticks > DateTimeOffset.MaxValue.UtcTicks
            ? throw CheckpointReader.Corrupt("a time is out of range")
            : ticks;
    }
}
