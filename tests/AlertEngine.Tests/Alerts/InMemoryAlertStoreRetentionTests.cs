using System.Collections.Immutable;
using Microsoft.Extensions.Diagnostics.Metrics.Testing;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Alerts;

public class InMemoryAlertStoreRetentionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Alert MakeAlert(string id, string policy, int seconds) => new()
    {
        Id = id,
        PolicyId = policy,
        PolicyName = policy,
        Severity = AlertSeverity.High,
        CreatedAt = T0.AddSeconds(seconds),
        FirstActivityAt = T0.AddSeconds(seconds),
        LastActivityAt = T0.AddSeconds(seconds),
        HitCount = 1,
        Users = ImmutableArray.Create("u"),
        Activities = [],
    };

    [Fact]
    public async Task Beyond_the_cap_the_oldest_alert_is_evicted_from_every_index_and_counted()
    {
        var policy = "ret-" + Guid.NewGuid().ToString("N");
        using var evicted = new MetricCollector<long>(null, AlertEngineMetrics.Name, "alertengine.store.evicted");
        var store = new InMemoryAlertStore(maxAlerts: 2);

        await store.UpsertAsync(MakeAlert("b", policy, 10), Ct);
        await store.UpsertAsync(MakeAlert("a", policy, 0), Ct);
        await store.UpsertAsync(MakeAlert("a", policy, 0) with { HitCount = 2 }, Ct); // an update is not a new alert
        Assert.Equal(0, store.Evicted);
        await store.UpsertAsync(MakeAlert("c", policy, 20), Ct);

        Assert.Equal(2, store.Count);
        Assert.Equal(1, store.Evicted);
        Assert.Null(await store.GetAsync("a", Ct));
        Assert.Equal(["b", "c"], (await store.QueryAsync(new AlertQuery { PolicyId = policy }, Ct)).Select(a => a.Id));
        Assert.Equal(1, evicted.GetMeasurementSnapshot().Where(m => (string?)m.Tags["alertengine.policy.id"] == policy).Sum(m => m.Value));
    }

    [Fact]
    public void The_cap_is_checked() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new InMemoryAlertStore(maxAlerts: 0));
}
