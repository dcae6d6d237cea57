namespace AlertEngine.Replay;

/// <summary>What a replay did; the summary line prints most of it.</summary>
internal sealed record ReplayReport
{
    public long ActivitiesRead { get; init; }

    public long Duplicates { get; init; }

    public long Late { get; init; }

    public long Invalid { get; init; }

    public long Detections { get; init; }

    public long Alerts { get; init; }

    public long UnparsableClientIps { get; init; }

    /// <summary>The most alerts held at once while waiting for their place in the output.</summary>
    public int MaxBufferedAlerts { get; init; }

    /// <summary>The one-line summary written to stderr.</summary>
    public string Summary =>
        $"activities read: {ActivitiesRead}, duplicates: {Duplicates}, late: {Late}, invalid: {Invalid}, detections: {Detections}, alerts: {Alerts}";
}
