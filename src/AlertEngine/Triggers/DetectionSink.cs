namespace AlertEngine;

/// <summary>
/// The Rx plumbing shared by the trigger operators: feeds one subscription's single-threaded state and forwards its
/// detections. An exception from <see cref="Observe"/> (user delegates: scope, diagnostics, logger) ends the stream
/// with <c>OnError</c>; nothing is forwarded after a terminal notification.
/// </summary>
internal abstract class DetectionSink(IObserver<Detection> observer) : IObserver<Activity>
{
    private bool _done;

    /// <summary>Observes one activity; returns the detection it completed, or <see langword="null"/>.</summary>
    protected abstract Detection? Observe(Activity activity);

    /// <summary>Whether a terminal notification was forwarded; nothing is forwarded after it.</summary>
    protected bool Done => _done;

    /// <summary>Where detections go.</summary>
    protected IObserver<Detection> Observer => observer;

    public virtual void OnNext(Activity value)
    {
        if (_done)
        {
            return;
        }

        Detection? detection;
        try
        {
            ArgumentNullException.ThrowIfNull(value);
            detection = Observe(value);
        }
#pragma warning disable CA1031 // Rx contract: failures of user code end the stream with OnError.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            Fail(ex);
            return;
        }

        if (detection is not null)
        {
            observer.OnNext(detection);
        }
    }

    /// <summary>Ends the stream with <paramref name="error"/> (a failure of user code).</summary>
    protected void Fail(Exception error)
    {
        _done = true;
        observer.OnError(error);
    }

    public void OnError(Exception error)
    {
        if (!_done)
        {
            _done = true;
            observer.OnError(error);
        }
    }

    public void OnCompleted()
    {
        if (!_done)
        {
            _done = true;
            observer.OnCompleted();
        }
    }
}
