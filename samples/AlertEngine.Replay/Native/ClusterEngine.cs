namespace AlertEngine.Replay;

/// <summary>
/// The native build's stand-in for the Orleans <c>ClusterEngine</c> (../ClusterEngine.cs), compiled only into the
/// native (AOT) build, which leaves Orleans out (<see cref="ReplayBuild"/>). The arguments already refuse
/// <c>--silos</c> there; should a cluster still be asked for, it fails with the same message (exit code 2) instead of
/// evaluating without one.
/// </summary>
internal sealed class ClusterEngine : IDisposable
{
    private ClusterEngine()
    {
    }

    public AlertEngineOptions Options => throw Unavailable();

    public DateTimeOffset? Watermark => throw Unavailable();

    public EngineStatistics Statistics => throw Unavailable();

    /// <exception cref="NotSupportedException">Always: this build has no Orleans.</exception>
    public static ClusterEngine Start(int silos, IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options) => throw Unavailable();

    public bool IsFinal(Alert alert) => throw Unavailable();

    public IReadOnlyList<Alert> Process(IReadOnlyList<Activity> batch) => throw Unavailable();

    public CheckpointRestoreResult RestoreCheckpoint(Stream stream) => throw Unavailable();

    public void SaveCheckpoint(Stream stream) => throw Unavailable();

    public void Dispose()
    {
    }

    private static NotSupportedException Unavailable() => new(ReplayBuild.NoSilos);
}
