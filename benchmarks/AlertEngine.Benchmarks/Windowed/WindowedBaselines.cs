namespace AlertEngine.Benchmarks.Windowed;

/// <summary>The obvious hand-written distinct count: per key a <c>Dictionary&lt;string, DateTimeOffset&gt;</c> of each value's
/// last time (case-insensitive), expired values removed by a scan, cleared when it fires.</summary>
public sealed class DictionaryDistinct(int n, TimeSpan window)
{
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _expired = [];

    public bool Add(string key, DateTimeOffset time, string value)
    {
        if (!_keys.TryGetValue(key, out var values))
        {
            values = new Dictionary<string, DateTimeOffset>(StringComparer.OrdinalIgnoreCase);
            _keys.Add(key, values);
        }

        values[value] = time;
        var from = time - window;
        foreach (var pair in values)
        {
            if (pair.Value <= from)
            {
                _expired.Add(pair.Key);
            }
        }

        foreach (var v in _expired)
        {
            values.Remove(v);
        }

        _expired.Clear();
        if (values.Count >= n)
        {
            values.Clear();
            return true;
        }

        return false;
    }
}

/// <summary>The obvious hand-written sum: per key a <c>Queue</c> of (time, value) with a running total.</summary>
public sealed class QueueSum(double threshold, TimeSpan window)
{
    private readonly Dictionary<string, State> _keys = new(StringComparer.OrdinalIgnoreCase);

    public bool Add(string key, DateTimeOffset time, double value)
    {
        if (!_keys.TryGetValue(key, out var s))
        {
            s = new State();
            _keys.Add(key, s);
        }

        var from = time - window;
        while (s.Queue.Count > 0 && s.Queue.Peek().Time <= from)
        {
            s.Total -= s.Queue.Dequeue().Value;
        }

        s.Queue.Enqueue((time, value));
        s.Total += value;
        if (s.Total >= threshold)
        {
            s.Queue.Clear();
            s.Total = 0;
            return true;
        }

        return false;
    }

    private sealed class State
    {
        public readonly Queue<(DateTimeOffset Time, double Value)> Queue = new();
        public double Total;
    }
}

/// <summary>The obvious hand-written spike: per key a <c>Queue</c> of the times in the last two windows, the current window
/// counted by a scan, and a quiet-until time.</summary>
public sealed class QueueSpike(double ratio, TimeSpan window, int minCount, int minReference)
{
    private readonly Dictionary<string, State> _keys = new(StringComparer.OrdinalIgnoreCase);

    public bool Add(string key, DateTimeOffset time)
    {
        if (!_keys.TryGetValue(key, out var s))
        {
            s = new State();
            _keys.Add(key, s);
        }

        var from = time - window - window;
        while (s.Queue.Count > 0 && s.Queue.Peek() <= from)
        {
            s.Queue.Dequeue();
        }

        s.Queue.Enqueue(time);
        var boundary = time - window;
        var current = 0;
        foreach (var t in s.Queue)
        {
            if (t > boundary)
            {
                current++;
            }
        }

        var reference = s.Queue.Count - current;
        if (time >= s.QuietUntil && current >= minCount && reference >= minReference && current >= ratio * reference)
        {
            s.QuietUntil = time + window;
            return true;
        }

        return false;
    }

    private sealed class State
    {
        public readonly Queue<DateTimeOffset> Queue = new();
        public DateTimeOffset QuietUntil = DateTimeOffset.MinValue;
    }
}
