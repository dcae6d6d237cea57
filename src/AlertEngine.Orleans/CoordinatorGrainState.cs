using Orleans;

namespace AlertEngine;

/// <summary>What the coordinator grain persists at each batch boundary.</summary>
[GenerateSerializer]
internal sealed class CoordinatorGrainState
{
    /// <summary>The last batch applied (0: none).</summary>
    [Id(0)]
    public long LastBatch { get; set; }

    /// <summary>The coordinator's state after <see cref="LastBatch"/> (watermark, counters, aggregation); null before the first.</summary>
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
}
