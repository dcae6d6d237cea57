using Orleans;

namespace AlertEngine;

/// <summary>One storage record of a grain's state log (<see cref="StateLogStore"/>): a base snapshot or a delta.</summary>
[GenerateSerializer]
internal sealed class StateRecord
{
    [Id(0)]
    public byte[] Bytes { get; set; } = [];

    /// <summary>A second buffer kept as given, so a large one (a batch as the client encoded it) is not copied into
    /// <see cref="Bytes"/> first; null in records that have none.</summary>
    [Id(1)]
    public byte[]? Payload { get; set; }
}
