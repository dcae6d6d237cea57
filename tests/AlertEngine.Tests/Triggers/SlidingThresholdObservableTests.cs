using System.Reactive.Linq;
using System.Reactive.Subjects;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using Microsoft.Extensions.Logging;

namespace AlertEngine.Tests.Triggers;

public class SlidingThresholdObservableTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static Activity Act(string id, int second, string? user = "alice@contoso.com", IReadOnlyDictionary<string, string>? properties = null) =>
        new(id, T0.AddSeconds(second), "FileDeleted") { UserId = user, Properties = properties ?? new Dictionary<string, string>() };

    private static List<Detection> Run(IEnumerable<Activity> activities, Func<IObservable<Activity>, IObservable<Detection>> query) =>
        query(activities.ToObservable()).ToList().Wait().ToList();

    [Property(MaxTest = 200, Arbitrary = [typeof(ThresholdArbitraries)])]
    public Property Detections_equal_the_oracle_and_every_uncounted_activity_is_reported(ThresholdScenario scenario)
    {
        var activities = scenario.Activities();
        var counterOptions = scenario.CounterOptions();
        counterOptions.KeyComparer = StringComparer.OrdinalIgnoreCase;
        var diagnostics = new List<EngineDiagnostic>();
        var options = new SlidingThresholdOptions
        {
            Resolution = counterOptions.Resolution,
            AllowedLateness = counterOptions.AllowedLateness,
            MaxItemsPerDetection = counterOptions.MaxItemsPerDetection,
            Diagnostics = diagnostics.Add,
        };

        var actual = Run(activities, s => s.SlidingThreshold(scenario.Threshold, scenario.Window, TriggerScope.User, options)).Select(Describe).ToList();
        var expected = ThresholdOracle.Detections(activities, scenario.Threshold, scenario.Window, a => a.UserId, counterOptions).Select(Describe).ToList();
        var outcomes = ThresholdOracle.Run(
            activities.Select(a => new ThresholdEvent<Activity>(a.UserId ?? string.Empty, a.Time, a)), scenario.Threshold, scenario.Window, counterOptions);
        var notCounted = outcomes.Count(o => o.Outcome is SlidingWindowOutcome.Late or SlidingWindowOutcome.OutOfWindow);

        return (expected.SequenceEqual(actual)
                && diagnostics.Count(d => d.Kind == DiagnosticKind.Late) == notCounted
                && diagnostics.Count(d => d.Kind == DiagnosticKind.MissingScopeKey) == activities.Count(a => a.UserId is null))
            .Label(SlidingWindowCounterPropertyTests.Explain(expected, actual));
    }

    [Fact]
    public void Fires_once_per_n_activities_of_a_user_and_carries_them()
    {
        var detections = Run(
            [Act("a1", 0), Act("b1", 1, "bob"), Act("a2", 2), Act("a3", 3), Act("a4", 4)],
            s => s.SlidingThreshold(3, TimeSpan.FromMinutes(1), TriggerScope.User));

        var d = Assert.Single(detections);
        Assert.Equal(["a1", "a2", "a3"], d.Activities.Select(a => a.Id));
        Assert.Equal(3, d.HitCount);
        Assert.Equal("a3", d.TriggeringActivity.Id);
        Assert.Equal(T0.AddSeconds(3), d.Time);
        Assert.Equal("alice@contoso.com", d.ScopeKey);
        Assert.Null(d.PolicyId);
    }

    [Fact]
    public void Scope_keys_compare_case_insensitively()
    {
        var detections = Run(
            [Act("a", 0, "Alice@Contoso.com"), Act("b", 1, "alice@contoso.com")],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Equal("alice@contoso.com", Assert.Single(detections).ScopeKey);
    }

    [Fact]
    public void Organization_scope_counts_every_user_together_under_the_empty_key_without_reporting_it()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var detections = Run(
            [Act("a", 0), Act("b", 1, "bob"), Act("c", 2, null)],
            s => s.SlidingThreshold(3, TimeSpan.FromMinutes(1), TriggerScope.Organization, new SlidingThresholdOptions { Diagnostics = diagnostics.Add }));

        var d = Assert.Single(detections);
        Assert.Equal(string.Empty, d.ScopeKey);
        Assert.Equal(["a", "b", "c"], d.Activities.Select(a => a.Id));
        Assert.Empty(diagnostics);
    }

    [Fact]
    public void An_activity_without_a_scope_value_is_counted_under_the_empty_key_and_reported()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var detections = Run(
            [Act("a", 0, null), Act("b", 1, ""), Act("c", 2, "carol")],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions { Diagnostics = diagnostics.Add }));

        var d = Assert.Single(detections);
        Assert.Equal(string.Empty, d.ScopeKey);
        Assert.Equal(["a", "b"], d.Activities.Select(a => a.Id));
        Assert.Equal(["a", "b"], diagnostics.Select(x => x.ActivityId));
        Assert.All(diagnostics, x => Assert.Equal(DiagnosticKind.MissingScopeKey, x.Kind));
        Assert.Contains("'user'", diagnostics[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_custom_scope_returning_null_is_counted_under_the_empty_key_and_reported()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var detections = Run(
            [Act("a", 0), Act("b", 1)],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), _ => null, new SlidingThresholdOptions { Diagnostics = diagnostics.Add }));

        Assert.Equal(string.Empty, Assert.Single(detections).ScopeKey);
        Assert.Equal(2, diagnostics.Count(x => x.Kind == DiagnosticKind.MissingScopeKey));
    }

    [Theory]
    [InlineData("malwareFamily", "MalwareFamily")]
    [InlineData("recipient", "Recipient")]
    [InlineData("property:Workload", null)]
    public void Counts_per_value_of_the_scope_property(string scopeText, string? property)
    {
        Assert.True(TriggerScope.TryParse(scopeText, out var scope));
        Activity With(string id, string value) => property is null
            ? new Activity(id, T0, "MalwareDetected") { Workload = value }
            : new Activity(id, T0, "MalwareDetected") { Properties = new Dictionary<string, string> { [property] = value } };

        var detections = Run(
            [With("a", "Emotet"), With("b", "Qakbot"), With("c", "emotet")],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), scope));

        var d = Assert.Single(detections);
        Assert.Equal("emotet", d.ScopeKey);
        Assert.Equal(["a", "c"], d.Activities.Select(a => a.Id));
    }

    [Fact]
    public void Late_activities_are_reported_through_diagnostics_and_the_logger_and_not_counted()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var logger = new ListLogger();
        var detections = Run(
            [Act("a", 10), Act("late", 5), Act("b", 11)],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions
            {
                Diagnostics = diagnostics.Add,
                Logger = logger,
            }));

        Assert.Equal(["a", "b"], Assert.Single(detections).Activities.Select(a => a.Id));
        var late = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.Late, late.Kind);
        Assert.Equal("late", late.ActivityId);
        Assert.Contains("allowed lateness", late.Message, StringComparison.Ordinal);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("late", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Activities_within_the_allowed_lateness_are_counted_at_their_own_time()
    {
        var detections = Run(
            [Act("a", 10), Act("b", 8), Act("c", 9)],
            s => s.SlidingThreshold(3, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions { AllowedLateness = TimeSpan.FromSeconds(5) }));

        Assert.Equal(["b", "c", "a"], Assert.Single(detections).Activities.Select(a => a.Id));
    }

    [Fact]
    public void A_new_key_beyond_the_cap_is_reported_and_not_counted()
    {
        var diagnostics = new List<EngineDiagnostic>();
        var detections = Run(
            [Act("a", 0, "alice"), Act("b", 1, "bob"), Act("b2", 2, "bob")],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions
            {
                MaxTrackedKeys = 1,
                Diagnostics = diagnostics.Add,
            }));

        Assert.Empty(detections);
        Assert.Equal([DiagnosticKind.KeyCapExceeded, DiagnosticKind.KeyCapExceeded], diagnostics.Select(d => d.Kind));
    }

    [Fact]
    public void Caps_the_activity_list_but_not_the_hit_count()
    {
        var detections = Run(
            Enumerable.Range(0, 5).Select(i => Act("a" + i, i)),
            s => s.SlidingThreshold(5, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions { MaxItemsPerDetection = 2 }));

        var d = Assert.Single(detections);
        Assert.Equal(5, d.HitCount);
        Assert.Equal(["a3", "a4"], d.Activities.Select(a => a.Id));
    }

    [Fact]
    public void A_throwing_scope_ends_the_stream_with_its_error_and_unsubscribes()
    {
        using var subject = new Subject<Activity>();
        var boom = new InvalidOperationException("boom");
        var results = new List<string>();
        using var subscription = subject
            .SlidingThreshold(1, TimeSpan.FromMinutes(1), a => a.Id == "bad" ? throw boom : a.UserId)
            .Subscribe(d => results.Add(d.TriggeringActivity.Id), e => results.Add("error:" + e.Message), () => results.Add("completed"));

        subject.OnNext(Act("a", 0));
        subject.OnNext(Act("bad", 1));
        subject.OnNext(Act("c", 2));

        Assert.Equal(["a", "error:boom"], results);
        Assert.False(subject.HasObservers);
    }

    [Fact]
    public void A_throwing_diagnostics_callback_ends_the_stream_with_its_error()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Run(
            [Act("a", 10), Act("late", 5)],
            s => s.SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions
            {
                Diagnostics = _ => throw new InvalidOperationException("sink down"),
            })));
        Assert.Equal("sink down", error.Message);
    }

    [Fact]
    public void Each_subscription_has_its_own_counts()
    {
        using var subject = new Subject<Activity>();
        var query = subject.SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User);
        var first = new List<Detection>();
        var second = new List<Detection>();
        using var s1 = query.Subscribe(first.Add);
        subject.OnNext(Act("a", 0));
        using var s2 = query.Subscribe(second.Add);
        subject.OnNext(Act("b", 1));

        Assert.Single(first);
        Assert.Empty(second);
    }

    [Fact]
    public void Completion_and_errors_of_the_source_pass_through()
    {
        var failed = Observable.Throw<Activity>(new InvalidOperationException("source failed"))
            .SlidingThreshold(1, TimeSpan.FromMinutes(1), TriggerScope.User);
        Assert.Equal("source failed", Assert.Throws<InvalidOperationException>(() => failed.ToList().Wait()).Message);
        Assert.Empty(Observable.Empty<Activity>().SlidingThreshold(1, TimeSpan.FromMinutes(1), TriggerScope.User).ToList().Wait());
    }

    [Fact]
    public void Rejects_invalid_arguments_when_the_operator_is_built()
    {
        var source = Observable.Empty<Activity>();
        Assert.Throws<ArgumentOutOfRangeException>(() => source.SlidingThreshold(0, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Throws<ArgumentOutOfRangeException>(() => source.SlidingThreshold(1, TimeSpan.Zero, TriggerScope.User));
        Assert.Throws<ArgumentNullException>(() => source.SlidingThreshold(1, TimeSpan.FromMinutes(1), (Func<Activity, string?>)null!));
        Assert.Throws<ArgumentNullException>(() => ((IObservable<Activity>)null!).SlidingThreshold(1, TimeSpan.FromMinutes(1), TriggerScope.User));
        Assert.Throws<ArgumentException>(() => source.SlidingThreshold(1, TimeSpan.FromMinutes(1), TriggerScope.User, new SlidingThresholdOptions { MaxTrackedKeys = 0 }));
    }

    [Fact]
    public void Reads_the_options_once_when_the_operator_is_built()
    {
        var options = new SlidingThresholdOptions { MaxItemsPerDetection = 1 };
        var query = new[] { Act("a", 0), Act("b", 1) }.ToObservable().SlidingThreshold(2, TimeSpan.FromMinutes(1), TriggerScope.User, options);
        options.MaxItemsPerDetection = 5;
        Assert.Equal(["b"], Assert.Single(query.ToList().Wait()).Activities.Select(a => a.Id));
    }

    private static string Describe(Detection d) =>
        $"{d.Time:O} {d.TriggeringActivity.Id} {d.ScopeKey} x{d.HitCount} [{string.Join(",", d.Activities.Select(a => a.Id))}]";

    private sealed class ListLogger : ILogger
    {
        public List<(LogLevel Level, string Message)> Entries { get; } = [];

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Entries.Add((logLevel, formatter(state, exception)));
    }
}
