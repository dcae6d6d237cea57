using System.Text;
using System.Text.Json;

namespace AlertEngine.Replay.Tests;

/// <summary>Runs the replay command in-process.</summary>
internal static class ReplayHost
{
    public static string RepoRoot { get; } = FindRoot();

    public static string SamplePolicies => Path.Combine(RepoRoot, "samples", "data", "policies.json");

    public static string SampleActivities => Path.Combine(RepoRoot, "samples", "data", "activities.jsonl");

    public static ReplayRun Run(params string[] args) => Run(args, Stream.Null);

    public static ReplayRun Run(string[] args, string stdin) => Run(args, new MemoryStream(Encoding.UTF8.GetBytes(stdin)));

    /// <summary>
    /// The replay executable the tests run out of process instead of calling <see cref="Program"/> in this process:
    /// the environment variable <c>ALERTENGINE_REPLAY_EXE</c> (e.g. the native AOT build,
    /// <c>ALERTENGINE_REPLAY_EXE=/tmp/aot-replay/alertengine-replay</c>), or null. The same tests then check that
    /// build's output, summary and exit codes.
    /// </summary>
    public static string? ExternalExecutable { get; } = Environment.GetEnvironmentVariable("ALERTENGINE_REPLAY_EXE") is { Length: > 0 } exe ? exe : null;

    /// <summary>
    /// Whether the replay the tests run refuses <c>--silos</c>: the native build does (it has no Orleans), run out of
    /// process; it is recognised by having no <c>alertengine-replay.dll</c> next to it, as every JIT build has.
    /// </summary>
    public static bool LacksSilos { get; } = ExternalExecutable is { } exe
        ? !File.Exists(Path.ChangeExtension(exe, ".dll"))
        : !ReplayBuild.HasSilos;

    public static ReplayRun Run(string[] args, Stream stdin)
    {
        if (ExternalExecutable is { } executable)
        {
            return RunExternal(executable, args, stdin);
        }

        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var code = Program.Run(args, stdin, stdout, stderr, out var report, TestContext.Current.CancellationToken);
        return new ReplayRun(code, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString(), report);
    }

    /// <summary>Runs the command in-process with engine options the command line cannot set (issue 15's internal
    /// switches; the out-of-process build cannot take them).</summary>
    public static ReplayRun Run(string[] args, string stdin, Action<AlertEngineOptions> configureOptions)
    {
        using var input = new MemoryStream(Encoding.UTF8.GetBytes(stdin));
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var code = Program.Run(args, input, stdout, stderr, out var report, configureOptions, TestContext.Current.CancellationToken);
        return new ReplayRun(code, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString(), report);
    }

    private static ReplayRun RunExternal(string executable, string[] args, Stream stdin)
    {
        var start = new System.Diagnostics.ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            StandardErrorEncoding = Encoding.UTF8,
            UseShellExecute = false,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = System.Diagnostics.Process.Start(start) ?? throw new InvalidOperationException($"cannot start {executable}");
        var cancellation = TestContext.Current.CancellationToken;

        // All three streams at once: a child blocked on a full pipe would never exit.
        using var stdout = new MemoryStream();
        var readOut = process.StandardOutput.BaseStream.CopyToAsync(stdout, cancellation);
        var readErr = process.StandardError.ReadToEndAsync(cancellation);
        var writeIn = Task.Run(
            async () =>
            {
                try
                {
                    await stdin.CopyToAsync(process.StandardInput.BaseStream, cancellation).ConfigureAwait(false);
                }
                catch (IOException)
                {
                    // The replay exited without reading all of its input (e.g. invalid arguments).
                }
                finally
                {
                    try
                    {
                        process.StandardInput.Close();
                    }
                    catch (IOException)
                    {
                    }
                }
            },
            cancellation);
        Task.WaitAll([readOut, readErr, writeIn], cancellation);
        process.WaitForExit();
        var stderr = readErr.Result;
        return new ReplayRun(process.ExitCode, Encoding.UTF8.GetString(stdout.ToArray()), stderr, ReportOf(stderr));
    }

    /// <summary>What an out-of-process run's summary line says (the counters it does not print stay 0).</summary>
    private static ReplayReport ReportOf(string stderr)
    {
        var lines = stderr.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var match = lines.Length == 0 ? null : System.Text.RegularExpressions.Regex.Match(
            lines[^1],
            "^activities read: (\\d+), duplicates: (\\d+), late: (\\d+), invalid: (\\d+), detections: (\\d+), alerts: (\\d+)$");
        if (match is not { Success: true })
        {
            return new ReplayReport();
        }

        long Group(int i) => long.Parse(match.Groups[i].Value, System.Globalization.CultureInfo.InvariantCulture);
        return new ReplayReport
        {
            ActivitiesRead = Group(1),
            Duplicates = Group(2),
            Late = Group(3),
            Invalid = Group(4),
            Detections = Group(5),
            Alerts = Group(6),
        };
    }

    private static string FindRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AlertEngine.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("repository root not found");
    }
}

internal sealed record ReplayRun(int ExitCode, string Stdout, string Stderr, ReplayReport Report)
{
    public IReadOnlyList<string> Lines => Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<string> ErrorLines => Stderr.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);

    public IReadOnlyList<JsonElement> Alerts => Lines.Select(l => JsonDocument.Parse(l).RootElement).ToList();

    public string SummaryLine => ErrorLines[^1];

    public JsonElement Alert(string id) => Assert.Single(Alerts, a => a.GetProperty("id").GetString() == id);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A temporary directory deleted at dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "replay-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name, string? content = null)
    {
        var path = System.IO.Path.Combine(Path, name);
        if (content is not null)
        {
            System.IO.File.WriteAllText(path, content);
        }

        return path;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
