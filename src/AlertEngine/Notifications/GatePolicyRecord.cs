namespace AlertEngine;

/// <summary>What a <see cref="NotificationGate"/> keeps about one policy: daily counts, throttle history, early warnings.</summary>
internal sealed class GatePolicyRecord
{
    /// <summary>Notifications sent per day number (in the gate's time zone).</summary>
    public Dictionary<int, int> Daily { get; } = [];

    public SendTimes Sends { get; } = new();

    public Dictionary<string, EarlyWarningRecord> EarlyWarnings { get; } = new(StringComparer.Ordinal);

    /// <summary>Whether nothing is kept (the record can be dropped).</summary>
    public bool IsEmpty => Daily.Count == 0 && EarlyWarnings.Count == 0 && Sends.Count == 0;
}
