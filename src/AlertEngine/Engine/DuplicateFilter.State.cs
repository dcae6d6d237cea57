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
