namespace AlertEngine;

/// <summary>Early-warning state of a threshold policy for one scope key, in a <see cref="NotificationGate"/>.</summary>
internal sealed class EarlyWarningRecord
{
    /// <summary>Event time (UTC ticks) of the activity warned about, while a warning stands.</summary>
    public long? WarnedAtTicks { get; set; }

    /// <summary>Event time (UTC ticks) of the last detection for the key; <see cref="long.MinValue"/> when none.</summary>
    public long ResetAtTicks { get; set; } = long.MinValue;
}
