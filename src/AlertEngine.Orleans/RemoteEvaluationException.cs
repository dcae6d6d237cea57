namespace AlertEngine;

/// <summary>A policy's evaluation failed in a partition grain: the original exception's type name and message (the
/// coordinator reports the message, as the single engine does).</summary>
#pragma warning disable CA1032 // Only made by PartitionOutputCodec.
internal sealed class RemoteEvaluationException : Exception
#pragma warning restore CA1032
{
    public RemoteEvaluationException(string typeName, string message)
        : base(message) => TypeName = typeName;

    /// <summary>The full name of the exception type thrown in the partition.</summary>
    public string TypeName { get; }
}
