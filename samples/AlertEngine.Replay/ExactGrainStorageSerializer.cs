using Orleans.Serialization;
using Orleans.Storage;

namespace AlertEngine.Replay;

/// <summary>
/// Orleans' binary grain-storage serializer with the same bytes as <see cref="OrleansGrainStorageSerializer"/>
/// (records written by either read with either), written into pooled segments and copied once into an array of the
/// exact size: <see cref="OrleansGrainStorageSerializer"/> grows an <c>ArrayBufferWriter</c> from 256 bytes by
/// doubling, so a batch's input record (the client's batch plus the duplicate questions, ~1 MB for 10,000
/// activities) cost a dozen arrays, four of them on the large-object heap, and every byte copied about twice more.
/// Thread-safe.
/// </summary>
internal sealed class ExactGrainStorageSerializer(Serializer serializer) : IGrainStorageSerializer
{
    public BinaryData Serialize<T>(T? input) => new(serializer.SerializeToArray(input));

    public T Deserialize<T>(BinaryData input) => serializer.Deserialize<T>(input.ToMemory())!; // as Orleans' own serializer: what was stored
}
