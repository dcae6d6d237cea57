using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>DistinctCount</c> operator: distinct-count triggers over a stream of activities.</summary>
public static class DistinctCountObservable
{
    /// <summary>
    /// Per scope key, when an activity at time t that has a value for <paramref name="field"/> brings the number of
    /// distinct values of that field among the key's activities with time in (t − window, t] to
    /// <paramref name="count"/> or more, emits one <see cref="Detection"/> carrying, for each distinct value, the most
    /// recent activity with that value (in time order, equal times in arrival order), and the key starts again from
    /// zero. Activities without a value are not counted; values compare case-insensitively as text (<c>clientIp</c> in
    /// its normalised form). Runs on event time with the rules of <see cref="DistinctCounter{TItem}"/>.
    /// </summary>
    /// <param name="source">The activities, usually those that passed a policy's conditions.</param>
    /// <param name="field">A top-level field (<c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>,
    /// <c>operation</c>) or a key of the properties, as a <c>property</c> condition names it.</param>
    /// <param name="count">N, at least 1.</param>
    /// <param name="window">The sliding window, greater than zero.</param>
    /// <param name="scope">What the count is kept per; an activity without a scope value is counted under <c>""</c>
    /// and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.</param>
    /// <param name="options">Resolution, lateness, caps, diagnostics; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>A cold observable: each subscription has its own state. Detections have <see cref="Detection.HitCount"/>
    /// the number of distinct values and <see cref="Detection.Reason"/> a <see cref="DistinctValues"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="field"/> is empty, or <paramref name="options"/> are invalid.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> or <paramref name="window"/> is out of range.</exception>
    public static IObservable<Detection> DistinctCount(
        this IObservable<Activity> source,
        string field,
        int count,
        TimeSpan window,
        TriggerScope scope,
        WindowedTriggerOperatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentException.ThrowIfNullOrWhiteSpace(field);
        ArgumentNullException.ThrowIfNull(scope);
        var coreOptions = WindowedOperator.CoreOptions(options);
        _ = new DistinctCounter<Activity>(count, window, coreOptions); // arguments checked now, not at subscription
        var reader = ScopeKeys.Reader(scope);
        var scopeName = scope.ToString();
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new DistinctEvaluator(count, window, field, coreOptions, WindowedOperator.Reporter("Distinct", reader, scopeName, options));
            return source.SubscribeSafe(new WindowedOperator.Sink(observer, evaluator.Observe));
        });
    }
}
