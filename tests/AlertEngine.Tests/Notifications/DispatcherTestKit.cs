using System.Collections.Concurrent;
using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Tests.Notifications;

/// <summary>A notifier whose behaviour each test scripts; records what it delivered.</summary>
internal sealed class TestNotifier : IAlertNotifier
{
    private int _attempts;

    /// <summary>Runs before delivering; the attempt number counts every call (1-based). Throw to fail the attempt.</summary>
    public Func<AlertNotification, int, CancellationToken, ValueTask>? Behavior { get; set; }

    public ConcurrentQueue<AlertNotification> Delivered { get; } = new();

    public int Attempts => Volatile.Read(ref _attempts);

    public async ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
    {
        var attempt = Interlocked.Increment(ref _attempts);
        if (Behavior is { } behavior)
        {
            await behavior(notification, attempt, cancellationToken);
        }

        Delivered.Enqueue(notification);
    }
}

/// <summary>A notifier that throws synchronously, every time, until <see cref="Healthy"/> is set.</summary>
internal sealed class FlakyNotifier : IAlertNotifier
{
    public bool Healthy { get; set; }

    public ConcurrentQueue<AlertNotification> Delivered { get; } = new();

    public ValueTask NotifyAsync(AlertNotification notification, CancellationToken cancellationToken)
    {
        if (!Healthy)
        {
            throw new IOException("mail server unreachable");
        }

        Delivered.Enqueue(notification);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Follows a dispatcher's delivery steps and drives virtual time through its retries.</summary>
internal sealed class DispatchDriver
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly Channel<DispatchTrace> _traces = Channel.CreateUnbounded<DispatchTrace>();
    private readonly FakeTimeProvider _time;

    public DispatchDriver(NotificationDispatcher dispatcher, FakeTimeProvider time)
    {
        _time = time;
        dispatcher.Trace = t => _traces.Writer.TryWrite(t);
    }

    public List<DispatchTrace> Seen { get; } = [];

    /// <summary>The next step of <paramref name="kind"/>, skipping others (which are kept in <see cref="Seen"/>).</summary>
    public async Task<DispatchTrace> NextAsync(DispatchTraceKind kind)
    {
        while (true)
        {
            var trace = await _traces.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Bound, TestContext.Current.CancellationToken);
            Seen.Add(trace);
            if (trace.Kind == kind)
            {
                return trace;
            }
        }
    }

    /// <summary>Advances virtual time through every scheduled retry until <paramref name="finished"/> deliveries have
    /// been delivered or have failed.</summary>
    public async Task RunUntilFinishedAsync(int finished)
    {
        var done = 0;
        while (done < finished)
        {
            var trace = await _traces.Reader.ReadAsync(TestContext.Current.CancellationToken).AsTask().WaitAsync(Bound, TestContext.Current.CancellationToken);
            Seen.Add(trace);
            switch (trace.Kind)
            {
                case DispatchTraceKind.RetryScheduled:
                    _time.Advance(trace.Delay);
                    break;
                case DispatchTraceKind.Delivered or DispatchTraceKind.Failed:
                    done++;
                    break;
            }
        }
    }
}
