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

    public static ReplayRun Run(string[] args, Stream stdin)
    {
        using var stdout = new MemoryStream();
        using var stderr = new StringWriter();
        var code = Program.Run(args, stdin, stdout, stderr, out var report, TestContext.Current.CancellationToken);
        return new ReplayRun(code, Encoding.UTF8.GetString(stdout.ToArray()), stderr.ToString(), report);
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
