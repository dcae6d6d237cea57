namespace AlertEngine;

/// <summary>What a partition produced while evaluating a batch, tagged with its place in the single engine's order.</summary>
internal enum PartitionEventKind : byte
{
    /// <summary><see cref="PartitionEvent.Payload"/> is a <see cref="Detection"/> for the policy.</summary>
    Detection,

    /// <summary><see cref="PartitionEvent.Payload"/> is an <see cref="EarlyWarning"/>.</summary>
    EarlyWarning,

    /// <summary><see cref="PartitionEvent.Payload"/> is an <see cref="EngineDiagnostic"/> a detector reported.</summary>
    Diagnostic,

    /// <summary><see cref="PartitionEvent.Payload"/> is the <see cref="Exception"/> the policy threw.</summary>
    EvaluationError,
}

/// <summary>
/// One output of a partition. The single engine's order is (<see cref="Sequence"/>, <see cref="Order"/>,
/// <see cref="Due"/>, <see cref="Arrival"/>), then the partition's own order: per activity, first the silences the
/// clock move fired (order = the policy's index; each policy's by due time and arrival of the key's last activity),
/// then each candidate policy's evaluation (order = policy count + the policy's index). Only the partition that owns
/// a key produces events for it, so two partitions never produce the same key of order for an activity's evaluation.
/// </summary>
internal readonly record struct PartitionEvent(
    long Sequence,
    int Order,
    long Due,
    long Arrival,
    PartitionEventKind Kind,
    int Policy,
    object Payload)
{
    /// <summary>Whether this event comes before <paramref name="other"/> in the single engine's order (events of one
    /// partition keep their order: they are never "before" one another unless their keys say so).</summary>
    public bool Precedes(in PartitionEvent other)
    {
        if (Sequence != other.Sequence)
        {
            return Sequence < other.Sequence;
        }

        if (Order != other.Order)
        {
            return Order < other.Order;
        }

        if (Due != other.Due)
        {
            return Due < other.Due;
        }

        return Arrival < other.Arrival;
    }
}
