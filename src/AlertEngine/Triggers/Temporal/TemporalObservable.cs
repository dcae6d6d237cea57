using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>Temporal</c> operator: temporal-proximity triggers (Sigma's <c>temporal</c> and
/// <c>temporal_ordered</c>) over a stream of activities.</summary>
public static class TemporalObservable
{
    /// <summary>
    /// Per scope key, emits one <see cref="Detection"/> when the activities since the key's last detection, with time
    /// within <paramref name="window"/> of the key's newest time, fulfil every one of <paramref name="steps"/> — in any
    /// order, or in the given order when <paramref name="ordered"/> — and the key starts again. Runs on event time with
    /// the rules of <see cref="TemporalTracker{TItem}"/>; an activity that fulfils no step is ignored.
    /// </summary>
    /// <param name="source">The activities.</param>
    /// <param name="steps">The step conditions (1 to <see cref="TemporalTrigger.MaxSteps"/>), compiled once.</param>
    /// <param name="ordered">Whether the steps must be fulfilled in order.</param>
    /// <param name="window">The window, greater than zero.</param>
    /// <param name="scope">What the steps are tracked per; an activity without a scope value is tracked under <c>""</c>
    /// and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.</param>
    /// <param name="options">Lateness, caps, diagnostics; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>A cold observable: each subscription has its own state.</returns>
    /// <exception cref="ArgumentNullException">An argument is null.</exception>
    /// <exception cref="ArgumentException">A step is malformed or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The number of steps or <paramref name="window"/> is out of range.</exception>
    public static IObservable<Detection> Temporal(
        this IObservable<Activity> source,
        IReadOnlyList<Condition> steps,
        bool ordered,
        TimeSpan window,
        TriggerScope scope,
        WindowedTriggerOperatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(steps);
        ArgumentNullException.ThrowIfNull(scope);
        var compiled = new Func<Activity, bool>[steps.Count];
        for (var i = 0; i < compiled.Length; i++)
        {
            compiled[i] = ConditionCompiler.Compile(steps[i] ?? throw new ArgumentException("A step is null.", nameof(steps)));
        }

        var coreOptions = WindowedOperator.CoreOptions(options);
        _ = new TemporalTracker<Activity>(compiled.Length, ordered, window, coreOptions); // arguments checked now
        var reader = ScopeKeys.Reader(scope);
        var scopeName = scope.ToString();
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new TemporalEvaluator(compiled, ordered, window, coreOptions, WindowedOperator.Reporter("Temporal", reader, scopeName, options));
            return source.SubscribeSafe(new WindowedOperator.Sink(observer, evaluator.Observe));
        });
    }
}
