using System.Security.Claims;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.StoreContracts;

/// <summary>
/// The contract every <see cref="IAlertStore"/> keeps, run against each implementation by a derived class that says
/// how to make an empty store: filters, keyset paging, ordering, counts, management fields (status history,
/// suppression) kept by engine snapshots, compare-and-set, concurrent readers and writers, exact round trips.
/// </summary>
public abstract class AlertStoreContract
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store (the derived class disposes what it made when the test ends).</summary>
    protected abstract IAlertStore CreateStore();

    /// <summary>Engine snapshots written by the concurrency test (a fast in-process store can take more).</summary>
    protected virtual int ConcurrentSnapshots => 300;

    /// <summary>Management toggles each of the concurrency test's two admins attempts.</summary>
    protected virtual int ConcurrentToggles => 100;

    [Fact]
    public async Task Upsert_replaces_by_id_and_get_returns_the_latest_snapshot()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        await store.UpsertAsync(MakeAlert("x", hits: 5), Ct);

        Assert.Equal(5, (await store.GetAsync("x", Ct))!.HitCount);
        Assert.Single(await store.QueryAsync(AlertQuery.All, Ct));
        Assert.Null(await store.GetAsync("missing", Ct));
        Assert.Null(await store.GetAsync("X", Ct));
    }

    [Fact]
    public async Task An_alert_reads_back_field_by_field_as_written()
    {
        var store = CreateStore();
        var alert = FullAlert();
        await store.UpsertAsync(alert, Ct);

        Assert.Equal(StoreSnapshot.Describe(alert), StoreSnapshot.Describe(await store.GetAsync(alert.Id, Ct)));
        Assert.Equal(StoreSnapshot.Describe(alert), StoreSnapshot.Describe(Assert.Single(await store.QueryAsync(AlertQuery.All, Ct))));
    }

    [Fact]
    public async Task Query_by_policy_returns_that_policys_alerts_in_created_then_policy_then_id_order()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("b", "p", 5), Ct);
        await store.UpsertAsync(MakeAlert("a", "p", 5), Ct);
        await store.UpsertAsync(MakeAlert("c", "p", 1), Ct);
        await store.UpsertAsync(MakeAlert("d", "q", 0), Ct);
        await store.UpsertAsync(MakeAlert("e", "o", 5), Ct);

        Assert.Equal(["c", "a", "b"], (await store.QueryAsync(new AlertQuery { PolicyId = "p" }, Ct)).Select(a => a.Id));
        Assert.Equal(["d", "c", "e", "a", "b"], (await store.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task Ids_order_by_UTF16_code_units_like_string_CompareOrdinal()
    {
        var store = CreateStore();
        // UTF-8 byte order would put the surrogate pair (U+1F600) after U+E000 and U+FFFD; ordinal order puts it before.
        string[] ids = ["\ue000", "\ud83d\ude00", "\ufffd", "a", "A", "\u00e9", "a\u0000", "a\u0000b", "ab", ""];
        for (var i = 0; i < ids.Length; i++)
        {
            await store.UpsertAsync(MakeAlert(ids[i], policy: i % 2 == 0 ? "\ue001" : "\ud83d\ude01"), Ct);
        }

        var expected = ids.Select(id => MakeAlert(id, policy: Array.IndexOf(ids, id) % 2 == 0 ? "\ue001" : "\ud83d\ude01"))
            .OrderBy(a => a, AlertOrder.Instance).Select(a => a.Id).ToArray();
        Assert.Equal(expected, (await store.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));

        // And keyset paging walks the same order one alert at a time.
        var paged = new List<string>();
        AlertCursor? after = null;
        while (await store.QueryAsync(new AlertQuery { Take = 1, After = after }, Ct) is [var next])
        {
            paged.Add(next.Id);
            after = AlertCursor.From(next);
        }

        Assert.Equal(expected, paged);
    }

    [Fact]
    public async Task Resolved_alerts_are_hidden_unless_asked_for()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("open", seconds: 0), Ct);
        await store.UpsertAsync(MakeAlert("done", seconds: 1, status: AlertStatus.Resolved), Ct);

        Assert.Equal(["open"], (await store.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));
        Assert.Equal(["open", "done"], (await store.QueryAsync(new AlertQuery { IncludeResolved = true }, Ct)).Select(a => a.Id));
        Assert.Equal(["done"], (await store.QueryAsync(new AlertQuery { Statuses = [AlertStatus.Resolved] }, Ct)).Select(a => a.Id));
        Assert.Empty(await store.QueryAsync(new AlertQuery { Statuses = [] }, Ct));
    }

    [Fact]
    public async Task Query_filters_by_severity_category_and_half_open_time_range()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("a", seconds: 0, severity: AlertSeverity.Low), Ct);
        await store.UpsertAsync(MakeAlert("b", seconds: 10), Ct);
        await store.UpsertAsync(MakeAlert("c", seconds: 20), Ct);
        await store.UpsertAsync(MakeAlert("d", seconds: 15, category: AlertCategory.MailFlow), Ct);

        var query = new AlertQuery { Severities = [AlertSeverity.High], CreatedFrom = T0.AddSeconds(10), CreatedTo = T0.AddSeconds(20) };
        Assert.Equal(["b", "d"], (await store.QueryAsync(query, Ct)).Select(a => a.Id));
        Assert.Equal(["b"], (await store.QueryAsync(query with { Categories = [AlertCategory.ThreatManagement] }, Ct)).Select(a => a.Id));
        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { CreatedTo = T0.AddSeconds(10).ToOffset(TimeSpan.FromHours(3)) }, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task An_engine_snapshot_of_an_existing_alert_keeps_the_status_history_and_suppression_set_by_an_administrator()
    {
        var store = CreateStore();
        var first = MakeAlert("x", hits: 1);
        await store.UpsertAsync(first, Ct);
        var change = new AlertStatusChange(AlertStatus.Active, AlertStatus.Investigating, "admin", T0, "looking");
        var managed = await store.TryUpdateManagementAsync(
            first,
            first with { Status = AlertStatus.Investigating, History = [change], NotificationsSuppressed = true },
            Ct);
        Assert.NotNull(managed);

        // The engine's next snapshot knows nothing of management: Active, no history, not suppressed.
        await store.UpsertAsync(MakeAlert("x", hits: 7), Ct);

        var stored = (await store.GetAsync("x", Ct))!;
        Assert.Equal(7, stored.HitCount);
        Assert.Equal(AlertStatus.Investigating, stored.Status);
        Assert.True(stored.NotificationsSuppressed);
        Assert.Equal([change], stored.History);
        Assert.Equal(["x"], (await store.QueryAsync(new AlertQuery { Statuses = [AlertStatus.Investigating] }, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task A_new_alert_is_stored_with_the_management_fields_it_comes_with()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x", status: AlertStatus.Dismissed) with { NotificationsSuppressed = true }, Ct);

        var stored = (await store.GetAsync("x", Ct))!;
        Assert.Equal(AlertStatus.Dismissed, stored.Status);
        Assert.True(stored.NotificationsSuppressed);
    }

    [Fact]
    public async Task Status_history_grows_in_order_through_the_alert_manager()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var manager = new AlertManager(store);
        Assert.True((await manager.ChangeStatusAsync(Admin, "x", AlertStatus.Investigating, "first", Ct)).Succeeded);
        await store.UpsertAsync(MakeAlert("x", hits: 3), Ct);
        Assert.True((await manager.ChangeStatusAsync(Admin, "x", AlertStatus.Resolved, "second", Ct)).Succeeded);

        var stored = (await store.GetAsync("x", Ct))!;
        Assert.Equal(3, stored.HitCount);
        Assert.Equal(AlertStatus.Resolved, stored.Status);
        Assert.Equal(["first", "second"], stored.History.Select(h => h.Comment));
        Assert.Equal([AlertStatus.Investigating, AlertStatus.Resolved], stored.History.Select(h => h.To));
    }

    [Fact]
    public async Task A_management_update_keeps_content_the_engine_wrote_after_the_alert_was_read()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x", hits: 1), Ct);
        var read = (await store.GetAsync("x", Ct))!;

        await store.UpsertAsync(MakeAlert("x", hits: 5), Ct);
        var result = await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Resolved }, Ct);

        Assert.NotNull(result);
        Assert.Equal(5, result.HitCount);
        Assert.Equal(AlertStatus.Resolved, result.Status);
        Assert.Equal(StoreSnapshot.Describe(result), StoreSnapshot.Describe(await store.GetAsync("x", Ct)));
    }

    [Fact]
    public async Task A_management_update_from_a_stale_read_or_of_a_missing_alert_is_refused()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var read = (await store.GetAsync("x", Ct))!;
        Assert.NotNull(await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Investigating }, Ct));

        Assert.Null(await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Dismissed }, Ct));
        Assert.Null(await store.TryUpdateManagementAsync(MakeAlert("missing"), MakeAlert("missing"), Ct));
        Assert.Equal(AlertStatus.Investigating, (await store.GetAsync("x", Ct))!.Status);
    }

    [Fact]
    public async Task A_management_update_with_default_history_stores_an_empty_history()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var read = (await store.GetAsync("x", Ct))!;
        var result = await store.TryUpdateManagementAsync(read, read with { NotificationsSuppressed = true, History = default }, Ct);

        Assert.False(result!.History.IsDefault);
        Assert.Empty((await store.GetAsync("x", Ct))!.History);
    }

    [Fact]
    public async Task Suppression_is_a_management_field_toggled_by_compare_and_set()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var read = (await store.GetAsync("x", Ct))!;
        var suppressed = await store.TryUpdateManagementAsync(read, read with { NotificationsSuppressed = true }, Ct);
        Assert.True(suppressed!.NotificationsSuppressed);

        // A second toggle from the same (now stale) read is refused: suppression changed since.
        Assert.Null(await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Dismissed }, Ct));
        await store.UpsertAsync(MakeAlert("x", hits: 2), Ct);
        Assert.True((await store.GetAsync("x", Ct))!.NotificationsSuppressed);
    }

    [Fact]
    public async Task Argument_errors_are_thrown()
    {
        var store = CreateStore();
        await Assert.ThrowsAsync<ArgumentException>(async () => await store.TryUpdateManagementAsync(MakeAlert("a"), MakeAlert("b"), Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.QueryAsync(new AlertQuery { Take = 0 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.UpsertAsync(MakeAlert("a") with { Category = (AlertCategory)42 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.UpsertAsync(MakeAlert("a") with { Status = (AlertStatus)42 }, Ct));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () => await store.UpsertAsync(MakeAlert("a") with { Severity = (AlertSeverity)42 }, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.UpsertAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.GetAsync(null!, Ct));
        await Assert.ThrowsAsync<ArgumentNullException>(async () => await store.QueryAsync(null!, Ct));
        Assert.Null(await store.GetAsync("a", Ct));
    }

    [Fact]
    public async Task Status_changes_move_alerts_between_status_filters()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var read = (await store.GetAsync("x", Ct))!;
        await store.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Resolved }, Ct);

        Assert.Empty(await store.QueryAsync(AlertQuery.All, Ct));
        Assert.Empty(await store.QueryAsync(new AlertQuery { Statuses = [AlertStatus.Active] }, Ct));
        Assert.Single(await store.QueryAsync(new AlertQuery { Statuses = [AlertStatus.Resolved] }, Ct));
    }

    [Fact]
    public async Task Tags_filter_matches_any_listed_tag_case_insensitively_and_lists_each_alert_once()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("a", seconds: 1, tags: ["Priority account", "VIP", "vip"]), Ct);
        await store.UpsertAsync(MakeAlert("b", seconds: 2, tags: ["Finance"]), Ct);
        await store.UpsertAsync(MakeAlert("c", seconds: 3), Ct);

        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { Tags = ["priority ACCOUNT", "vip"] }, Ct)).Select(a => a.Id));
        Assert.Equal(["a", "b"], (await store.QueryAsync(new AlertQuery { Tags = ["VIP", "finance"] }, Ct)).Select(a => a.Id));
        Assert.Empty(await store.QueryAsync(new AlertQuery { Tags = ["unknown"] }, Ct));
        Assert.Empty(await store.QueryAsync(new AlertQuery { Tags = [] }, Ct));

        // Tags follow the content: a newer snapshot with other tags moves the alert between tag filters.
        await store.UpsertAsync(MakeAlert("b", seconds: 2, tags: ["vip"]), Ct);
        Assert.Equal(["a", "b"], (await store.QueryAsync(new AlertQuery { Tags = ["VIP"] }, Ct)).Select(a => a.Id));
        Assert.Empty(await store.QueryAsync(new AlertQuery { Tags = ["finance"] }, Ct));
    }

    [Fact]
    public async Task Alerts_with_default_tag_and_history_arrays_are_stored_queried_and_managed()
    {
        var store = CreateStore();
        var bare = MakeAlert("a") with { Tags = default, History = default };
        await store.UpsertAsync(bare, Ct);

        Assert.Empty(await store.QueryAsync(new AlertQuery { Tags = ["vip"] }, Ct));
        Assert.Single(await store.QueryAsync(AlertQuery.All, Ct));
        var manager = new AlertManager(store);
        Assert.True((await manager.ChangeStatusAsync(Admin, "a", AlertStatus.Dismissed, cancellationToken: Ct)).Succeeded);
        Assert.Single((await store.GetAsync("a", Ct))!.History);
    }

    [Fact]
    public async Task Source_filter_is_case_insensitive_and_exact()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("a", seconds: 1), Ct);
        await store.UpsertAsync(MakeAlert("b", seconds: 2, source: "Defender for Cloud Apps"), Ct);
        await store.UpsertAsync(MakeAlert("c", seconds: 3, source: "Defender \u00c9"), Ct);

        Assert.Equal(["b"], (await store.QueryAsync(new AlertQuery { Source = "defender for cloud apps" }, Ct)).Select(a => a.Id));
        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { Source = Alert.EngineSource }, Ct)).Select(a => a.Id));
        Assert.Equal(["c"], (await store.QueryAsync(new AlertQuery { Source = "defender \u00e9" }, Ct)).Select(a => a.Id));
        Assert.Empty(await store.QueryAsync(new AlertQuery { Source = "Defender" }, Ct));
    }

    [Fact]
    public async Task Keyset_pages_cover_every_alert_once_in_order_even_when_alerts_arrive_between_pages()
    {
        var store = CreateStore();
        for (var i = 0; i < 10; i++)
        {
            await store.UpsertAsync(MakeAlert("a" + i, seconds: i), Ct);
        }

        var seen = new List<string>();
        AlertCursor? after = null;
        var page = 0;
        while (true)
        {
            var alerts = await store.QueryAsync(new AlertQuery { Take = 3, After = after }, Ct);
            if (page++ == 1)
            {
                // An alert created before the cursor does not shift later pages; one after it shows up in order.
                await store.UpsertAsync(MakeAlert("early", seconds: 0), Ct);
                await store.UpsertAsync(MakeAlert("late", seconds: 100), Ct);
            }

            seen.AddRange(alerts.Select(a => a.Id));
            if (alerts.Count < 3)
            {
                break;
            }

            // Through the continuation token, as an HTTP client would page.
            Assert.True(AlertCursor.TryParse(AlertCursor.From(alerts[^1]).ToString(), out after));
        }

        Assert.Equal(["a0", "a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9", "late"], seen);
    }

    [Fact]
    public async Task Paging_with_a_filter_skips_alerts_that_do_not_match()
    {
        var store = CreateStore();
        for (var i = 0; i < 20; i++)
        {
            await store.UpsertAsync(MakeAlert("a" + i.ToString("00", System.Globalization.CultureInfo.InvariantCulture), seconds: i, source: i % 3 == 0 ? "Other" : Alert.EngineSource), Ct);
        }

        var query = new AlertQuery { Source = "other", Take = 2 };
        var first = await store.QueryAsync(query, Ct);
        var second = await store.QueryAsync(query with { After = AlertCursor.From(first[^1]) }, Ct);
        Assert.Equal(["a00", "a03"], first.Select(a => a.Id));
        Assert.Equal(["a06", "a09"], second.Select(a => a.Id));
    }

    [Fact]
    public async Task Counts_group_matching_alerts_by_severity_category_and_status_ignoring_paging()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("a", severity: AlertSeverity.High, category: AlertCategory.MailFlow), Ct);
        await store.UpsertAsync(MakeAlert("b", severity: AlertSeverity.High, category: AlertCategory.ThreatManagement, tags: ["vip"]), Ct);
        await store.UpsertAsync(MakeAlert("c", severity: AlertSeverity.Low, category: AlertCategory.ThreatManagement, status: AlertStatus.Investigating), Ct);
        await store.UpsertAsync(MakeAlert("d", severity: AlertSeverity.Low, status: AlertStatus.Resolved), Ct);

        var counts = await store.CountAsync(AlertQuery.All with { Take = 1, After = AlertCursor.From(MakeAlert("z", seconds: 99)) }, Ct);

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
        Assert.Equal(1, (await store.CountAsync(new AlertQuery { Tags = ["VIP"] }, Ct)).Total);
        Assert.Equal(0, (await store.CountAsync(new AlertQuery { Source = "other" }, Ct)).Total);
    }

    [Fact]
    public async Task An_alert_whose_creation_time_or_policy_changes_moves_in_the_order()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("a", seconds: 1), Ct);
        await store.UpsertAsync(MakeAlert("b", seconds: 2), Ct);
        await store.UpsertAsync(MakeAlert("a", seconds: 3), Ct); // an external source corrected its time

        Assert.Equal(["b", "a"], (await store.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));
        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { CreatedFrom = T0.AddSeconds(3) }, Ct)).Select(a => a.Id));

        await store.UpsertAsync(MakeAlert("a", policy: "q", seconds: 3), Ct);
        Assert.Empty(await store.QueryAsync(new AlertQuery { PolicyId = "p", CreatedFrom = T0.AddSeconds(3) }, Ct));
        Assert.Equal(["a"], (await store.QueryAsync(new AlertQuery { PolicyId = "q" }, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task Concurrent_readers_see_consistent_ordered_snapshots_while_a_writer_streams_alerts_in()
    {
        var store = CreateStore();
        using var cts = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 3).Select(_ => Task.Run(async () =>
        {
            var lastCount = 0;
            var reads = 0;
            while (!cts.IsCancellationRequested || reads == 0)
            {
                var all = await store.QueryAsync(new AlertQuery { PolicyId = "p" });
                Assert.True(all.Count >= lastCount, "a reader saw alerts disappear");
                for (var i = 1; i < all.Count; i++)
                {
                    Assert.True(AlertOrder.Instance.Compare(all[i - 1], all[i]) < 0);
                }

                var counts = await store.CountAsync(AlertQuery.All);
                Assert.True(counts.Total >= all.Count, "a count taken later saw fewer alerts");
                lastCount = all.Count;
                reads++;
            }
        })).ToArray();

        for (var i = 0; i < 500; i++)
        {
            await store.UpsertAsync(MakeAlert("a" + i, "p", i), Ct);
        }

        await cts.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Equal(500, (await store.QueryAsync(new AlertQuery { PolicyId = "p" }, Ct)).Count);
    }

    [Fact]
    public async Task Concurrent_writers_of_different_alerts_lose_none()
    {
        var store = CreateStore();
        await Task.WhenAll(Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 100; i++)
            {
                await store.UpsertAsync(MakeAlert($"w{w}-{i}", "p" + w, i), Ct);
            }
        }, Ct)));

        Assert.Equal(400, (await store.CountAsync(AlertQuery.All, Ct)).Total);
        Assert.Equal(100, (await store.QueryAsync(new AlertQuery { PolicyId = "p2" }, Ct)).Count);
    }

    [Fact]
    public async Task Concurrent_management_updates_and_engine_snapshots_lose_nothing()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeAlert("x", hits: 0), Ct);
        var snapshots = ConcurrentSnapshots;
        var engine = Task.Run(async () =>
        {
            for (var i = 1; i <= snapshots; i++)
            {
                await store.UpsertAsync(MakeAlert("x", hits: i), Ct);
            }
        }, Ct);

        // Each admin toggles suppression with compare-and-set; every successful toggle is counted.
        var toggles = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            var done = 0;
            for (var i = 0; i < ConcurrentToggles; i++)
            {
                var read = (await store.GetAsync("x"))!;
                if (await store.TryUpdateManagementAsync(read, read with { NotificationsSuppressed = !read.NotificationsSuppressed }) is not null)
                {
                    done++;
                }
            }

            return done;
        })));
        await engine;

        var final = (await store.GetAsync("x", Ct))!;
        Assert.Equal(snapshots, final.HitCount);
        Assert.True(toggles.Sum() > 0);
        Assert.Equal(toggles.Sum() % 2 == 1, final.NotificationsSuppressed);
    }

    [Fact]
    public async Task Cancelled_operations_throw_and_change_nothing()
    {
        var store = CreateStore();
        var cancelled = new CancellationToken(true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.UpsertAsync(MakeAlert("a"), cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.GetAsync("a", cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.QueryAsync(AlertQuery.All, cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.CountAsync(AlertQuery.All, cancelled));
        Assert.Null(await store.GetAsync("a", Ct));
    }

    /// <summary>Random stores and queries: the store answers exactly like filtering and sorting a list (the oracle).</summary>
    [Property(MaxTest = 120)]
    public Property Queries_and_counts_match_the_naive_oracle() => QueriesAndCountsMatchTheNaiveOracle(CreateStore);

    /// <summary>
    /// The oracle property over stores made by <paramref name="createStore"/>, for a store's own test class that runs
    /// it at more cases than the contract does.
    /// </summary>
    public static Property QueriesAndCountsMatchTheNaiveOracle(Func<IAlertStore> createStore)
    {
        string[] ids = ["a", "b", "B", "\u00e9", "\ue000", "\ud83d\ude00", "a\u0000", "ab", "z"];
        var alertGen =
            from id in Gen.Choose(0, ids.Length * 3 - 1)
            from policy in Gen.Choose(0, 3)
            from seconds in Gen.Choose(0, 20)
            from status in Gen.Choose(0, 3)
            from category in Gen.Choose(0, 5)
            from severity in Gen.Choose(0, 3)
            from tagMask in Gen.Choose(0, 15)
            from external in Gen.Choose(0, 3)
            select MakeAlert(
                ids[id % ids.Length] + (id / ids.Length),
                policy == 3 ? "\ud83d\ude00" : "p" + policy,
                seconds,
                (AlertStatus)status,
                (AlertSeverity)severity,
                (AlertCategory)category,
                external == 0 ? "Cloud Apps" : external == 1 ? "CLOUD apps" : Alert.EngineSource,
                tags: [.. new[] { "VIP", "Finance", "vip", "\u00c9t\u00e9" }.Where((_, i) => (tagMask & (1 << i)) != 0)]);
        var queryGen =
            from policy in Gen.Choose(-1, 3)
            from statuses in Gen.Choose(-1, 15)
            from categories in Gen.Choose(-1, 63)
            from severities in Gen.Choose(-1, 15)
            from tags in Gen.Choose(-1, 7)
            from source in Gen.Choose(-1, 1)
            from start in Gen.Choose(-1, 20)
            from end in Gen.Choose(-1, 21)
            from includeResolved in Gen.Elements(true, false)
            from take in Gen.Choose(0, 6)
            from after in Gen.Choose(-1, 40)
            select (Query: new AlertQuery
            {
                PolicyId = policy < 0 ? null : policy == 3 ? "\ud83d\ude00" : "p" + policy,
                Statuses = statuses < 0 ? null : Mask<AlertStatus>(statuses),
                Categories = categories < 0 ? null : Mask<AlertCategory>(categories),
                Severities = severities < 0 ? null : Mask<AlertSeverity>(severities),
                Tags = tags < 0 ? null : new[] { "vip", "FINANCE", "\u00e9T\u00c9" }.Where((_, i) => (tags & (1 << i)) != 0).ToArray(),
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
            var store = createStore();
            var oracle = new Dictionary<string, Alert>(StringComparer.Ordinal);
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
                if (!actual.Select(StoreSnapshot.Describe).SequenceEqual(expected.Select(StoreSnapshot.Describe)))
                {
                    return false;
                }

                var counts = store.CountAsync(query).AsTask().GetAwaiter().GetResult();
                var all = sorted.Where(query.Matches).ToList();
                if (counts.Total != all.Count
                    || Enum.GetValues<AlertSeverity>().Any(s => counts.Of(s) != all.Count(a => a.Severity == s))
                    || Enum.GetValues<AlertCategory>().Any(c => counts.Of(c) != all.Count(a => a.Category == c))
                    || Enum.GetValues<AlertStatus>().Any(s => counts.Of(s) != all.Count(a => a.Status == s)))
                {
                    return false;
                }
            }

            return true;
        });
    }

    private static ClaimsPrincipal Admin =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, "admin@contoso.com"), new Claim(ClaimTypes.Role, "Organization Management")],
            authenticationType: "test"));

    private static TEnum[] Mask<TEnum>(int mask)
        where TEnum : struct, Enum =>
        Enum.GetValues<TEnum>().Where((_, i) => (mask & (1 << i)) != 0).ToArray();
}
