using System.Reactive.Linq;
using System.Reactive.Subjects;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>A (key, time) event, as the baselines see it.</summary>
public readonly record struct KeyedTime(string Key, DateTimeOffset Time);

/// <summary>
/// The threshold trigger the way a user would write it in Rx without this library: group by key, and per group
/// <c>Scan</c> over a list of timestamps, dropping those that left the window.
/// </summary>
public sealed class RxGroupByScanThreshold : IDisposable
{
    private readonly Subject<KeyedTime> _subject = new();
    private readonly IDisposable _subscription;

    public RxGroupByScanThreshold(int n, TimeSpan window)
    {
        _subscription = _subject
            .GroupBy(e => e.Key)
            .SelectMany(g => g
                .Scan((Times: new List<DateTimeOffset>(), Fired: false), (state, e) =>
                {
                    if (state.Fired)
                    {
                        state.Times.Clear();
                    }

                    var from = e.Time - window;
                    state.Times.RemoveAll(t => t <= from);
                    state.Times.Add(e.Time);
                    return (state.Times, state.Times.Count >= n);
                })
                .Where(state => state.Fired))
            .Subscribe(_ => Fired++);
    }

    public int Fired { get; private set; }

    public void Add(string key, DateTimeOffset time) => _subject.OnNext(new KeyedTime(key, time));

    public void Dispose()
    {
        _subscription.Dispose();
        _subject.Dispose();
    }
}

/// <summary>The threshold trigger with a <see cref="Queue{T}"/> of timestamps per key.</summary>
public sealed class QueueThreshold(int n, TimeSpan window)
{
    private readonly Dictionary<string, Queue<DateTimeOffset>> _queues = [];

    public int Keys => _queues.Count;

    public bool Add(string key, DateTimeOffset time)
    {
        if (!_queues.TryGetValue(key, out var queue))
        {
            queue = new Queue<DateTimeOffset>();
            _queues.Add(key, queue);
        }

        var from = time - window;
        while (queue.Count > 0 && queue.Peek() <= from)
        {
            queue.Dequeue();
        }

        queue.Enqueue(time);
        if (queue.Count >= n)
        {
            queue.Clear();
            return true;
        }

        return false;
    }
}

/// <summary>
/// The threshold trigger with a <see cref="Queue{T}"/> of (time, item) per key: the fair baseline for a counter that
/// keeps items (<see cref="QueueThreshold"/> keeps only times, so it does less than a counter whose detections carry
/// their items). On a detection the key's items are copied out in time order, as the counter copies them into its
/// detection, then the queue is cleared.
/// </summary>
public sealed class QueueKeepingItemsThreshold<TItem>(int n, TimeSpan window)
{
    private readonly Dictionary<string, Queue<(DateTimeOffset Time, TItem Item)>> _queues = [];
    private TItem[] _detection = [];

    public int Keys => _queues.Count;

    /// <summary>The items of the last detection, oldest first.</summary>
    public ReadOnlySpan<TItem> LastDetection => _detection;

    public bool Add(string key, DateTimeOffset time, TItem item)
    {
        if (!_queues.TryGetValue(key, out var queue))
        {
            queue = new Queue<(DateTimeOffset, TItem)>();
            _queues.Add(key, queue);
        }

        var from = time - window;
        while (queue.Count > 0 && queue.Peek().Time <= from)
        {
            queue.Dequeue();
        }

        queue.Enqueue((time, item));
        if (queue.Count >= n)
        {
            if (_detection.Length != queue.Count)
            {
                _detection = new TItem[queue.Count];
            }

            var i = 0;
            foreach (var (_, kept) in queue)
            {
                _detection[i++] = kept;
            }

            queue.Clear();
            return true;
        }

        return false;
    }
}
