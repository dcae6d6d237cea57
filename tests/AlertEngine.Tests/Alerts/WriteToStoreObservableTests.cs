using System.Reactive.Subjects;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Alerts;

public class WriteToStoreObservableTests
{
    private static AlertChange Change(string id, int seconds)
    {
        var activity = Act(id, seconds);
        var detection = Detection.ForActivity(activity, "p1");
        var alert = new Alert
        {
            Id = "p1:" + id,
            PolicyId = "p1",
            PolicyName = "p1",
            CreatedAt = activity.Time,
            FirstActivityAt = activity.Time,
            LastActivityAt = activity.Time,
            HitCount = 1,
            Users = ["u"],
            Activities = [],
        };
        return new AlertChange(AlertChangeKind.Created, alert, detection);
    }

    [Fact]
    public void More_changes_waiting_for_a_slow_store_than_the_buffer_allows_end_the_stream_with_an_error()
    {
        var store = new GatedStore();
        var source = new Subject<AlertChange>();
        var passed = new List<string>();
        Exception? error = null;
        using var subscription = source.WriteTo(store, maxBuffered: 2).Subscribe(c => passed.Add(c.Alert.Id), e => error = e);

        source.OnNext(Change("a", 0)); // being written (the store does not answer)
        source.OnNext(Change("b", 1)); // waiting
        Assert.Null(error);
        source.OnNext(Change("c", 2)); // one too many

        var ex = Assert.IsType<InvalidOperationException>(error);
        Assert.Contains("2", ex.Message, StringComparison.Ordinal);
        Assert.Empty(passed);
    }

    [Fact]
    public void Changes_pass_in_order_once_stored_and_the_buffer_is_checked()
    {
        var store = new InMemoryAlertStore();
        var source = new Subject<AlertChange>();
        var passed = new List<string>();
        using var subscription = source.WriteTo(store, maxBuffered: 1).Subscribe(c => passed.Add(c.Alert.Id));

        for (var i = 0; i < 5; i++)
        {
            source.OnNext(Change("a" + i, i)); // a synchronous store keeps the buffer at one
        }

        Assert.Equal(["p1:a0", "p1:a1", "p1:a2", "p1:a3", "p1:a4"], passed);
        Assert.Throws<ArgumentOutOfRangeException>(() => source.WriteTo(store, maxBuffered: 0));
    }

    private sealed class GatedStore : IAlertStore
    {
        private readonly InMemoryAlertStore _inner = new();

        public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default) =>
            new(Task.Delay(Timeout.Infinite, cancellationToken));

        public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
            _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

        public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);
    }
}
