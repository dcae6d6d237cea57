using System.Reactive.Linq;
using System.Reactive.Subjects;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Aggregation;

public class AggregateAlertsObservableTests
{
    [Fact]
    public void Aggregates_detections_per_subscription_with_its_own_state()
    {
        var policy = EveryTime("p1");
        var detections = Enumerable.Range(0, 5).Select(i => Detection.ForActivity(Act("a" + i, i * 30))).ToArray();
        var source = detections.ToObservable().AggregateAlerts(policy, TimeSpan.FromMinutes(1));

        var first = source.ToList().Wait();
        var second = source.ToList().Wait();

        Assert.Equal(
            [AlertChangeKind.Created, AlertChangeKind.Updated, AlertChangeKind.Created, AlertChangeKind.Updated, AlertChangeKind.Created],
            first.Select(c => c.Kind));
        Assert.Equal(first.Select(c => c.Alert.Id), second.Select(c => c.Alert.Id));
    }

    [Fact]
    public void Errors_and_completion_pass_through()
    {
        using var subject = new Subject<Detection>();
        Exception? error = null;
        using var sub = subject.AggregateAlerts(EveryTime()).Subscribe(_ => { }, e => error = e);
        subject.OnError(new InvalidOperationException("boom"));
        Assert.IsType<InvalidOperationException>(error);
    }

    [Fact]
    public void Arguments_are_checked_eagerly()
    {
        var source = Observable.Empty<Detection>();
        Assert.Throws<ArgumentNullException>(() => source.AggregateAlerts(null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.AggregateAlerts(EveryTime(), TimeSpan.Zero));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.AggregateAlerts(EveryTime(), maxActivities: 0));
    }
}

public class WriteToStoreObservableTests
{
    [Fact]
    public async Task Writes_every_change_to_the_store_in_order_before_passing_it_on()
    {
        var store = new InMemoryAlertStore();
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }]);
        var activities = Enumerable.Range(0, 10).Select(i => Act("a" + i, i)).ToObservable();

        var passed = await pipeline.Run(activities).WriteTo(store).ToList();

        Assert.Equal(10, passed.Count);
        foreach (var change in passed)
        {
            Assert.NotNull(await store.GetAsync(change.Alert.Id, TestContext.Current.CancellationToken));
        }
    }
}
