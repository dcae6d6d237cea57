using System.Globalization;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>Renders detections and diagnostics as comparable text (everything but the policy id).</summary>
internal static class WindowedCompare
{
    public static string Describe(Detection d) =>
        string.Create(CultureInfo.InvariantCulture, $"{d.Time:O} by {d.TriggeringActivity.Id} key='{d.ScopeKey}' n={d.HitCount} [{string.Join(",", d.Activities.Select(a => a.Id))}] ")
        + d.Reason switch
        {
            DistinctValues v => string.Create(CultureInfo.InvariantCulture, $"distinct {v.Count} [{string.Join(",", v.Values)}]"),
            SumTotal s => string.Create(CultureInfo.InvariantCulture, $"sum {s.Total:R}"),
            SpikeCounts s => string.Create(CultureInfo.InvariantCulture, $"spike {s.Current}/{s.Reference}"),
            _ => "no reason",
        };

    public static List<string> Describe(IEnumerable<Detection> detections) => detections.Select(Describe).ToList();

    public static List<string> Describe(IEnumerable<(string ActivityId, DiagnosticKind Kind)> diagnostics) =>
        diagnostics.Select(d => d.ActivityId + ":" + d.Kind).ToList();

    public static string Explain(IReadOnlyList<string> expected, IReadOnlyList<string> actual)
    {
        for (var i = 0; i < Math.Max(expected.Count, actual.Count); i++)
        {
            var e = i < expected.Count ? expected[i] : "(none)";
            var a = i < actual.Count ? actual[i] : "(none)";
            if (e != a)
            {
                return $"first difference at {i}: expected {e}, actual {a}";
            }
        }

        return "equal";
    }

    public static AlertPolicy Policy(Trigger trigger) => new()
    {
        Id = "p",
        Name = "Windowed",
        Operations = ["Op"],
        Trigger = trigger,
    };

    /// <summary>Runs a detector over activities: its detections and diagnostics.</summary>
    public static (List<Detection> Detections, List<(string, DiagnosticKind)> Diagnostics) Run(
        Func<Action<EngineDiagnostic>, IPolicyDetector> create,
        IEnumerable<Activity> activities)
    {
        var diagnostics = new List<(string, DiagnosticKind)>();
        var detector = create(d => diagnostics.Add((d.ActivityId!, d.Kind)));
        var detections = new List<Detection>();
        foreach (var a in activities)
        {
            if (detector.Observe(a) is { } d)
            {
                detections.Add(d);
            }
        }

        return (detections, diagnostics);
    }
}
