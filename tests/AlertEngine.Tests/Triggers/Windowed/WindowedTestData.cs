using System.Net;

namespace AlertEngine.Tests.Triggers.Windowed;

internal static class WindowedTestData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static Activity Act(string id, double seconds, string? user = "alice@contoso.com", string? ip = null, params (string Key, string Value)[] properties) =>
        new(id, T0.AddSeconds(seconds), "Op")
        {
            UserId = user,
            ClientIp = ip is null ? null : IPAddress.Parse(ip),
            Properties = properties.ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase),
        };

    public static Activity Dev(string id, double seconds, string device, string? user = "alice@contoso.com") => Act(id, seconds, user, null, ("Device", device));

    public static Activity Bytes(string id, double seconds, string bytes, string? user = "alice@contoso.com") => Act(id, seconds, user, null, ("Bytes", bytes));

    public static (IPolicyDetector Detector, List<EngineDiagnostic> Diagnostics) Detector(Trigger trigger, AlertEngineOptions? options = null)
    {
        var diagnostics = new List<EngineDiagnostic>();
        var policy = WindowedCompare.Policy(trigger);
        options ??= new AlertEngineOptions();
        IPolicyDetector detector = trigger switch
        {
            DistinctTrigger d => new DistinctDetector(policy, d, options, diagnostics.Add),
            SumTrigger s => new SumDetector(policy, s, options, diagnostics.Add),
            SpikeTrigger s => new SpikeDetector(policy, s, options, diagnostics.Add),
            _ => throw new ArgumentException("not a windowed trigger", nameof(trigger)),
        };
        return (detector, diagnostics);
    }

    /// <summary>Observes each activity; the ids of the activities that completed a detection.</summary>
    public static List<Detection> Feed(IPolicyDetector detector, params Activity[] activities) =>
        activities.Select(detector.Observe).OfType<Detection>().ToList();

    public static string[] Ids(Detection d) => d.Activities.Select(a => a.Id).ToArray();
}
