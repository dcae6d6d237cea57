using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace AlertEngine;

/// <summary>
/// Telemetry of the engine with the standard .NET primitives: the <see cref="Meter"/> and the
/// <see cref="System.Diagnostics.ActivitySource"/> named <see cref="Name"/> (<c>AlertEngine</c>).
/// </summary>
/// <remarks>
/// Instruments (all tagged with <c>alertengine.policy.id</c> where they concern one policy):
/// <list type="bullet">
/// <item><c>alertengine.activities.processed</c> (counter): activities given to the engine.</item>
/// <item><c>alertengine.activities.duplicate</c>, <c>alertengine.activities.late</c> (counters).</item>
/// <item><c>alertengine.detections</c> (counter, per policy).</item>
/// <item><c>alertengine.alerts.created</c>, <c>alertengine.alerts.updated</c> (counters, per policy).</item>
/// <item><c>alertengine.evaluation.errors</c> (counter, per policy).</item>
/// <item><c>alertengine.evaluation.duration</c> (histogram, seconds): time to evaluate one activity; measured only while a listener is enabled.</item>
/// </list>
/// The activity source starts an <c>AlertCreated</c> activity for each alert created.
/// </remarks>
public static class AlertEngineMetrics
{
    /// <summary>The name of the meter and the activity source.</summary>
    public const string Name = "AlertEngine";

    internal static readonly Meter Meter = new(Name, typeof(AlertEngineMetrics).Assembly.GetName().Version?.ToString());
    internal static readonly ActivitySource ActivitySource = new(Name, typeof(AlertEngineMetrics).Assembly.GetName().Version?.ToString());

    internal static readonly Counter<long> Processed = Meter.CreateCounter<long>("alertengine.activities.processed", "{activity}", "Activities given to the engine");
    internal static readonly Counter<long> Duplicates = Meter.CreateCounter<long>("alertengine.activities.duplicate", "{activity}", "Activities recognised as duplicates and not evaluated again");
    internal static readonly Counter<long> Late = Meter.CreateCounter<long>("alertengine.activities.late", "{activity}", "Activities older than the allowed lateness, not evaluated");
    internal static readonly Counter<long> Detections = Meter.CreateCounter<long>("alertengine.detections", "{detection}", "Detections fired");
    internal static readonly Counter<long> AlertsCreated = Meter.CreateCounter<long>("alertengine.alerts.created", "{alert}", "Alerts created");
    internal static readonly Counter<long> AlertsUpdated = Meter.CreateCounter<long>("alertengine.alerts.updated", "{alert}", "Detections that joined an existing alert");
    internal static readonly Counter<long> EvaluationErrors = Meter.CreateCounter<long>("alertengine.evaluation.errors", "{error}", "Policy evaluations that threw");
    internal static readonly Histogram<double> EvaluationDuration = Meter.CreateHistogram<double>("alertengine.evaluation.duration", "s", "Time to evaluate one activity against the policies");

    internal static KeyValuePair<string, object?> PolicyTag(string policyId) => new("alertengine.policy.id", policyId);
}
