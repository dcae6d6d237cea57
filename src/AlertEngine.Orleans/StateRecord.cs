using Orleans;

namespace AlertEngine;

/// <summary>One storage record of a grain's state log (<see cref="StateLogStore"/>): a base snapshot or a delta.</summary>
[GenerateSerializer]
internal sealed class StateRecord
{
    [Id(0)]
    public byte[] Bytes { get; set; } = [];
}
