using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>SlidingSum</c> operator: sum triggers over a stream of activities.</summary>
public static class SlidingSumObservable
{
    /// <summary>
    /// Per scope key, when an activity at time t with a numeric value for <paramref name="field"/> (a finite
    /// invariant-culture number) brings the key's sum over (t − window, t] to <paramref name="threshold"/> or more, emits
    /// one <see cref="Detection"/> carrying those activities, and the key starts again from zero. An activity without a
    /// value is not counted; a non-numeric value is not counted and is reported as
    /// <see cref="DiagnosticKind.NonNumericValue"/>. Runs on event time with the rules of
    /// <see cref="SlidingWindowSum{TItem}"/>.
    /// </summary>
    /// <param name="source">The activities, usually those that passed a policy's conditions.</param>
    /// <param name="field">A top-level field or a key of the properties, as a <c>property</c> condition names it.</param>
    /// <param name="threshold">X, a finite number.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="scope">What the sum is kept per; an activity without a scope value is counted under <c>""</c>
    /// and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.</param>
    /// <param name="options">Resolution, lateness, caps, diagnostics; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>A cold observable: each subscription has its own state. Detections have <see cref="Detection.HitCount"/>
    /// the number of activities summed and <see cref="Detection.Reason"/> a <see cref="SumTotal"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="field"/> is empty, or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="threshold"/> or <paramref name="window"/> is out of range.</exception>
    public static IObservable<Detection> SlidingSum(
        this IObservable<Activity> source,
        string field,
        double threshold,
        TimeSpan window,
        TriggerScope scope,
        WindowedTriggerOperatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        ArgumentNullException.ThrowIfNull(scope);
        var coreOptions = WindowedOperator.CoreOptions(options);
        _ = new SlidingWindowSum<Activity>(threshold, window, coreOptions); // arguments checked now, not at subscription
        var reader = ScopeKeys.Reader(scope);
        var scopeName = scope.ToString();
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new SumEvaluator(threshold, window, field, coreOptions, WindowedOperator.Reporter("Sum", reader, scopeName, options));
            return source.SubscribeSafe(new WindowedOperator.Sink(observer, evaluator.Observe));
        });
    }
}
