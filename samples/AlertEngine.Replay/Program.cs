namespace AlertEngine.Replay;

/// <summary>The replay command: policies + activities → alerts. See <see cref="ReplayArguments.Usage"/>.</summary>
internal static class Program
{
    public static int Main(string[] args)
    {
        using var cancellation = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            // Stop cleanly so a partial --out file is not left behind.
            e.Cancel = true;
            cancellation.Cancel();
        };
        using var stdin = Console.OpenStandardInput();
        using var stdout = Console.OpenStandardOutput();
        return Run(args, stdin, stdout, Console.Error, cancellation.Token);
    }

    /// <summary>Runs the command with the given standard streams; returns the exit code.</summary>
    internal static int Run(string[] args, Stream stdin, Stream stdout, TextWriter stderr, CancellationToken cancellationToken = default) =>
        Run(args, stdin, stdout, stderr, out _, cancellationToken);

    /// <summary>Runs the command and also returns what happened (counters, buffer high-water mark) for tests.</summary>
    internal static int Run(string[] args, Stream stdin, Stream stdout, TextWriter stderr, out ReplayReport report, CancellationToken cancellationToken = default) =>
        Run(args, stdin, stdout, stderr, out report, configureOptions: null, cancellationToken);

    /// <summary>Runs the command with engine options the command line cannot set (tests only: the internal switches of
    /// issue 15, e.g. <see cref="AlertEngineOptions.AnomalyDispersionGrid"/>); <paramref name="configureOptions"/> is
    /// applied to the options the arguments give, before the engine is built. Not a command-line option: the replay's
    /// options are the spec's (interchange.md).</summary>
    internal static int Run(string[] args, Stream stdin, Stream stdout, TextWriter stderr, out ReplayReport report, Action<AlertEngineOptions>? configureOptions, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdin);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);
        var command = new ReplayCommand(stderr) { ConfigureOptions = configureOptions };
        var code = command.Execute(args, stdin, stdout, cancellationToken);
        report = command.Report;
        return code;
    }
}
