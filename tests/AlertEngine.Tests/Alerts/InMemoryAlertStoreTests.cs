using System.Collections.Immutable;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Alerts;

public class InMemoryAlertStoreTests
{
    private static Alert MakeAlert(string id, string policy, int seconds, AlertStatus status = AlertStatus.Active, AlertSeverity severity = AlertSeverity.High) => new()
    {
        Id = id,
        PolicyId = policy,
        PolicyName = policy,
        Severity = severity,
        Status = status,
        CreatedAt = T0.AddSeconds(seconds),
        FirstActivityAt = T0.AddSeconds(seconds),
        LastActivityAt = T0.AddSeconds(seconds),
        HitCount = 1,
        Users = ImmutableArray.Create("u"),
        Activities = [],
    };

    [Fact]
    public async Task Upsert_replaces_by_id_and_get_returns_the_latest_snapshot()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("x", "p", 0), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("x", "p", 0) with { HitCount = 5 }, TestContext.Current.CancellationToken);

        Assert.Equal(1, store.Count);
        Assert.Equal(5, (await store.GetAsync("x", TestContext.Current.CancellationToken))!.HitCount);
        Assert.Null(await store.GetAsync("missing", TestContext.Current.CancellationToken));
    }

    [Fact]
    public async Task Query_by_policy_returns_that_policys_alerts_in_interchange_order()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("b", "p", 5), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("a", "p", 5), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("c", "p", 1), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("d", "q", 0), TestContext.Current.CancellationToken);

        var result = await store.QueryAsync(new AlertQuery { PolicyId = "p" }, TestContext.Current.CancellationToken);
        Assert.Equal(["c", "a", "b"], result.Select(a => a.Id));
    }

    [Fact]
    public async Task Resolved_alerts_are_hidden_unless_asked_for()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("open", "p", 0), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("done", "p", 1, AlertStatus.Resolved), TestContext.Current.CancellationToken);

        Assert.Equal(["open"], (await store.QueryAsync(AlertQuery.All, TestContext.Current.CancellationToken)).Select(a => a.Id));
        Assert.Equal(["open", "done"], (await store.QueryAsync(new AlertQuery { IncludeResolved = true }, TestContext.Current.CancellationToken)).Select(a => a.Id));
        Assert.Equal(["done"], (await store.QueryAsync(new AlertQuery { Statuses = [AlertStatus.Resolved] }, TestContext.Current.CancellationToken)).Select(a => a.Id));
    }

    [Fact]
    public async Task Query_filters_by_severity_and_time_range()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("a", "p", 0, severity: AlertSeverity.Low), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("b", "p", 10), TestContext.Current.CancellationToken);
        await store.UpsertAsync(MakeAlert("c", "p", 20), TestContext.Current.CancellationToken);

        var query = new AlertQuery { Severities = [AlertSeverity.High], CreatedFrom = T0.AddSeconds(5), CreatedTo = T0.AddSeconds(20) };
        Assert.Equal(["b"], (await store.QueryAsync(query, TestContext.Current.CancellationToken)).Select(a => a.Id));
    }

    [Fact]
    public async Task Concurrent_readers_see_consistent_snapshots_while_a_writer_streams_alerts_in()
    {
        var store = new InMemoryAlertStore();
        using var cts = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            var lastCount = 0;
            while (!cts.IsCancellationRequested)
            {
                var all = await store.QueryAsync(new AlertQuery { PolicyId = "p" });
                Assert.True(all.Count >= lastCount, "a reader saw alerts disappear");
                for (var i = 1; i < all.Count; i++)
                {
                    Assert.True(AlertOrder.Instance.Compare(all[i - 1], all[i]) < 0);
                }

                lastCount = all.Count;
            }
        })).ToArray();

        for (var i = 0; i < 5_000; i++)
        {
            await store.UpsertAsync(MakeAlert("a" + i, "p", i), TestContext.Current.CancellationToken);
        }

        await cts.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Equal(5_000, (await store.QueryAsync(new AlertQuery { PolicyId = "p" }, TestContext.Current.CancellationToken)).Count);
    }

    [Fact]
    public async Task Cancelled_operations_throw()
    {
        var store = new InMemoryAlertStore();
        var cancelled = new CancellationToken(true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.UpsertAsync(MakeAlert("a", "p", 0), cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.GetAsync("a", cancelled));
    }
}
