using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>WriteTo</c> operator.</summary>
public static class WriteToStoreObservable
{
    /// <summary>
    /// Writes each change's alert to <paramref name="store"/>, one at a time in order, and passes the change on once
    /// it is stored. A store failure ends the stream with <c>OnError</c>; use the engine facade of the DI package for
    /// retries that never stop detection.
    /// </summary>
    /// <param name="source">Alert changes.</param>
    /// <param name="store">The store.</param>
    /// <returns>The changes, after they were stored.</returns>
    public static IObservable<AlertChange> WriteTo(this IObservable<AlertChange> source, IAlertStore store)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(store);
        return source
            .Select(change => Observable.FromAsync(async ct =>
            {
                await store.UpsertAsync(change.Alert, ct).ConfigureAwait(false);
                return change;
            }))
            .Concat();
    }
}
