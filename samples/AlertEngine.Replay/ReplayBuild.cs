namespace AlertEngine.Replay;

/// <summary>
/// What this build of the replay can do. The native (ahead-of-time compiled) build, <c>dotnet publish
/// samples/AlertEngine.Replay -c Release -p:PublishAot=true</c>, leaves Orleans out (its silos need the JIT: under
/// native AOT a silo fails to start), so it refuses <c>--silos</c> as an invalid argument instead of failing later or
/// evaluating without the cluster.
/// </summary>
internal static class ReplayBuild
{
#if REPLAY_NATIVE
    /// <summary>Whether <c>--silos</c> is available: not in the native build.</summary>
    public const bool HasSilos = false;
#else
    /// <summary>Whether <c>--silos</c> is available: in every build but the native one.</summary>
    public const bool HasSilos = true;
#endif

    /// <summary>The error of <c>--silos</c> in a build without it.</summary>
    public const string NoSilos =
        "--silos is not available in the native (AOT) build of the replay (Orleans needs the JIT); run the replay with `dotnet run --project samples/AlertEngine.Replay -c Release -- …` or the output of `dotnet build` for --silos";
}
