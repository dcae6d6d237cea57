using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>
/// Options of the <c>DistinctCount</c>, <c>SlidingSum</c> and <c>Spike</c> operators: the cores' options plus where
/// diagnostics go. Unlike the cores', the default <see cref="SlidingWindowCounterOptions.KeyComparer"/> is
/// <see cref="StringComparer.OrdinalIgnoreCase"/>: user ids (UPNs), recipients and malware family names are
/// case-insensitive.
/// </summary>
public sealed class WindowedTriggerOperatorOptions : WindowedTriggerOptions
{
    /// <summary>Creates options with the defaults; scope keys compare with <see cref="StringComparer.OrdinalIgnoreCase"/>.</summary>
    public WindowedTriggerOperatorOptions() => KeyComparer = StringComparer.OrdinalIgnoreCase;

    /// <summary>
    /// Receives a diagnostic for every activity that was not counted normally: late (<see cref="DiagnosticKind.Late"/>),
    /// over the key cap (<see cref="DiagnosticKind.KeyCapExceeded"/>), without a scope value
    /// (<see cref="DiagnosticKind.MissingScopeKey"/>, counted under the key <c>""</c>), a non-numeric value for a sum
    /// (<see cref="DiagnosticKind.NonNumericValue"/>), or a distinct value forgotten at the cap
    /// (<see cref="DiagnosticKind.ValueCapExceeded"/>). If it throws, the stream ends with that error. Optional.
    /// </summary>
    public Action<EngineDiagnostic>? Diagnostics { get; set; }

    /// <summary>Logs the same events (missing scope key at Debug, the others at Warning). Optional.</summary>
    public ILogger? Logger { get; set; }
}
