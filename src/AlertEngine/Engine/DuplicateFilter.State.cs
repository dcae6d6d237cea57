namespace AlertEngine;

// The duplicate filter's part of an engine checkpoint: the newest time and every remembered id digest with its time.
// Entries are independent, so a checkpoint splits by digest (the same digest a sharded engine routes ids by).
internal sealed partial class DuplicateFilter
{
    private const int EntryBytes = 24;

    internal void WriteState(CheckpointWriter writer)
    {
        writer.Write(_newestTicks);
        var limit = Limit;
        writer.Write(Count);
        foreach (ref readonly var slot in _slots.AsSpan())
        {
            if (slot.Ticks != Empty && slot.Ticks > limit)
            {
                writer.Write(slot.Lo);
                writer.Write(slot.Hi);
                writer.Write(slot.Ticks);
            }
        }
    }

    /// <summary>Writes the state of one filter made of <paramref name="parts"/> (the partitioned engine's filters, each
    /// holding the digests of its partition) whose newest time is <paramref name="newestTicks"/>.</summary>
    internal static void WriteMergedState(CheckpointWriter writer, IReadOnlyList<DuplicateFilter> parts, long newestTicks)
    {
        var limit = parts.Count == 0 || newestTicks == long.MinValue ? long.MinValue : newestTicks - parts[0]._horizonTicks;
        var count = 0;
        foreach (var part in parts)
        {
            foreach (ref readonly var slot in part._slots.AsSpan())
            {
                if (slot.Ticks != Empty && slot.Ticks > limit)
                {
                    count++;
                }
            }
        }

        writer.Write(newestTicks);
        writer.Write(count);
        foreach (var part in parts)
        {
            foreach (ref readonly var slot in part._slots.AsSpan())
            {
                if (slot.Ticks != Empty && slot.Ticks > limit)
                {
                    writer.Write(slot.Lo);
                    writer.Write(slot.Hi);
                    writer.Write(slot.Ticks);
                }
            }
        }
    }

    /// <summary>Fills fresh filters, one per partition, with this filter's live entries, each in the partition of its
    /// digest (<see cref="Partitioner.OfDigest"/>); each gets this filter's newest time.</summary>
    internal void SplitInto(DuplicateFilter[] parts)
    {
        var limit = Limit;
        foreach (var part in parts)
        {
            part._newestTicks = _newestTicks;
            var capacity = MinCapacity;
            while (capacity / 5 * 2 < (Count / parts.Length) + 1)
            {
                capacity *= 2;
            }

            part._slots = new Slot[capacity];
            part._slots.AsSpan().Fill(Vacant);
            part._used = 0;
        }

        foreach (ref readonly var slot in _slots.AsSpan())
        {
            if (slot.Ticks != Empty && slot.Ticks > limit)
            {
                var part = parts[Partitioner.OfDigest(((UInt128)slot.Hi << 64) | slot.Lo, parts.Length)];
                if (part._used >= (part._slots.Length / 5) * 3)
                {
                    part.Rebuild();
                }

                part.Place(slot);
            }
        }
    }

    /// <summary>Reads the state into a fresh filter. Entries already forgotten under this filter's horizon are dropped.</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    internal void ReadState(CheckpointReader reader)
    {
        var newest = reader.ReadInt64();
        var count = reader.ReadCount(EntryBytes);
        _newestTicks = newest;
        var capacity = MinCapacity;
        while (capacity / 5 * 2 < count + 1)
        {
            capacity *= 2;
        }

        _slots = new Slot[capacity];
        _slots.AsSpan().Fill(Vacant);
        _used = 0;
        var limit = Limit;
        for (var i = 0; i < count; i++)
        {
            var slot = new Slot(reader.ReadUInt64(), reader.ReadUInt64(), reader.ReadInt64());
            if (slot.Ticks == Empty || slot.Ticks > newest)
            {
                throw CheckpointReader.Corrupt("a duplicate-filter entry is newer than the filter's newest time");
            }

            if (slot.Ticks > limit)
            {
                Place(slot);
            }
        }
    }
}
