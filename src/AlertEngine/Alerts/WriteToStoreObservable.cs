using System.Reactive.Disposables;
using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace AlertEngine;

/// <summary>The <c>WriteTo</c> operator.</summary>
public static class WriteToStoreObservable
{
    /// <summary>
    /// Writes each change's alert to <paramref name="store"/>, one at a time in order, and passes the change on once
    /// it is stored. A store failure ends the stream with <c>OnError</c>; use the engine facade of the DI package for
    /// retries that never stop detection.
    /// </summary>
    /// <remarks>
    /// Rx cannot slow a source down, so changes that arrive while the store is still writing an earlier one wait in a
    /// buffer. The buffer is bounded: when more than <paramref name="maxBuffered"/> changes are received and not yet
    /// stored, the stream ends with an <see cref="InvalidOperationException"/> (the store cannot keep up) instead of
    /// growing without limit. The write in progress is cancelled; the changes not passed on were not confirmed stored.
    /// </remarks>
    /// <param name="source">Alert changes.</param>
    /// <param name="store">The store.</param>
    /// <param name="maxBuffered">How many changes may be received and not yet stored (the one being written included);
    /// at least 1. Default 10,000.</param>
    /// <returns>The changes, after they were stored.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxBuffered"/> is less than 1.</exception>
    public static IObservable<AlertChange> WriteTo(this IObservable<AlertChange> source, IAlertStore store, int maxBuffered = 10_000)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(store);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBuffered, 1);
        return Observable.Create<AlertChange>(observer =>
        {
            var buffered = 0; // per subscription: received and not yet stored
            var overflow = new Subject<AlertChange>();
            var writes = source
                .Do(_ =>
                {
                    if (Interlocked.Increment(ref buffered) > maxBuffered)
                    {
                        // Concat would hold an error back until the write in progress ends; Merge forwards it at once.
                        overflow.OnError(new InvalidOperationException(
                            $"The alert store cannot keep up: more than {maxBuffered} alert changes are waiting to be written (WriteTo's maxBuffered)."));
                    }
                })
                .Select(change => Observable.FromAsync(async ct =>
                {
                    await store.UpsertAsync(change.Alert, ct).ConfigureAwait(false);
                    Interlocked.Decrement(ref buffered);
                    return change;
                }))
                .Concat()
                .Do(static _ => { }, overflow.OnCompleted); // the merged stream completes with the writes
            return new CompositeDisposable(writes.Merge(overflow).Subscribe(observer), overflow);
        });
    }
}
