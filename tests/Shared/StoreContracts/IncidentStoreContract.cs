using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.StoreContracts;

/// <summary>The contract every <see cref="IIncidentStore"/> keeps: filters, order, the alert index, round trips, concurrency.</summary>
public abstract class IncidentStoreContract
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store (the derived class disposes what it made when the test ends).</summary>
    protected abstract IIncidentStore CreateStore();

    [Fact]
    public async Task Queries_hide_closed_incidents_unless_asked_and_order_by_first_alert_then_id()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeIncident("b", 5), Ct);
        await store.UpsertAsync(MakeIncident("a", 5), Ct);
        await store.UpsertAsync(MakeIncident("c", 1, IncidentPhase.Closed), Ct);
        await store.UpsertAsync(MakeIncident("\ud83d\ude00", 5), Ct);
        await store.UpsertAsync(MakeIncident("\ue000", 5), Ct);

        Assert.Equal(["a", "b", "\ud83d\ude00", "\ue000"], (await store.QueryAsync(IncidentQuery.All, Ct)).Select(i => i.Id));
        Assert.Equal(["c", "a", "b", "\ud83d\ude00", "\ue000"], (await store.QueryAsync(new IncidentQuery { IncludeClosed = true }, Ct)).Select(i => i.Id));
        Assert.Equal(["c"], (await store.QueryAsync(new IncidentQuery { Phases = [IncidentPhase.Closed] }, Ct)).Select(i => i.Id));
        Assert.Equal(["c", "a"], (await store.QueryAsync(new IncidentQuery { Phases = [IncidentPhase.Closed, IncidentPhase.Detected], FirstAlertTo = T0.AddMinutes(6) }, Ct)).Select(i => i.Id).Take(2));
        Assert.Equal(["a", "b", "\ud83d\ude00", "\ue000"], (await store.QueryAsync(new IncidentQuery { FirstAlertFrom = T0.AddMinutes(2) }, Ct)).Select(i => i.Id));
        Assert.Empty(await store.QueryAsync(new IncidentQuery { FirstAlertTo = T0.AddMinutes(5) }, Ct));
    }

    [Fact]
    public async Task An_incident_reads_back_field_by_field_as_written_and_upsert_replaces_it()
    {
        var store = CreateStore();
        var incident = FullIncident();
        await store.UpsertAsync(incident with { Title = "old" }, Ct);
        await store.UpsertAsync(incident, Ct);

        Assert.Equal(StoreSnapshot.Describe(incident), StoreSnapshot.Describe(await store.GetAsync(incident.Id, Ct)));
        Assert.Equal(StoreSnapshot.Describe(incident), StoreSnapshot.Describe(Assert.Single(await store.QueryAsync(IncidentQuery.All, Ct))));
        Assert.Null(await store.GetAsync("missing", Ct));
    }

    [Fact]
    public async Task Incidents_are_found_by_alert_id_and_the_index_follows_replacements()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeIncident("i1", 0, IncidentPhase.Detected, "x", "y"), Ct);
        Assert.Equal("i1", Assert.Single(await store.QueryAsync(new IncidentQuery { AlertId = "y" }, Ct)).Id);

        await store.UpsertAsync(MakeIncident("i1", 0, IncidentPhase.Detected, "x"), Ct);
        Assert.Empty(await store.QueryAsync(new IncidentQuery { AlertId = "y" }, Ct));
        Assert.Single(await store.QueryAsync(new IncidentQuery { AlertId = "x" }, Ct));
        Assert.Empty(await store.QueryAsync(new IncidentQuery { AlertId = "x", Phases = [IncidentPhase.Closed] }, Ct));
    }

    [Fact]
    public async Task A_query_by_alert_id_finds_the_incident_that_listed_the_alert_last()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeIncident("i1", 0, IncidentPhase.Detected, "x"), Ct);
        await store.UpsertAsync(MakeIncident("i2", 1, IncidentPhase.Detected, "x"), Ct);
        Assert.Equal(["i2"], (await store.QueryAsync(new IncidentQuery { AlertId = "x" }, Ct)).Select(i => i.Id));

        await store.UpsertAsync(MakeIncident("i1", 0, IncidentPhase.Detected, "x"), Ct);
        Assert.Equal(["i1"], (await store.QueryAsync(new IncidentQuery { AlertId = "x" }, Ct)).Select(i => i.Id));

        // i2 drops the alert: i1 still owns it.
        await store.UpsertAsync(MakeIncident("i2", 1), Ct);
        Assert.Equal(["i1"], (await store.QueryAsync(new IncidentQuery { AlertId = "x" }, Ct)).Select(i => i.Id));
    }

    [Fact]
    public async Task Security_incident_filter_keeps_only_declared_incidents()
    {
        var store = CreateStore();
        await store.UpsertAsync(MakeIncident("plain", 0), Ct);
        await store.UpsertAsync(MakeIncident("declared", 0) with { Declaration = new(T0, "ciso", T0.AddHours(72), null) }, Ct);
        Assert.Equal(["declared"], (await store.QueryAsync(new IncidentQuery { SecurityIncidentsOnly = true }, Ct)).Select(i => i.Id));

        // Declaration follows replacements.
        await store.UpsertAsync(MakeIncident("declared", 0), Ct);
        Assert.Empty(await store.QueryAsync(new IncidentQuery { SecurityIncidentsOnly = true }, Ct));
    }

    [Fact]
    public async Task Concurrent_writers_and_readers_lose_nothing()
    {
        var store = CreateStore();
        using var cts = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var last = 0;
            while (!cts.IsCancellationRequested)
            {
                var all = await store.QueryAsync(IncidentQuery.All);
                Assert.True(all.Count >= last);
                Assert.True(all.SequenceEqual(all.Order(IncidentOrder.Instance)));
                last = all.Count;
            }
        }, TestContext.Current.CancellationToken);
        await Task.WhenAll(Enumerable.Range(0, 3).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 60; i++)
            {
                await store.UpsertAsync(MakeIncident($"w{w}-{i}", i, IncidentPhase.Detected, $"alert-{w}-{i}"), Ct);
            }
        }, Ct)));
        await cts.CancelAsync();
        await reader;

        Assert.Equal(180, (await store.QueryAsync(IncidentQuery.All, Ct)).Count);
        Assert.Equal("w2-59", Assert.Single(await store.QueryAsync(new IncidentQuery { AlertId = "alert-2-59" }, Ct)).Id);
    }

    [Fact]
    public async Task Cancelled_operations_throw()
    {
        var store = CreateStore();
        var cancelled = new CancellationToken(true);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.UpsertAsync(MakeIncident("a", 0), cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.GetAsync("a", cancelled));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.QueryAsync(IncidentQuery.All, cancelled));
        Assert.Null(await store.GetAsync("a", Ct));
    }

    /// <summary>Random incidents and queries: the store answers like filtering and sorting what was last written.</summary>
    [Property(MaxTest = 80)]
    public Property Queries_match_the_naive_oracle()
    {
        var incidentGen =
            from id in Gen.Choose(0, 8)
            from minutes in Gen.Choose(0, 10)
            from phase in Gen.Choose(0, 6)
            from declared in Gen.Elements(true, false)
            from alerts in Gen.Choose(0, 7)
            select MakeIncident("i" + id, minutes, (IncidentPhase)(phase % Enum.GetValues<IncidentPhase>().Length), [.. new[] { "x", "y", "z" }.Where((_, i) => (alerts & (1 << i)) != 0)])
                with { Declaration = declared ? new SecurityIncidentDeclaration(T0, "ciso", T0.AddHours(72), null) : null };
        var queryGen =
            from phases in Gen.Choose(-1, 127)
            from includeClosed in Gen.Elements(true, false)
            from security in Gen.Elements(true, false)
            from alert in Gen.Choose(-1, 2)
            from start in Gen.Choose(-1, 10)
            from end in Gen.Choose(-1, 11)
            select new IncidentQuery
            {
                Phases = phases < 0 ? null : Enum.GetValues<IncidentPhase>().Where((_, i) => (phases & (1 << i)) != 0).ToArray(),
                IncludeClosed = includeClosed,
                SecurityIncidentsOnly = security,
                AlertId = alert < 0 ? null : new[] { "x", "y", "z" }[alert],
                FirstAlertFrom = start < 0 ? null : T0.AddMinutes(start),
                FirstAlertTo = end < 0 ? null : T0.AddMinutes(end),
            };
        var gen =
            from incidents in Gen.ListOf(incidentGen)
            from queries in Gen.ListOf(queryGen)
            select (incidents, queries);
        return Prop.ForAll(gen.ToArbitrary(), input =>
        {
            var store = CreateStore();
            var latest = new Dictionary<string, Incident>(StringComparer.Ordinal);
            var owner = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var incident in input.incidents)
            {
                store.UpsertAsync(incident).AsTask().GetAwaiter().GetResult();
                foreach (var (alertId, id) in owner.ToList())
                {
                    if (id == incident.Id)
                    {
                        owner.Remove(alertId);
                    }
                }

                latest[incident.Id] = incident;
                foreach (var alertId in incident.AlertIds)
                {
                    owner[alertId] = incident.Id;
                }
            }

            foreach (var query in input.queries)
            {
                IEnumerable<Incident> candidates = query.AlertId is null
                    ? latest.Values
                    : owner.TryGetValue(query.AlertId, out var id) ? [latest[id]] : [];
                var expected = candidates.Where(query.Matches).Order(IncidentOrder.Instance).Select(StoreSnapshot.Describe);
                var actual = store.QueryAsync(query).AsTask().GetAwaiter().GetResult().Select(StoreSnapshot.Describe);
                if (!actual.SequenceEqual(expected))
                {
                    return false;
                }
            }

            return true;
        });
    }
}
