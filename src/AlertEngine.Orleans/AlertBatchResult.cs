using Orleans;

namespace AlertEngine;

/// <summary>
/// What one batch did, returned once it is durably evaluated: its alert changes are in the cluster's
/// <see cref="IAlertStore"/> and the engine state after it is persisted. Immutable.
/// </summary>
[GenerateSerializer]
[Immutable]
public sealed class AlertBatchResult
{
    /// <summary>The batch's number.</summary>
    [Id(0)]
    public long BatchNumber { get; init; }

    /// <summary>
    /// <see langword="true"/> when the engine had applied this batch number before (a client retry after a lost
    /// reply): nothing was evaluated again, and the counters below are those of the first application when it was the
    /// last batch applied, zero otherwise.
    /// </summary>
    [Id(1)]
    public bool AlreadyApplied { get; init; }

    /// <summary>Activities in the batch.</summary>
    [Id(2)]
    public int Activities { get; init; }

    /// <summary>Activities recognised as duplicates (an id seen within the duplicate horizon) and not evaluated.</summary>
    [Id(3)]
    public int Duplicates { get; init; }

    /// <summary>Activities older than the newest time seen minus the allowed lateness, not evaluated.</summary>
    [Id(4)]
    public int Late { get; init; }

    /// <summary>Activities dated beyond the future tolerance, not evaluated.</summary>
    [Id(5)]
    public int Future { get; init; }

    /// <summary>Detections (trigger firings) the batch caused.</summary>
    [Id(6)]
    public int Detections { get; init; }

    /// <summary>Alerts the batch created.</summary>
    [Id(7)]
    public int AlertsCreated { get; init; }

    /// <summary>Alert updates (detections joining an open alert) the batch caused.</summary>
    [Id(8)]
    public int AlertsUpdated { get; init; }

    /// <summary>The newest event time seen after the batch, or <see langword="null"/> before the first activity.</summary>
    [Id(9)]
    public DateTimeOffset? Watermark { get; init; }

    /// <summary>
    /// Ids of the alerts a later batch may still change (their policy's open alert, still joinable at
    /// <see cref="Watermark"/> minus the allowed lateness); every other alert is final.
    /// </summary>
    [Id(10)]
    public IReadOnlyList<string> OpenAlertIds { get; init; } = [];
}
