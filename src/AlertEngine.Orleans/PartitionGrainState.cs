using Orleans;

namespace AlertEngine;

/// <summary>What a partition grain persists at each batch boundary: its state in the checkpoint format, and its
/// answers for the last batch applied (so that a coordinator retrying that batch gets them again).</summary>
[GenerateSerializer]
internal sealed class PartitionGrainState
{
    /// <summary>The last batch applied (0: none).</summary>
    [Id(0)]
    public long LastBatch { get; set; }

    /// <summary>The partition's whole state after <see cref="LastBatch"/> (<see cref="PartitionStateCodec"/>), as
    /// written before the state moved to <see cref="Log"/>: read, never written (null).</summary>
    [Id(1)]
    public byte[]? Checkpoint { get; set; }

    /// <summary>The phase-2 answer for <see cref="LastBatch"/>.</summary>
    [Id(2)]
    public bool[] LastDecisions { get; set; } = [];

    /// <summary>The phase-4 answer for <see cref="LastBatch"/> (<see cref="PartitionOutputCodec"/>).</summary>
    [Id(3)]
    public byte[] LastOutput { get; set; } = [];

    /// <summary>The engine's partition count when the state was written.</summary>
    [Id(4)]
    public int Partitions { get; set; }

    /// <summary>The policies' fingerprint when the state was written (<see cref="EngineDefinition.Fingerprint"/>).</summary>
    [Id(5)]
    public ulong Fingerprint { get; set; }

    /// <summary>The partition's state after <see cref="LastBatch"/>: a snapshot (and deltas, written before inputs) in
    /// their own records, then the coordinator's batch inputs since the snapshot, replayed on activation.</summary>
    [Id(6)]
    public StateLogManifest Log { get; set; } = new(); // never a shared instance: JSON grain-storage serializers populate it in place

    /// <summary>The duplicate filter's segments (<see cref="PartitionStateCodec.WriteFilterSegment"/>), oldest first,
    /// each a record of its own written once: with a version-3 base, the filter is its base's entries (none when there
    /// are segments) after these. Empty in state written before segments (the base holds the whole filter).</summary>
    [Id(7)]
    public string[] FilterSegments { get; set; } = [];

    /// <summary>The ETag of each of <see cref="FilterSegments"/> (for deleting it).</summary>
    [Id(8)]
    public string?[] FilterSegmentETags { get; set; } = [];

    /// <summary>The filter's newest time when each of <see cref="FilterSegments"/> was written: once a horizon older
    /// than the filter's newest time, all its entries are forgotten and the segment is deleted.</summary>
    [Id(9)]
    public long[] FilterSegmentNewest { get; set; } = [];

    /// <summary>The anomaly dispersion grid's sums of every step of <see cref="LastBatch"/>, as this partition applied
    /// them (empty when the batch made no exchange): a retry of the batch sends them to the partitions that evaluate it
    /// again (<see cref="GridStepReply.Recorded"/>), so the coordinator persists no sums of its own.</summary>
    [Id(10)]
    public GridSums[] LastGridSums { get; set; } = [];

    /// <summary>Whether any state was persisted.</summary>
    public bool HasState => Checkpoint is not null || Log.Base is not null || Log.Inputs.Length > 0;
}
