using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>Options of the <see cref="SlidingThresholdObservable.SlidingThreshold(IObservable{Activity}, int, TimeSpan, Func{Activity, string?}, SlidingThresholdOptions?)"/>
/// operator: the counter's options plus where diagnostics go.</summary>
public sealed class SlidingThresholdOptions : SlidingWindowCounterOptions
{
    /// <summary>
    /// Receives a diagnostic for every activity that was not counted normally: late (<see cref="DiagnosticKind.Late"/>),
    /// over the key cap (<see cref="DiagnosticKind.KeyCapExceeded"/>), or without a scope value
    /// (<see cref="DiagnosticKind.MissingScopeKey"/>, counted under the key <c>""</c>). If it throws, the stream ends
    /// with that error. Optional.
    /// </summary>
    public Action<EngineDiagnostic>? Diagnostics { get; set; }

    /// <summary>Logs the same events (late and key cap at Warning, missing scope key at Debug). Optional.</summary>
    public ILogger? Logger { get; set; }
}
