using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>AggregateAlerts</c> operator.</summary>
public static class AggregateAlertsObservable
{
    /// <summary>
    /// Aggregates the detections of one policy into alerts with <see cref="AlertAggregator"/>: a detection at time t
    /// joins the open alert when t &lt; its creation time + <paramref name="interval"/>, otherwise it opens a new alert.
    /// </summary>
    /// <param name="source">The policy's detections, in event-time order.</param>
    /// <param name="policy">The policy; its id, name, severity, category and aggregation mode are copied onto the alerts.</param>
    /// <param name="interval">The aggregation interval; <see langword="null"/> takes the policy's, else 1 minute (advanced plan).</param>
    /// <param name="maxActivities">Cap on each alert's activity list; the hit count is never capped.</param>
    /// <returns>A cold observable of alert changes; each subscription has its own state. An exception thrown while
    /// aggregating ends the stream with <c>OnError</c>.</returns>
    public static IObservable<AlertChange> AggregateAlerts(
        this IObservable<Detection> source,
        AlertPolicy policy,
        TimeSpan? interval = null,
        int maxActivities = 1000)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(policy);
        var effective = interval ?? AlertAggregator.ResolveInterval(policy, Plan.E5);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(effective, TimeSpan.Zero, nameof(interval));
        ArgumentOutOfRangeException.ThrowIfLessThan(maxActivities, 1);

        return Observable.Create<AlertChange>(observer =>
        {
            var aggregator = new AlertAggregator(policy, effective, maxActivities);
            return source.Subscribe(
                detection =>
                {
                    AlertChange change;
                    try
                    {
                        change = aggregator.Add(detection);
                    }
#pragma warning disable CA1031 // Rx contract: failures end the stream with OnError.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        observer.OnError(ex);
                        return;
                    }

                    observer.OnNext(change);
                },
                observer.OnError,
                observer.OnCompleted);
        });
    }
}
