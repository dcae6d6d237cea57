using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>CorrelateIncidents</c> operator.</summary>
public static class CorrelateIncidentsObservable
{
    /// <summary>
    /// Groups alerts into incidents with an <see cref="IncidentCorrelator"/>: each alert change yields one incident
    /// change (<see cref="IncidentChangeKind.Opened"/>, <see cref="IncidentChangeKind.AlertAdded"/> or
    /// <see cref="IncidentChangeKind.AlertUpdated"/>) carrying the incident's new snapshot, in phase detected. Nothing
    /// closes incidents here, so nothing reopens; use an <see cref="IncidentManager"/> (the other overload) for the
    /// response phases.
    /// </summary>
    /// <param name="source">Alert changes, in event-time order (as the alert pipeline produces them).</param>
    /// <param name="options">The grouping rules; <see langword="null"/> for the defaults. Validated now; each
    /// subscription keeps its own copy and its own state.</param>
    /// <returns>A cold observable of incident changes. An exception while grouping ends the stream with <c>OnError</c>.</returns>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public static IObservable<IncidentChange> CorrelateIncidents(this IObservable<AlertChange> source, IncidentGroupingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        var copy = IncidentGroupingOptions.ValidatedCopy(options, nameof(options));
        return Observable.Create<IncidentChange>(observer =>
        {
            var correlator = new IncidentCorrelator(copy);
            return source.Subscribe(
                change =>
                {
                    IncidentChange result;
                    try
                    {
                        ArgumentNullException.ThrowIfNull(change);
                        result = correlator.Add(change.Alert);
                    }
#pragma warning disable CA1031 // Rx contract: failures end the stream with OnError.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        observer.OnError(ex);
                        return;
                    }

                    observer.OnNext(result);
                },
                observer.OnError,
                observer.OnCompleted);
        });
    }

    /// <summary>
    /// Feeds alert changes to an <see cref="IncidentManager"/> (<see cref="IncidentManager.CorrelateAsync(AlertChange, CancellationToken)"/>),
    /// one at a time in order, and passes on each resulting incident change once it is stored. A failure ends the
    /// stream with <c>OnError</c>.
    /// </summary>
    /// <param name="source">Alert changes.</param>
    /// <param name="manager">The manager.</param>
    /// <returns>The incident changes.</returns>
    public static IObservable<IncidentChange> CorrelateIncidents(this IObservable<AlertChange> source, IncidentManager manager)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(manager);
        return source
            .Select(change => Observable.FromAsync(ct => manager.CorrelateAsync(change, ct).AsTask()))
            .Concat();
    }
}
