using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>What a <see cref="NotificationGate"/> keeps about one alert.</summary>
internal sealed class GateAlertRecord(string policyId)
{
    public string PolicyId { get; set; } = policyId;

    /// <summary>The newest detection count decided (0: only suppression was set).</summary>
    public int LastDetectionCount { get; set; }

    /// <summary>Event time of the newest change decided (UTC ticks), for retention.</summary>
    public long LastEventTicks { get; set; } = long.MinValue;

    /// <summary>Suppression set through the gate; <see langword="null"/> follows the alert's own flag.</summary>
    public bool? Suppressed { get; set; }

    public ImmutableArray<string> SilencedBy { get; set; } = [];

    public int Sent { get; set; }
}
