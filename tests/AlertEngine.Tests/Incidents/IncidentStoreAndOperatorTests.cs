using System.Reactive.Linq;
using System.Reactive.Subjects;
using static AlertEngine.Tests.Incidents.IncidentData;

namespace AlertEngine.Tests.Incidents;

public class InMemoryIncidentStoreTests
{
    private static Incident Incident(string id, int minutes, IncidentPhase phase = IncidentPhase.Detected, params string[] alertIds) => new()
    {
        Id = id,
        Title = id,
        Phase = phase,
        FirstAlertAt = T0.AddMinutes(minutes),
        LastAlertAt = T0.AddMinutes(minutes),
        AlertIds = [.. alertIds],
    };

    [Fact]
    public async Task Queries_hide_closed_incidents_unless_asked_and_order_by_first_alert_then_id()
    {
        var store = new InMemoryIncidentStore();
        await store.UpsertAsync(Incident("b", 5), Ct);
        await store.UpsertAsync(Incident("a", 5), Ct);
        await store.UpsertAsync(Incident("c", 1, IncidentPhase.Closed), Ct);

        Assert.Equal(["a", "b"], (await store.QueryAsync(IncidentQuery.All, Ct)).Select(i => i.Id));
        Assert.Equal(["c", "a", "b"], (await store.QueryAsync(new IncidentQuery { IncludeClosed = true }, Ct)).Select(i => i.Id));
        Assert.Equal(["c"], (await store.QueryAsync(new IncidentQuery { Phases = [IncidentPhase.Closed] }, Ct)).Select(i => i.Id));
        Assert.Equal(["a", "b"], (await store.QueryAsync(new IncidentQuery { FirstAlertFrom = T0.AddMinutes(2) }, Ct)).Select(i => i.Id));
    }

    [Fact]
    public async Task Incidents_are_found_by_alert_id_and_the_index_follows_replacements()
    {
        var store = new InMemoryIncidentStore();
        await store.UpsertAsync(Incident("i1", 0, IncidentPhase.Detected, "x", "y"), Ct);
        Assert.Equal("i1", Assert.Single(await store.QueryAsync(new IncidentQuery { AlertId = "y" }, Ct)).Id);

        await store.UpsertAsync(Incident("i1", 0, IncidentPhase.Detected, "x"), Ct);
        Assert.Empty(await store.QueryAsync(new IncidentQuery { AlertId = "y" }, Ct));
        Assert.Equal(1, store.Count);
    }

    [Fact]
    public async Task Security_incident_filter_keeps_only_declared_incidents()
    {
        var store = new InMemoryIncidentStore();
        await store.UpsertAsync(Incident("plain", 0), Ct);
        await store.UpsertAsync(Incident("declared", 0) with { Declaration = new(T0, "ciso", T0.AddHours(72), null) }, Ct);
        Assert.Equal(["declared"], (await store.QueryAsync(new IncidentQuery { SecurityIncidentsOnly = true }, Ct)).Select(i => i.Id));
    }
}

public class CorrelateIncidentsObservableTests
{
    private static AlertChange Change(Alert alert) => new(AlertChangeKind.Created, alert, Detection.ForActivity(new Activity(alert.Id + "-act", alert.CreatedAt, "FileDeleted")));

    [Fact]
    public async Task Groups_alert_changes_per_subscription_with_its_own_state()
    {
        var source = new[] { Alert("a1", 0, "alice"), Alert("a2", 10, "alice"), Alert("b1", 20, "bob") }.Select(Change).ToObservable();
        var stream = source.CorrelateIncidents();

        var first = await stream.ToList();
        var second = await stream.ToList();

        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.AlertAdded, IncidentChangeKind.Opened], first.Select(c => c.Kind));
        Assert.Equal(["inc:a1", "inc:a1", "inc:b1"], first.Select(c => c.Incident.Id));
        Assert.Equal(first.Select(c => c.Incident.Id), second.Select(c => c.Incident.Id));
    }

    [Fact]
    public void A_failure_while_grouping_ends_the_stream_with_OnError()
    {
        using var subject = new Subject<AlertChange>();
        Exception? error = null;
        using var subscription = subject.CorrelateIncidents().Subscribe(_ => { }, e => error = e);
        subject.OnNext(null!);
        Assert.IsType<ArgumentNullException>(error);
    }

    [Fact]
    public void Options_are_validated_eagerly()
    {
        var source = Observable.Empty<AlertChange>();
        Assert.Throws<ArgumentException>(() => source.CorrelateIncidents(new IncidentGroupingOptions { Window = TimeSpan.Zero }));
        Assert.Throws<ArgumentNullException>(() => ((IObservable<AlertChange>)null!).CorrelateIncidents());
        Assert.Throws<ArgumentNullException>(() => source.CorrelateIncidents((IncidentManager)null!));
    }

    [Fact]
    public async Task Feeds_a_manager_in_order_and_passes_on_stored_changes()
    {
        using var manager = new IncidentManager();
        var source = new[] { Alert("a1", 0), Alert("a2", 1) }.Select(Change).ToObservable();

        var changes = await source.CorrelateIncidents(manager).ToList();

        Assert.Equal([IncidentChangeKind.Opened, IncidentChangeKind.AlertAdded], changes.Select(c => c.Kind));
        Assert.Equal(Ids("a1", "a2"), (await manager.GetAsync("inc:a1", Ct))!.AlertIds);
    }
}
