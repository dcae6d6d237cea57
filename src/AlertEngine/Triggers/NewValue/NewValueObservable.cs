using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>NewValues</c> operator: new-value triggers over a stream of activities.</summary>
public static class NewValueObservable
{
    /// <summary>
    /// Per scope key, emits one <see cref="Detection"/> carrying an activity at time t with value v for
    /// <paramref name="field"/> when no earlier activity of the key had value v (case-insensitively; <c>clientIp</c> in
    /// its normalised text form) at a time in (t − lookback, t], unless t &lt; (time of the key's first activity with a
    /// value) + learning period. Activities without a value (missing or empty) are ignored. Runs on event time
    /// (<see cref="Activity.Time"/>) with the rules of <see cref="NewValueTracker"/> (per-key caps, values forgotten after
    /// the lookback).
    /// </summary>
    /// <param name="source">The activities, usually those that passed a policy's conditions.</param>
    /// <param name="field">A top-level field (<c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>,
    /// <c>operation</c>) or a key of the properties.</param>
    /// <param name="scope">What the seen values are kept per; an activity without a scope value is counted under the key
    /// <c>""</c> and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.</param>
    /// <param name="lookback">How long a value is remembered; greater than zero (the trigger's default is
    /// <see cref="NewValueTrigger.DefaultLookback"/>).</param>
    /// <param name="learningPeriod">How long after a key's first value nothing fires; zero or more (the trigger's default
    /// is <see cref="NewValueTrigger.DefaultLearningPeriod"/>).</param>
    /// <param name="options">Caps and key comparer; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <param name="diagnostics">Receives missing scope keys, key-cap and value-cap overflows; optional. If it throws,
    /// the stream ends with that error.</param>
    /// <returns>
    /// A cold observable: each subscription has its own state. Detections have <see cref="Detection.PolicyId"/>
    /// <see langword="null"/>, <see cref="Detection.Time"/> the activity's time, the activity as their only one, and
    /// <see cref="Detection.Reason"/> a <see cref="NewValueSeen"/> with the value and the key's first-seen time.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/>, <paramref name="field"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lookback"/> or <paramref name="learningPeriod"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="field"/> is blank, or <paramref name="options"/> are invalid.</exception>
    public static IObservable<Detection> NewValues(
        this IObservable<Activity> source,
        string field,
        TriggerScope scope,
        TimeSpan lookback,
        TimeSpan learningPeriod,
        NewValueTrackerOptions? options = null,
        Action<EngineDiagnostic>? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lookback, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(learningPeriod, TimeSpan.Zero);
        options?.ThrowIfInvalid(nameof(options));

        // Read the options once so later changes to the object do not change the operator.
        var copy = new NewValueTrackerOptions();
        if (options is not null)
        {
            copy.MaxTrackedKeys = options.MaxTrackedKeys;
            copy.MaxValuesPerKey = options.MaxValuesPerKey;
            copy.KeyComparer = options.KeyComparer;
        }

        var reader = ScopeKeys.Reader(scope);
        var scopeName = scope.ToString();
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new NewValueEvaluator(field, lookback, learningPeriod, reader, scopeName, copy, null, diagnostics);
            return source.SubscribeSafe(new Sink(observer, evaluator));
        });
    }

    /// <summary>Feeds one subscription's evaluator; user-code exceptions end the stream with <c>OnError</c>.</summary>
    private sealed class Sink(IObserver<Detection> observer, NewValueEvaluator evaluator) : DetectionSink(observer)
    {
        protected override Detection? Observe(Activity activity) => evaluator.Observe(activity);
    }
}
