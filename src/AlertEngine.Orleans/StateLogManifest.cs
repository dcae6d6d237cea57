using Orleans;

namespace AlertEngine;

/// <summary>
/// Where a grain's state lives in grain storage, besides its head record: a base snapshot and the deltas written
/// after it, each its own storage record (<see cref="StateLogStore"/>), applied in order. Immutable once written: a
/// batch writes a new record and then the head with a new manifest, so the head write is the commit.
/// </summary>
[GenerateSerializer]
internal sealed class StateLogManifest
{
    /// <summary>The base snapshot's record name; null before the first.</summary>
    [Id(0)]
    public string? Base { get; init; }

    [Id(1)]
    public string? BaseETag { get; init; }

    /// <summary>The base snapshot's size.</summary>
    [Id(2)]
    public long BaseBytes { get; init; }

    /// <summary>The deltas' record names, oldest first.</summary>
    [Id(3)]
    public string[] Deltas { get; init; } = [];

    [Id(4)]
    public string?[] DeltaETags { get; init; } = [];

    /// <summary>The deltas' total size.</summary>
    [Id(5)]
    public long DeltaBytes { get; init; }

    /// <summary>The batch the base snapshot was written at (0: no base, or a manifest written before inputs).</summary>
    [Id(6)]
    public long BaseBatch { get; init; }

    /// <summary>Records of another grain (the coordinator's <see cref="BatchInput"/> records) replayed after the base
    /// and the deltas, oldest first: one per batch since <see cref="BaseBatch"/>. Not this grain's to delete.</summary>
    [Id(7)]
    public string[] Inputs { get; init; } = [];
}
