using System.Reactive.Subjects;

namespace AlertEngine;

/// <summary>
/// A hot subject whose observers are isolated from each other and from the producer: an exception thrown by one
/// observer's <c>OnNext</c> or <c>OnCompleted</c> is caught and handed to <c>onFault</c> with the value being delivered
/// (<see langword="default"/> for completion); the other observers still receive the value and the producer goes on.
/// Not thread-safe on its own: the pipeline calls it under its lock.
/// </summary>
/// <typeparam name="T">The value type.</typeparam>
/// <param name="onFault">Called with the value and the exception, on the producer's thread, once per failed call.</param>
internal sealed class IsolatingSubject<T>(Action<T?, Exception> onFault) : IObservable<T>, IDisposable
{
    private readonly Subject<T> _subject = new();

    public IDisposable Subscribe(IObserver<T> observer)
    {
        ArgumentNullException.ThrowIfNull(observer);
        return _subject.Subscribe(new Isolated(observer, onFault));
    }

    /// <summary>Delivers <paramref name="value"/> to every observer; never throws what an observer throws.</summary>
    public void OnNext(T value) => _subject.OnNext(value);

    /// <summary>Completes every observer; never throws what an observer throws.</summary>
    public void OnCompleted() => _subject.OnCompleted();

    public void Dispose() => _subject.Dispose();

    private sealed class Isolated(IObserver<T> observer, Action<T?, Exception> onFault) : IObserver<T>
    {
        public void OnNext(T value)
        {
            try
            {
                observer.OnNext(value);
            }
#pragma warning disable CA1031 // An observer's failure must not stop the producer or the other observers; it is reported.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                onFault(value, ex);
            }
        }

        public void OnCompleted()
        {
            try
            {
                observer.OnCompleted();
            }
#pragma warning disable CA1031 // As in OnNext.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                onFault(default, ex);
            }
        }

        public void OnError(Exception error) => observer.OnError(error);
    }
}
