using System.Reactive.Subjects;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Testing;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

/// <summary>
/// An exception thrown by an observer of Changes, Diagnostics or EarlyWarnings does not stop evaluation of the other
/// policies, does not leave the activity half-processed, and is reported.
/// </summary>
public class ObserverIsolationTests
{
    private static AlertPolicy NoAggregation(string id) => EveryTime(id) with { Aggregation = new(AggregationMode.None) };

    private static AlertPolicy ByUser(string id, bool earlyWarning = false) => EveryTime(id) with
    {
        Trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(10), TriggerScope.User),
        Aggregation = new(AggregationMode.None),
        Notification = new NotificationSettings(true, ["soc@contoso.com"]) { EarlyWarning = earlyWarning },
    };

    private static Action<T> Throwing<T>(List<T>? seen = null) => value =>
    {
        seen?.Add(value);
        throw new InvalidOperationException("observer broke");
    };

    [Fact]
    public void A_throwing_changes_observer_does_not_stop_the_other_policies_or_later_activities()
    {
        using var pipeline = new AlertPipeline([NoAggregation("p1"), NoAggregation("p2")]);
        var received = new List<string>();
        using var thrower = pipeline.Changes.Subscribe(Throwing<AlertChange>());
        using var recorder = pipeline.Changes.Subscribe(c => received.Add(c.Alert.Id));

        var first = pipeline.Process(Act("a1", 0));
        var second = pipeline.Process(Act("a2", 1));

        Assert.Equal(["p1:a1", "p2:a1"], first.Select(c => c.Alert.Id));
        Assert.Equal(["p1:a2", "p2:a2"], second.Select(c => c.Alert.Id));
        Assert.Equal(["p1:a1", "p2:a1", "p1:a2", "p2:a2"], received);
        Assert.Equal(4, pipeline.Statistics.Detections);
    }

    [Fact]
    public void A_throwing_changes_observer_leaves_the_activity_fully_processed()
    {
        using var pipeline = new AlertPipeline([NoAggregation("p1"), NoAggregation("p2")]);
        using var thrower = pipeline.Changes.Subscribe(Throwing<AlertChange>());

        pipeline.Process(Act("a1", 0));

        // Both policies evaluated a1, and a1 is in the duplicate filter only because it was fully processed.
        Assert.Equal(2, pipeline.Statistics.AlertsCreated);
        Assert.Empty(pipeline.Process(Act("a1", 0)));
        Assert.Equal(1, pipeline.Statistics.Duplicates);
    }

    [Fact]
    public void A_throwing_changes_observer_is_counted_logged_reported_and_unsubscribed()
    {
        var logger = new FakeLogger();
        using var pipeline = new AlertPipeline([NoAggregation("p1"), NoAggregation("p2")], logger: logger);
        var diagnostics = new List<EngineDiagnostic>();
        using var diagnosticsSubscription = pipeline.Diagnostics.Subscribe(diagnostics.Add);
        var seen = new List<AlertChange>();
        using var thrower = pipeline.Changes.Subscribe(Throwing(seen));

        pipeline.Process(Act("a1", 0));
        pipeline.Process(Act("a2", 1));

        // The Rx rule: an observer that threw is unsubscribed, so it saw (and failed on) one change only.
        Assert.Equal(["p1:a1"], seen.Select(c => c.Alert.Id));
        Assert.Equal(1, pipeline.Statistics.ObserverErrors);
        Assert.Equal(0, pipeline.Statistics.EvaluationErrors);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.ObserverError, diagnostic.Kind);
        Assert.Equal("a1", diagnostic.ActivityId);
        Assert.Equal("p1", diagnostic.PolicyId);
        Assert.Equal("an observer of Changes threw InvalidOperationException: observer broke", diagnostic.Message);
        var log = Assert.Single(logger.Collector.GetSnapshot(), r => r.Id.Id == 1007);
        Assert.Equal(LogLevel.Error, log.Level);
        Assert.IsType<InvalidOperationException>(log.Exception);
        Assert.Equal("An observer of Changes threw while handling activity a1; evaluation went on", log.Message);
    }

    [Fact]
    public void A_throwing_diagnostics_observer_does_not_stop_the_policy_that_reported_nor_the_others()
    {
        // A missing user makes the threshold policy report MissingScopeKey while it evaluates the activity.
        using var pipeline = new AlertPipeline([ByUser("t"), NoAggregation("e")]);
        using var thrower = pipeline.Diagnostics.Subscribe(Throwing<EngineDiagnostic>());

        var first = pipeline.Process(Act("n1", 0, user: null));
        var second = pipeline.Process(Act("n2", 1, user: null));

        Assert.Equal(["e:n1"], first.Select(c => c.Alert.Id));
        Assert.Equal(["t:n2", "e:n2"], second.Select(c => c.Alert.Id));   // t counted both activities under the key ""
        Assert.Equal(0, pipeline.Statistics.EvaluationErrors);
    }

    [Fact]
    public void A_throwing_diagnostics_observer_is_counted_and_logged_but_not_fed_its_own_failure()
    {
        var logger = new FakeLogger();
        using var pipeline = new AlertPipeline([ByUser("t")], logger: logger);
        var thrown = new List<EngineDiagnostic>();
        var received = new List<EngineDiagnostic>();
        using var thrower = pipeline.Diagnostics.Subscribe(Throwing(thrown));
        using var recorder = pipeline.Diagnostics.Subscribe(received.Add);

        pipeline.Process(Act("n1", 0, user: null));

        Assert.Equal([DiagnosticKind.MissingScopeKey], thrown.Select(d => d.Kind));
        Assert.Equal([DiagnosticKind.MissingScopeKey], received.Select(d => d.Kind));   // the other observer still got it
        Assert.Equal(1, pipeline.Statistics.ObserverErrors);
        Assert.Equal(1, pipeline.Statistics.Diagnostics);
        Assert.Contains(logger.Collector.GetSnapshot(), r => r.Id.Id == 1007 && r.Message.Contains("Diagnostics", StringComparison.Ordinal));
    }

    [Fact]
    public void A_throwing_early_warnings_observer_is_not_a_policy_evaluation_error_and_others_still_get_the_warning()
    {
        using var pipeline = new AlertPipeline([ByUser("t", earlyWarning: true), NoAggregation("e")]);
        var diagnostics = new List<EngineDiagnostic>();
        using var diagnosticsSubscription = pipeline.Diagnostics.Subscribe(diagnostics.Add);
        using var thrower = pipeline.EarlyWarnings.Subscribe(Throwing<EarlyWarning>());
        var warnings = new List<string>();
        using var recorder = pipeline.EarlyWarnings.Subscribe(w => warnings.Add(w.Activity.Id));

        var first = pipeline.Process(Act("a1", 0));
        var second = pipeline.Process(Act("a2", 1));

        Assert.Equal(["e:a1"], first.Select(c => c.Alert.Id));
        Assert.Equal(["t:a2", "e:a2"], second.Select(c => c.Alert.Id));
        Assert.Equal(["a1"], warnings);
        Assert.Equal(0, pipeline.Statistics.EvaluationErrors);
        Assert.DoesNotContain(diagnostics, d => d.Kind == DiagnosticKind.EvaluationError);
    }

    [Fact]
    public void A_throwing_early_warnings_observer_is_counted_and_reported()
    {
        using var pipeline = new AlertPipeline([ByUser("t", earlyWarning: true)]);
        var diagnostics = new List<EngineDiagnostic>();
        using var diagnosticsSubscription = pipeline.Diagnostics.Subscribe(diagnostics.Add);
        using var thrower = pipeline.EarlyWarnings.Subscribe(Throwing<EarlyWarning>());

        pipeline.Process(Act("a1", 0));

        Assert.Equal(1, pipeline.Statistics.ObserverErrors);
        var diagnostic = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.ObserverError, diagnostic.Kind);
        Assert.Equal("a1", diagnostic.ActivityId);
        Assert.Equal("t", diagnostic.PolicyId);
        Assert.StartsWith("an observer of EarlyWarnings threw", diagnostic.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Observers_that_throw_on_every_stream_at_once_end_without_a_loop_and_every_change_is_returned()
    {
        using var pipeline = new AlertPipeline([ByUser("t", earlyWarning: true), NoAggregation("e1"), NoAggregation("e2")]);
        using var changes = pipeline.Changes.Subscribe(Throwing<AlertChange>());
        using var diagnostics = pipeline.Diagnostics.Subscribe(Throwing<EngineDiagnostic>());
        using var warnings = pipeline.EarlyWarnings.Subscribe(Throwing<EarlyWarning>());

        var first = pipeline.Process(Act("a1", 0));
        var second = pipeline.Process(Act("a2", 1));

        Assert.Equal(["e1:a1", "e2:a1"], first.Select(c => c.Alert.Id));
        Assert.Equal(["t:a2", "e1:a2", "e2:a2"], second.Select(c => c.Alert.Id));
        // The early-warnings observer failed (reported, and the diagnostics observer failed on that report), then the
        // changes observer failed (reported; the diagnostics observer is already gone).
        Assert.Equal(3, pipeline.Statistics.ObserverErrors);
        Assert.Equal(0, pipeline.Statistics.EvaluationErrors);
        Assert.Equal(2, pipeline.Statistics.Diagnostics);
    }

    [Fact]
    public void Observers_that_keep_throwing_as_raw_observers_are_isolated_every_time()
    {
        // A raw IObserver subscribed with a plain Subscribe call, still unsubscribed by Rx after its first failure.
        using var pipeline = new AlertPipeline([NoAggregation("p1")]);
        var observer = new ThrowingObserver();
        using var subscription = pipeline.Changes.Subscribe(observer);

        Assert.Single(pipeline.Process(Act("a1", 0)));
        Assert.Single(pipeline.Process(Act("a2", 1)));

        Assert.Equal(1, observer.Calls);
        Assert.Equal(1, pipeline.Statistics.ObserverErrors);
    }

    [Fact]
    public void A_stream_subscriber_that_throws_gets_the_exception_only_after_the_activity_was_fully_processed()
    {
        using var pipeline = new AlertPipeline([NoAggregation("p1"), NoAggregation("p2")]);
        var source = new Subject<Activity>();
        var recorded = new List<string>();
        using var changes = pipeline.Changes.Subscribe(c => recorded.Add(c.Alert.Id));
        using var run = pipeline.Run(source).Subscribe(Throwing<AlertChange>());

        Assert.Throws<InvalidOperationException>(() => source.OnNext(Act("a1", 0)));

        Assert.Equal(["p1:a1", "p2:a1"], recorded);
        Assert.Equal(2, pipeline.Statistics.AlertsCreated);
    }

    [Fact]
    public void A_throwing_completion_at_dispose_is_counted_and_dispose_completes()
    {
        var pipeline = new AlertPipeline([NoAggregation("p1")]);
        var completed = false;
        using var thrower = pipeline.Changes.Subscribe(_ => { }, () => throw new InvalidOperationException("completion broke"));
        using var other = pipeline.Diagnostics.Subscribe(_ => { }, () => completed = true);

        pipeline.Dispose();

        Assert.True(completed);
        Assert.Equal(1, pipeline.Statistics.ObserverErrors);
    }

    private sealed class ThrowingObserver : IObserver<AlertChange>
    {
        public int Calls { get; private set; }

        public void OnNext(AlertChange value)
        {
            Calls++;
            throw new InvalidOperationException("raw observer broke");
        }

        public void OnError(Exception error)
        {
        }

        public void OnCompleted()
        {
        }
    }
}
