using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>The instruments of the engine service, on the <see cref="AlertEngineMetrics.Name">AlertEngine</see> meter
/// (documented in docs/telemetry.md).</summary>
internal static class AlertEngineServiceMetrics
{
    /// <summary>The live services, for the pending gauges; weak, so an undisposed service can still be collected.</summary>
    private static readonly ConditionalWeakTable<AlertEngineService, object?> Services = [];

    internal static readonly Counter<long> StoreWriteFailures = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.store.write_failures", "{attempt}", "Store write attempts that failed (the change stays pending)");

    internal static readonly Counter<long> StoreOutages = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.store.outages", "{outage}", "Times the alert store went from healthy to failing");

    internal static readonly Counter<long> InvestigationFailures = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.investigations.request_failures", "{attempt}", "Investigation request attempts that failed (the request stays pending)");

    internal static readonly Counter<long> StoreWritesAbandoned = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.store.writes_abandoned", "{change}", "Alert changes still pending for the store when the engine service was disposed");

    internal static readonly Counter<long> InvestigationsDropped = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.investigations.dropped", "{request}", "Automated investigation requests dropped (over the limit, or pending at dispose)");

    internal static readonly Counter<long> Checkpoints = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.checkpoints", "{checkpoint}", "Engine checkpoints saved to the IEngineStateStore");

    internal static readonly Counter<long> CheckpointFailures = AlertEngineMetrics.Meter.CreateCounter<long>(
        "alertengine.checkpoint_failures", "{checkpoint}", "Engine checkpoints the IEngineStateStore failed to save (the previous one stays)");

    internal static readonly ObservableGauge<long> PendingStoreWrites = AlertEngineMetrics.Meter.CreateObservableGauge(
        "alertengine.store.pending", () => Sum(static s => s.PendingStoreWrites), "{change}", "Alert changes waiting for the store");

    internal static readonly ObservableGauge<long> PendingInvestigations = AlertEngineMetrics.Meter.CreateObservableGauge(
        "alertengine.investigations.pending", () => Sum(static s => s.PendingInvestigationRequests), "{request}", "Investigation requests waiting for retry");

    internal static void Register(AlertEngineService service) => Services.AddOrUpdate(service, null);

    internal static void Unregister(AlertEngineService service) => Services.Remove(service);

    private static long Sum(Func<AlertEngineService, int> pending)
    {
        long total = 0;
        foreach (var (service, _) in Services)
        {
            total += pending(service);
        }

        return total;
    }
}
