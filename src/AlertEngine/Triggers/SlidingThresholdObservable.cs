using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>SlidingThreshold</c> operator: threshold triggers over a stream of activities.</summary>
public static class SlidingThresholdObservable
{
    /// <summary>
    /// Per scope key, when an activity at time t brings the number of activities with time in (t − window, t] to
    /// <paramref name="count"/> or more, emits one <see cref="Detection"/> carrying those activities, and that key's
    /// count starts again from zero. Runs on event time (<see cref="Activity.Time"/>), with the rules of
    /// <see cref="SlidingWindowCounter{TItem}"/>: times truncated to the resolution, late activities (beyond the allowed
    /// lateness) reported and not counted, idle keys evicted, a cap on tracked keys.
    /// </summary>
    /// <param name="source">The activities, usually those that passed a policy's conditions.</param>
    /// <param name="count">N, at least 1.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="scope">Reads an activity's scope key (compared with <see cref="SlidingWindowCounterOptions.KeyComparer"/>);
    /// <see langword="null"/> counts the activity under the key <c>""</c> and reports <see cref="DiagnosticKind.MissingScopeKey"/>.
    /// If it throws, the stream ends with that error.</param>
    /// <param name="options">Resolution, lateness, caps, diagnostics; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>
    /// A cold observable: each subscription has its own counts. Detections have <see cref="Detection.PolicyId"/>
    /// <see langword="null"/>, <see cref="Detection.Time"/> the time of the activity that completed them,
    /// <see cref="Detection.HitCount"/> N, and the most recent <see cref="SlidingWindowCounterOptions.MaxItemsPerDetection"/>
    /// activities that made the count, in time order.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="window"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public static IObservable<Detection> SlidingThreshold(
        this IObservable<Activity> source,
        int count,
        TimeSpan window,
        Func<Activity, string?> scope,
        SlidingThresholdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scope);
        return Create(source, count, window, scope, "custom", options);
    }

    /// <summary>
    /// <see cref="SlidingThreshold(IObservable{Activity}, int, TimeSpan, Func{Activity, string?}, SlidingThresholdOptions?)"/>
    /// with the key of a <see cref="TriggerScope"/>: the user id, <c>""</c> for the whole organization, property
    /// <c>MalwareFamily</c> or <c>Recipient</c>, or a named field or property. An activity without a value (or with an
    /// empty one) is counted under <c>""</c> and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.
    /// </summary>
    /// <param name="source">The activities, usually those that passed a policy's conditions.</param>
    /// <param name="count">N, at least 1.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="scope">What the count is kept per.</param>
    /// <param name="options">Resolution, lateness, caps, diagnostics; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>A cold observable of detections.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="window"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public static IObservable<Detection> SlidingThreshold(
        this IObservable<Activity> source,
        int count,
        TimeSpan window,
        TriggerScope scope,
        SlidingThresholdOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scope);
        return Create(source, count, window, ScopeKeys.Reader(scope), scope.ToString(), options);
    }

    private static IObservable<Detection> Create(
        IObservable<Activity> source,
        int count,
        TimeSpan window,
        Func<Activity, string?> scope,
        string scopeName,
        SlidingThresholdOptions? options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options?.ThrowIfInvalid(nameof(options));

        // Read the options once so later changes to the object do not change the operator.
        var counterOptions = new SlidingWindowCounterOptions { KeyComparer = StringComparer.OrdinalIgnoreCase };
        if (options is not null)
        {
            counterOptions.Resolution = options.Resolution;
            counterOptions.AllowedLateness = options.AllowedLateness;
            counterOptions.MaxTrackedKeys = options.MaxTrackedKeys;
            counterOptions.MaxItemsPerDetection = options.MaxItemsPerDetection;
            counterOptions.KeyComparer = options.KeyComparer;
        }

        var diagnostics = options?.Diagnostics;
        var logger = options?.Logger;
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new ThresholdEvaluator(count, window, scope, scopeName, counterOptions, null, diagnostics, logger);
            return source.SubscribeSafe(new Sink(observer, evaluator));
        });
    }

    /// <summary>Feeds one subscription's evaluator; user-code exceptions end the stream with <c>OnError</c>.</summary>
    private sealed class Sink(IObserver<Detection> observer, ThresholdEvaluator evaluator) : DetectionSink(observer)
    {
        protected override Detection? Observe(Activity activity) => evaluator.Observe(activity);
    }
}
