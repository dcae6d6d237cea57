using Orleans;

namespace AlertEngine;

/// <summary>What the coordinator grain persists at each batch boundary.</summary>
[GenerateSerializer]
internal sealed class CoordinatorGrainState
{
    /// <summary>The last batch applied (0: none).</summary>
    [Id(0)]
    public long LastBatch { get; set; }

    /// <summary>The coordinator's whole state (watermark, counters, aggregation) as written before the state moved to
    /// <see cref="Log"/>: read, never written (null).</summary>
    [Id(1)]
    public byte[]? Checkpoint { get; set; }

    /// <summary>The result of <see cref="LastBatch"/>, returned again to a client that retries it.</summary>
    [Id(2)]
    public AlertBatchResult? LastResult { get; set; }

    /// <summary>The engine's partition count when the state was written.</summary>
    [Id(3)]
    public int Partitions { get; set; }

    /// <summary>Ids and policy ids of the alerts a later batch may still change (checked again after each batch).</summary>
    [Id(4)]
    public string[] OpenAlertIds { get; set; } = [];

    [Id(5)]
    public string[] OpenAlertPolicyIds { get; set; } = [];

    /// <summary>The coordinator's state after <see cref="LastBatch"/>: its checkpoint and deltas
    /// (<see cref="CoordinatorStateDelta"/>) in their own records.</summary>
    [Id(6)]
    public StateLogManifest Log { get; set; } = new(); // never a shared instance: JSON grain-storage serializers populate it in place

    /// <summary>The batches of the <see cref="BatchInput"/> records kept for the partitions' replay, oldest first.</summary>
    [Id(7)]
    public long[] InputBatches { get; set; } = [];

    /// <summary>Their record names (in this grain's storage), as <see cref="InputBatches"/>.</summary>
    [Id(8)]
    public string[] Inputs { get; set; } = [];

    [Id(9)]
    public string?[] InputETags { get; set; } = [];

    /// <summary>The batch being evaluated under the anomaly dispersion grid whose <see cref="GridSums"/> were sent to
    /// partitions (0: none), as a coordinator before orl-16 wrote it before each step's sums (a retry of the batch sent
    /// the same sums to the partitions that evaluated it again). Read, no longer written: the partitions persist the
    /// sums they applied with the batch (<see cref="PartitionGrainState.LastGridSums"/>). Cleared when the batch commits.</summary>
    [Id(10)]
    public long GridBatch { get; set; }

    /// <summary>The grid's sums of <see cref="GridBatch"/>, step by step.</summary>
    [Id(11)]
    public GridSums[] GridSums { get; set; } = [];

    /// <summary>Whether any state was persisted.</summary>
    public bool HasState => Checkpoint is not null || Log.Base is not null;
}
