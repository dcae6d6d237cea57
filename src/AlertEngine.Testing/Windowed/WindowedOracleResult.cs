namespace AlertEngine.Testing;

/// <summary>What a windowed-trigger oracle computed: the detections in the order they fire, and the diagnostics in the
/// order they are reported (activity id and kind).</summary>
/// <param name="Detections">The detections (<see cref="Detection.PolicyId"/> is <see langword="null"/>).</param>
/// <param name="Diagnostics">The diagnostics.</param>
public sealed record WindowedOracleResult(IReadOnlyList<Detection> Detections, IReadOnlyList<(string ActivityId, DiagnosticKind Kind)> Diagnostics);
