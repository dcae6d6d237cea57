using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>Options of the <see cref="SlidingThresholdObservable.SlidingThreshold(IObservable{Activity}, int, TimeSpan, Func{Activity, string?}, SlidingThresholdOptions?)"/>
/// operator: the counter's options plus where diagnostics go. Unlike the counter's, the default
/// <see cref="SlidingWindowCounterOptions.KeyComparer"/> is <see cref="StringComparer.OrdinalIgnoreCase"/>: user ids
/// (UPNs), recipients and malware family names are case-insensitive.</summary>
public sealed class SlidingThresholdOptions : SlidingWindowCounterOptions
{
    /// <summary>Creates options with the defaults; scope keys compare with <see cref="StringComparer.OrdinalIgnoreCase"/>.</summary>
    public SlidingThresholdOptions() => KeyComparer = StringComparer.OrdinalIgnoreCase;

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
