using System.Diagnostics;

namespace AlertEngine;

// Snapshots: the counter's state as public objects (CreateSnapshot, Restore), validated before anything changes.
public sealed partial class SlidingWindowCounter<TItem>
{
    /// <summary>Captures the whole state: the watermark and, for each tracked key, its slots and kept items.</summary>
    /// <returns>The snapshot; keys in order of their newest time, then key (ordinal).</returns>
    public SlidingWindowCounterSnapshot<TItem> CreateSnapshot()
    {
        var keys = new List<SlidingWindowKeySnapshot<TItem>>(_keys.Count);
        ExpireAllStale();
        var table = Table;
        for (var p = table.Next(0); p >= 0; p = table.Next(p + 1))
        {
            var key = table.KeyAt(p);
            ref var state = ref table.ValueAt(p);
            var merged = MergedSlots(ref state);
            var slots = new SlidingWindowSlot[merged.Length];
            for (var i = 0; i < slots.Length; i++)
            {
                slots[i] = new SlidingWindowSlot(TimeOf(merged[i].Index), merged[i].Count);
            }

            var items = new SlidingWindowItem<TItem>[state.ItemCount];
            for (var i = 0; i < items.Length; i++)
            {
                ref var it = ref ItemAt(ref state, i);
                items[i] = new SlidingWindowItem<TItem>(new DateTimeOffset(it.Ticks, TimeSpan.Zero), it.Item);
            }

            keys.Add(new SlidingWindowKeySnapshot<TItem>(key, TimeOf(state.NewestSlot), slots, items));
        }

        keys.Sort(static (a, b) => a.Newest != b.Newest ? a.Newest.CompareTo(b.Newest) : string.CompareOrdinal(a.Key, b.Key));
        return new SlidingWindowCounterSnapshot<TItem>(Threshold, Window, Resolution, Watermark, keys);
    }

    /// <summary>
    /// Replaces the whole state with <paramref name="snapshot"/>, taken from a counter with the same threshold, window
    /// and resolution. Items beyond this counter's <see cref="MaxItemsPerDetection"/> are dropped, oldest first.
    /// </summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot does not fit this counter or is inconsistent; the counter is unchanged.</exception>
    public void Restore(SlidingWindowCounterSnapshot<TItem> snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var watermark = ValidateSnapshot(snapshot);

        Clear();
        Table.EnsureCapacity(snapshot.Keys.Count);
        foreach (var k in snapshot.Keys)
        {
            ref var state = ref Track(k.Key, k.Newest.UtcTicks / _resolution);
            foreach (var s in k.Slots)
            {
                AppendSlot(ref state, s.Start.UtcTicks / _resolution, s.Count);
                state.Total += s.Count;
            }

            var skip = Math.Max(0, k.Items.Count - _maxStoredItems);
            for (var i = 0; i < skip; i++)
            {
                _release?.Release(k.Items[i].Item);
            }

            for (var i = skip; i < k.Items.Count; i++)
            {
                KeepItem(ref state, k.Items[i].Time.UtcTicks / _resolution, k.Items[i].Time.UtcTicks, k.Items[i].Item);
            }

            var consistent = UncountKeptItems(ref state);
            Debug.Assert(consistent, "ValidateSnapshot checked that every kept item is counted in its slot.");
        }

        if (watermark != long.MinValue)
        {
            _ = AdvanceWatermark(watermark);
        }
    }

    private long ValidateSnapshot(SlidingWindowCounterSnapshot<TItem> snapshot)
    {
        const string name = nameof(snapshot);
        if (snapshot.Threshold != Threshold || snapshot.Window != Window || snapshot.Resolution != Resolution)
        {
            throw new ArgumentException(
                $"The snapshot is of a counter with threshold {snapshot.Threshold}, window {snapshot.Window} and resolution " +
                $"{snapshot.Resolution}; this counter has {Threshold}, {Window} and {Resolution}.", name);
        }

        ArgumentNullException.ThrowIfNull(snapshot.Keys, name);
        if (snapshot.Keys.Count > MaxTrackedKeys)
        {
            throw new ArgumentException($"The snapshot holds {snapshot.Keys.Count} keys, more than MaxTrackedKeys ({MaxTrackedKeys}).", name);
        }

        if (snapshot.Keys.Count != 0 && snapshot.Watermark is null)
        {
            throw new ArgumentException("The snapshot holds keys but no watermark.", name);
        }

        var watermark = snapshot.Watermark?.UtcTicks ?? long.MinValue;
        var seen = new HashSet<string>(_keys.Comparer);
        for (var k = 0; k < snapshot.Keys.Count; k++)
        {
            var key = snapshot.Keys[k] ?? throw new ArgumentException($"Keys[{k}] is null.", name);
            if (key.Key is null || key.Slots is null || key.Items is null)
            {
                throw new ArgumentException($"Keys[{k}] has a null key, slots or items.", name);
            }

            if (!seen.Add(key.Key))
            {
                throw new ArgumentException($"Key '{key.Key}' appears twice.", name);
            }

            var newestTicks = key.Newest.UtcTicks;
            if (newestTicks % _resolution != 0 || newestTicks > watermark)
            {
                throw new ArgumentException($"Key '{key.Key}': newest time {key.Newest:O} is not a slot start at or before the watermark.", name);
            }

            var newest = newestTicks / _resolution;
            var previous = newest - _windowSlots;
            long total = 0;
            foreach (var s in key.Slots)
            {
                var startTicks = s.Start.UtcTicks;
                var slot = startTicks / _resolution;
                if (startTicks % _resolution != 0 || slot <= previous || slot > newest || s.Count < 1)
                {
                    throw new ArgumentException(
                        $"Key '{key.Key}': slot {s.Start:O} x {s.Count} is not an aligned slot in order inside the key's window with a positive count.", name);
                }

                previous = slot;
                total += s.Count;
            }

            if (total >= Threshold || key.Items.Count > total)
            {
                throw new ArgumentException(
                    $"Key '{key.Key}': {total} counted items and {key.Items.Count} kept items; a key counts fewer than {Threshold} and keeps at most what it counts.", name);
            }

            var previousItem = long.MinValue;
            foreach (var item in key.Items)
            {
                ThrowIfKeptItemInvalid(key.Key, item.Time, previousItem, newest, watermark, name);
                previousItem = item.Time.UtcTicks;
            }

            // The items this counter keeps must each be counted in their slot (they are counted by the item ring).
            var slotAt = -1;
            var left = 0;
            for (var i = Math.Max(0, key.Items.Count - _maxStoredItems); i < key.Items.Count; i++)
            {
                var slot = key.Items[i].Time.UtcTicks / _resolution;
                while (left == 0 || key.Slots[slotAt].Start.UtcTicks / _resolution < slot)
                {
                    if (++slotAt == key.Slots.Count)
                    {
                        break;
                    }

                    left = key.Slots[slotAt].Count;
                }

                if (slotAt == key.Slots.Count || key.Slots[slotAt].Start.UtcTicks / _resolution != slot)
                {
                    throw new ArgumentException($"Key '{key.Key}': item at {key.Items[i].Time:O} is not counted in its slot.", name);
                }

                left--;
            }
        }

        return watermark;
    }

    /// <summary>Checks a saved kept item of a key (a snapshot's or a checkpoint's): in time order after
    /// <paramref name="previousItem"/>, inside the key's window ending at slot <paramref name="newest"/>, and not later
    /// than the watermark.</summary>
    private void ThrowIfKeptItemInvalid(string key, DateTimeOffset time, long previousItem, long newest, long watermark, string name)
    {
        var ticks = time.UtcTicks;
        if (ticks < previousItem || ticks / _resolution <= newest - _windowSlots || ticks / _resolution > newest)
        {
            throw new ArgumentException($"Key '{key}': item at {time:O} is out of order or outside the key's window.", name);
        }

        if (ticks > watermark)
        {
            // Every kept item was seen, so none is later than the latest time seen (detections append after it).
            throw new ArgumentException($"Key '{key}': item at {time:O} is later than the watermark.", name);
        }
    }
}
