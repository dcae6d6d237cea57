namespace AlertEngine;

// The duplicate filter's part of an engine checkpoint: the newest time and every remembered id digest with its time.
// Entries are independent, so a checkpoint splits by digest (the same digest a sharded engine routes ids by).
internal sealed partial class DuplicateFilter
{
    private const int EntryBytes = 24;

    /// <summary>Writes the newest time and the live entries in digest order: equal filters give equal bytes, whatever
    /// their tables' history (a restored table is sized from the count and holds its entries elsewhere).</summary>
    internal void WriteState(CheckpointWriter writer) => WriteMergedState(writer, [this], _newestTicks);

    /// <summary>Writes the state of one filter made of <paramref name="parts"/> (the partitioned engine's filters, each
    /// holding the digests of its partition) whose newest time is <paramref name="newestTicks"/>, entries in digest
    /// order (O(n log n) per checkpoint, 24 bytes per live id while writing).</summary>
    internal static void WriteMergedState(CheckpointWriter writer, IReadOnlyList<DuplicateFilter> parts, long newestTicks)
    {
        var limit = parts.Count == 0 || newestTicks == long.MinValue ? long.MinValue : newestTicks - parts[0]._horizonTicks;
        var live = new List<Entry>();
        foreach (var part in parts)
        {
            for (var s = part._head; s < part._tail; s++)
            {
                if (part.At(s).Ticks > limit)
                {
                    live.Add(part.At(s));
                }
            }
        }

        live.Sort(static (a, b) => a.Lo != b.Lo ? a.Lo.CompareTo(b.Lo) : a.Hi.CompareTo(b.Hi));
        writer.Write(newestTicks);
        writer.Write(live.Count);
        foreach (var entry in live)
        {
            writer.Write(entry.Lo);
            writer.Write(entry.Hi);
            writer.Write(entry.Ticks);
        }
    }

    /// <summary>How many entries this filter has taken since it was made (live or forgotten): the arrival number of the
    /// next one, for <see cref="WriteStateInArrivalOrder"/>'s <c>fromArrival</c>.</summary>
    internal long ArrivalCount => _tail;

    /// <summary>Writes the newest time and the live entries in arrival order, which is time order (the ring's), from
    /// arrival number <paramref name="fromArrival"/> on (<see cref="ArrivalCount"/> at an earlier write: only the
    /// entries taken since): no sort, the entries copied as they lie. <see cref="ReadStateInArrivalOrder"/> reads it,
    /// also without a sort. Unlike <see cref="WriteState"/> the bytes depend on the arrival order, so equal filters may
    /// write different bytes: for a store of the filter's own state (an Orleans partition's snapshots), not for a
    /// checkpoint.</summary>
    internal void WriteStateInArrivalOrder(CheckpointWriter writer, long fromArrival = 0)
    {
        var limit = Limit;
        var s = Math.Max(_head, fromArrival);
        while (s < _tail && At(s).Ticks <= limit)
        {
            s++;
        }

        writer.Write(_newestTicks);
        writer.Write(checked((int)Math.Max(0, _tail - s)));
        if (!BitConverter.IsLittleEndian)
        {
            for (; s < _tail; s++)
            {
                writer.Write(At(s).Lo);
                writer.Write(At(s).Hi);
                writer.Write(At(s).Ticks);
            }

            return;
        }

        // Entry is (Lo, Hi, Ticks), 24 bytes: on a little-endian machine the ring's memory is the encoding. At most two
        // runs (the ring wraps once).
        while (s < _tail)
        {
            var start = (int)s & (_ring.Length - 1);
            var run = (int)Math.Min(_tail - s, _ring.Length - start);
            writer.Write(System.Runtime.InteropServices.MemoryMarshal.AsBytes(_ring.AsSpan(start, run)));
            s += run;
        }
    }

    /// <summary>Reads what <see cref="WriteStateInArrivalOrder"/> wrote, into a fresh filter or after the entries
    /// already read (the parts of one filter written at successive times, oldest first: every entry must be at least
    /// as new as the ones before). The filter's newest time becomes the newest read so far. Entries already forgotten
    /// under this filter's horizon are dropped.</summary>
    /// <exception cref="InvalidDataException">The data is malformed, or its entries are not in time order.</exception>
    internal void ReadStateInArrivalOrder(CheckpointReader reader)
    {
        var newest = reader.ReadInt64();
        var count = reader.ReadCount(EntryBytes);
        _newestTicks = Math.Max(_newestTicks, newest);
        var limit = Limit;
        var previous = _tail > _head ? At(_tail - 1).Ticks : long.MinValue;
        for (var i = 0; i < count; i++)
        {
            var entry = ReadEntry(reader, newest);
            if (entry.Ticks < previous)
            {
                throw CheckpointReader.Corrupt("the duplicate-filter entries are not in arrival (time) order");
            }

            previous = entry.Ticks;
            if (entry.Ticks > limit)
            {
                Insert(entry);
            }
        }
    }

    /// <summary>Fills fresh filters, one per partition, with this filter's live entries, each in the partition of its
    /// digest (<see cref="Partitioner.OfDigest"/>), in this filter's (time) order; each gets this filter's newest time.</summary>
    internal void SplitInto(DuplicateFilter[] parts)
    {
        var limit = Limit;
        foreach (var part in parts)
        {
            part._newestTicks = _newestTicks;
        }

        for (var s = _head; s < _tail; s++)
        {
            var entry = At(s);
            if (entry.Ticks > limit)
            {
                parts[Partitioner.OfDigest(((UInt128)entry.Hi << 64) | entry.Lo, parts.Length)].Insert(entry);
            }
        }
    }

    /// <summary>Reads the state into a fresh filter. Entries already forgotten under this filter's horizon are dropped.
    /// The checkpoint lists entries in digest order; the ring needs them in time order, so they are sorted by time
    /// (O(n log n) per restore).</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    internal void ReadState(CheckpointReader reader)
    {
        var newest = reader.ReadInt64();
        var count = reader.ReadCount(EntryBytes);
        _newestTicks = newest;
        var limit = Limit;
        var live = new List<Entry>(count);
        for (var i = 0; i < count; i++)
        {
            var entry = ReadEntry(reader, newest);
            if (entry.Ticks > limit)
            {
                live.Add(entry);
            }
        }

        live.Sort(static (a, b) => a.Ticks.CompareTo(b.Ticks));
        foreach (var entry in live)
        {
            Insert(entry);
        }
    }

    /// <summary>Reads one entry and checks it has a time no newer than the filter's <paramref name="newest"/>.</summary>
    /// <exception cref="InvalidDataException">The entry has no time or is newer than the filter's newest time.</exception>
    private static Entry ReadEntry(CheckpointReader reader, long newest)
    {
        var entry = new Entry(reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadInt64());
        if (entry.Ticks == long.MinValue)
        {
            throw CheckpointReader.Corrupt("a duplicate-filter entry has no time");
        }

        if (entry.Ticks > newest)
        {
            throw CheckpointReader.Corrupt("a duplicate-filter entry is newer than the filter's newest time");
        }

        return entry;
    }
}
