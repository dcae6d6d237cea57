namespace AlertEngine;

/// <summary>Why an activity was not evaluated normally.</summary>
public enum DiagnosticKind
{
    /// <summary>The activity id was already seen within the duplicate horizon; not evaluated again.</summary>
    Duplicate,
    /// <summary>The activity is older than the allowed lateness behind the newest event time seen; not evaluated.</summary>
    Late,
    /// <summary>The activity had no value for a policy's scope key; counted under the key "".</summary>
    MissingScopeKey,
    /// <summary>A policy's cap on tracked scope keys was reached; the activity was not counted for that policy.</summary>
    KeyCapExceeded,
    /// <summary>A client IP value was not an address; the raw value was kept in property <c>ClientIP</c>.</summary>
    UnparsableClientIp,
    /// <summary>An activity input line was invalid.</summary>
    InvalidInput,
    /// <summary>Evaluating a policy for an activity threw; the policy skipped the activity.</summary>
    EvaluationError,
    /// <summary>The activity is dated more than <see cref="AlertEngineOptions.FutureTolerance"/> ahead of the wall clock:
    /// invalid, not evaluated, and it did not move the clock or enter the duplicate filter.</summary>
    Future,
    /// <summary>An observer of <see cref="AlertPipeline.Changes"/> or <see cref="AlertPipeline.EarlyWarnings"/> threw;
    /// the exception was caught and evaluation went on. (An observer of <see cref="AlertPipeline.Diagnostics"/> that
    /// throws is counted and logged, not reported here.)</summary>
    ObserverError,
    /// <summary>A scope key of a new-value policy reached its cap on remembered values; the value seen least recently
    /// was forgotten (it fires again as new if it comes back).</summary>
    ValueCapExceeded,
}

/// <summary>A diagnostic event: an activity that was not evaluated normally, and why. Nothing is dropped without one.</summary>
/// <param name="Kind">What happened.</param>
/// <param name="ActivityId">The activity concerned, when known.</param>
/// <param name="PolicyId">The policy concerned, when the event is per policy.</param>
/// <param name="Message">A human-readable explanation.</param>
public sealed record EngineDiagnostic(DiagnosticKind Kind, string? ActivityId, string? PolicyId, string Message);
