using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>Spike</c> operator: spike triggers over a stream of activities.</summary>
public static class SpikeObservable
{
    /// <summary>
    /// Per scope key, at an activity at time t let cur = the key's activities with time in (t − window, t] and ref =
    /// those in (t − 2·window, t − window]. Emits one <see cref="Detection"/>, carrying cur's activities, when
    /// cur ≥ <paramref name="minCount"/>, ref ≥ <paramref name="minReference"/> and cur ≥ <paramref name="ratio"/> × ref;
    /// after it the key does not fire again for activities with time &lt; t + window (counting goes on). Runs on event
    /// time with the rules of <see cref="SpikeCounter{TItem}"/>.
    /// </summary>
    /// <param name="source">The activities, usually those that passed a policy's conditions.</param>
    /// <param name="ratio">R, a finite number greater than 1.</param>
    /// <param name="window">The window, greater than zero.</param>
    /// <param name="scope">What the counts are kept per; an activity without a scope value is counted under <c>""</c>
    /// and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.</param>
    /// <param name="minCount">M, at least 1; default 1.</param>
    /// <param name="minReference">K, at least 1; default 1.</param>
    /// <param name="options">Resolution, lateness, caps, diagnostics; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <returns>A cold observable: each subscription has its own state. Detections have <see cref="Detection.HitCount"/>
    /// cur and <see cref="Detection.Reason"/> a <see cref="SpikeCounts"/>.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A number is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid.</exception>
    public static IObservable<Detection> Spike(
        this IObservable<Activity> source,
        double ratio,
        TimeSpan window,
        TriggerScope scope,
        int minCount = 1,
        int minReference = 1,
        WindowedTriggerOperatorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scope);
        var coreOptions = WindowedOperator.CoreOptions(options);
        _ = new SpikeCounter<Activity>(ratio, window, minCount, minReference, coreOptions); // arguments checked now
        var reader = ScopeKeys.Reader(scope);
        var scopeName = scope.ToString();
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new SpikeEvaluator(ratio, window, minCount, minReference, coreOptions, WindowedOperator.Reporter("Spike", reader, scopeName, options));
            return source.SubscribeSafe(new WindowedOperator.Sink(observer, evaluator.Observe));
        });
    }
}
