using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Tests.Alerts;

/// <summary>Checks of the in-memory store beyond the store contract, which runs on it too
/// (StoreContracts/InMemoryStoreContractTests.cs), and its query oracle at more cases than the contract runs.</summary>
public class InMemoryAlertStoreIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_management_update_from_a_stale_read_is_refused()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var read = (await store.GetAsync("x", Ct))!;
        Assert.NotNull(await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Investigating }, Ct));

        Assert.Null(await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Dismissed }, Ct));
        Assert.Null(await store.TryUpdateManagementAsync(MakeAlert("missing"), MakeAlert("missing"), Ct));
        Assert.Equal(AlertStatus.Investigating, (await store.GetAsync("x", Ct))!.Status);
    }

    [Fact]
    public async Task A_management_update_must_keep_the_id()
    {
        var store = new InMemoryAlertStore();
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryUpdateManagementAsync(MakeAlert("a"), MakeAlert("b"), Ct));
    }

    [Fact]
    public async Task Alerts_with_default_tag_and_history_arrays_are_stored_queried_and_managed()
    {
        var store = new InMemoryAlertStore();
        var bare = MakeAlert("a") with { Tags = default, History = default };
        await store.UpsertAsync(bare, Ct);

        Assert.Empty(await store.QueryAsync(new AlertQuery { Tags = ["vip"] }, Ct));
        Assert.False(new AlertQuery { Tags = ["vip"] }.Matches(bare));
        var manager = new AlertManager(store);
        Assert.True((await manager.ChangeStatusAsync(Management.Principals.Admin, "a", AlertStatus.Dismissed, cancellationToken: Ct)).Succeeded);
        Assert.Single((await store.GetAsync("a", Ct))!.History);
    }

    [Fact]
    public async Task Source_filter_is_case_insensitive()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("a", seconds: 1), Ct);
        await store.UpsertAsync(MakeAlert("b", seconds: 2, source: "Defender for Cloud Apps"), Ct);

        Assert.Equal(["b"], (await store.QueryAsync(new AlertQuery { Source = "defender for cloud apps" }, Ct)).Select(a => a.Id));
        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { Source = Alert.EngineSource }, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task Take_must_be_at_least_one()
    {
        var store = new InMemoryAlertStore();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.QueryAsync(new AlertQuery { Take = 0 }, Ct));
    }

    [Fact]
    public async Task Counts_group_matching_alerts_by_severity_category_and_status()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("a", severity: AlertSeverity.High, category: AlertCategory.MailFlow), Ct);
        await store.UpsertAsync(MakeAlert("b", severity: AlertSeverity.High, category: AlertCategory.ThreatManagement), Ct);
        await store.UpsertAsync(MakeAlert("c", severity: AlertSeverity.Low, category: AlertCategory.ThreatManagement, status: AlertStatus.Investigating), Ct);
        await store.UpsertAsync(MakeAlert("d", severity: AlertSeverity.Low, status: AlertStatus.Resolved), Ct);

        var counts = await store.CountAsync(AlertQuery.All, Ct);

        Assert.Equal(3, counts.Total);
        Assert.Equal(2, counts.Of(AlertSeverity.High));
        Assert.Equal(1, counts.Of(AlertSeverity.Low));
        Assert.Equal(0, counts.Of(AlertSeverity.Informational));
        Assert.Equal(2, counts.ByCategory[AlertCategory.ThreatManagement]);
        Assert.Equal(1, counts.ByCategory[AlertCategory.MailFlow]);
        Assert.Equal(0, counts.ByCategory[AlertCategory.Others]);
        Assert.Equal(1, counts.ByStatus[AlertStatus.Investigating]);
        Assert.Equal(0, counts.ByStatus[AlertStatus.Resolved]);
        Assert.Equal(Enum.GetValues<AlertCategory>().Length, counts.ByCategory.Count);
        Assert.Equal(4, (await store.CountAsync(new AlertQuery { IncludeResolved = true }, Ct)).Total);
    }

    [Fact]
    public async Task The_default_CountAsync_of_the_interface_counts_the_query_result()
    {
        IAlertStore store = new QueryOnlyStore();
        await store.UpsertAsync(MakeAlert("a", severity: AlertSeverity.Medium), Ct);
        await store.UpsertAsync(MakeAlert("b", severity: AlertSeverity.Medium, seconds: 1), Ct);

        var counts = await store.CountAsync(new AlertQuery { Take = 1 }, Ct);
        Assert.Equal(2, counts.Total);
        Assert.Equal(2, counts.Of(AlertSeverity.Medium));
    }

    [Fact]
    public async Task An_alert_whose_creation_time_changes_moves_in_the_order()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("a", seconds: 1), Ct);
        await store.UpsertAsync(MakeAlert("b", seconds: 2), Ct);
        await store.UpsertAsync(MakeAlert("a", seconds: 3), Ct); // an external source corrected its time

        Assert.Equal(["b", "a"], (await store.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));
        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { CreatedFrom = T0.AddSeconds(3) }, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task Undefined_enum_values_are_refused()
    {
        var store = new InMemoryAlertStore();
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.UpsertAsync(MakeAlert("a") with { Category = (AlertCategory)42 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.UpsertAsync(MakeAlert("a") with { Status = (AlertStatus)42 }, Ct));
    }

    /// <summary>Random stores and queries: the indexed store answers exactly like filtering and sorting a list.</summary>
    [Property(MaxTest = 400)]
    public Property Queries_and_counts_match_the_naive_oracle()
    {
        var alertGen =
            from id in Gen.Choose(0, 40)
            from policy in Gen.Choose(0, 3)
            from seconds in Gen.Choose(0, 20)
            from status in Gen.Choose(0, 3)
            from category in Gen.Choose(0, 5)
            from severity in Gen.Choose(0, 3)
            from tagMask in Gen.Choose(0, 7)
            from external in Gen.Choose(0, 3)
            select MakeAlert(
                "a" + id,
                "p" + policy,
                seconds,
                (AlertStatus)status,
                (AlertSeverity)severity,
                (AlertCategory)category,
                external == 0 ? "Cloud Apps" : Alert.EngineSource,
                tags: [.. new[] { "VIP", "Finance", "vip" }.Where((_, i) => (tagMask & (1 << i)) != 0)]);
        var queryGen =
            from policy in Gen.Choose(-1, 3)
            from statuses in Gen.Choose(-1, 15)
            from categories in Gen.Choose(-1, 63)
            from severities in Gen.Choose(-1, 15)
            from tags in Gen.Choose(-1, 3)
            from source in Gen.Choose(-1, 1)
            from start in Gen.Choose(-1, 20)
            from end in Gen.Choose(-1, 21)
            from includeResolved in Gen.Elements(true, false)
            from take in Gen.Choose(0, 6)
            from after in Gen.Choose(-1, 40)
            select (Query: new AlertQuery
            {
                PolicyId = policy < 0 ? null : "p" + policy,
                Statuses = statuses < 0 ? null : Mask<AlertStatus>(statuses),
                Categories = categories < 0 ? null : Mask<AlertCategory>(categories),
                Severities = severities < 0 ? null : Mask<AlertSeverity>(severities),
                Tags = tags < 0 ? null : new[] { "vip", "FINANCE" }.Where((_, i) => (tags & (1 << i)) != 0).ToArray(),
                Source = source < 0 ? null : source == 0 ? "cloud apps" : Alert.EngineSource,
                CreatedFrom = start < 0 ? null : T0.AddSeconds(start),
                CreatedTo = end < 0 ? null : T0.AddSeconds(end),
                IncludeResolved = includeResolved,
                Take = take == 0 ? null : take,
            }, AfterIndex: after);

        var gen =
            from alerts in Gen.ListOf(alertGen)
            from queries in Gen.ListOf(queryGen)
            select (alerts, queries);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var store = new InMemoryAlertStore();
            var oracle = new Dictionary<string, Alert>();
            foreach (var alert in input.alerts)
            {
                store.UpsertAsync(alert).AsTask().GetAwaiter().GetResult();
                oracle[alert.Id] = oracle.TryGetValue(alert.Id, out var old)
                    ? alert with { Status = old.Status, History = old.History, NotificationsSuppressed = old.NotificationsSuppressed }
                    : alert;
            }

            var sorted = oracle.Values.OrderBy(a => a, AlertOrder.Instance).ToList();
            foreach (var (baseQuery, afterIndex) in input.queries)
            {
                var query = baseQuery with
                {
                    After = afterIndex < 0 || sorted.Count == 0 ? null : AlertCursor.From(sorted[afterIndex % sorted.Count]),
                };
                var expected = sorted.Where(query.Matches).Where(a => query.After is null || query.After.CompareTo(a) < 0);
                if (query.Take is { } take)
                {
                    expected = expected.Take(take);
                }

                var actual = store.QueryAsync(query).AsTask().GetAwaiter().GetResult();
                if (!actual.Select(a => a.Id).SequenceEqual(expected.Select(a => a.Id)))
                {
                    return false;
                }

                var counts = store.CountAsync(query).AsTask().GetAwaiter().GetResult();
                var all = sorted.Where(query.Matches).ToList();
                if (counts.Total != all.Count
                    || Enum.GetValues<AlertSeverity>().Any(s => counts.Of(s) != all.Count(a => a.Severity == s))
                    || Enum.GetValues<AlertCategory>().Any(c => counts.Of(c) != all.Count(a => a.Category == c)))
                {
                    return false;
                }
            }

            return true;
        });
    }

    private static TEnum[] Mask<TEnum>(int mask)
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Where((_, i) => (mask & (1 << i)) != 0).ToArray();

    /// <summary>A store that only implements the required members, to exercise the interface's default CountAsync.</summary>
    private sealed class QueryOnlyStore : IAlertStore
    {
        private readonly InMemoryAlertStore _inner = new();

        public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default) => _inner.UpsertAsync(alert, cancellationToken);

        public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
            _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

        public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);
    }
}
