namespace AlertEngine;

/// <summary>The events one partition produced for one batch, in its own order (which is the single engine's order
/// restricted to its keys). Reused from batch to batch.</summary>
internal sealed class PartitionOutput
{
    private readonly List<PartitionEvent> _events = [];

    /// <summary>The events, in order.</summary>
    public IReadOnlyList<PartitionEvent> Events => _events;

    /// <summary>The events, in order, as a span (valid until the next <see cref="Add"/> or <see cref="Clear"/>).</summary>
    public ReadOnlySpan<PartitionEvent> EventSpan => System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_events);

    /// <summary>Forgets the events of the previous batch.</summary>
    public void Clear() => _events.Clear();

    /// <summary>Appends an event.</summary>
    public void Add(in PartitionEvent e) => _events.Add(e);
}
