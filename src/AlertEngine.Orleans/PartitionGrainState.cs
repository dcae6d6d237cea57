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

    /// <summary>Whether any state was persisted.</summary>
    public bool HasState => Checkpoint is not null || Log.Base is not null || Log.Inputs.Length > 0;
}
