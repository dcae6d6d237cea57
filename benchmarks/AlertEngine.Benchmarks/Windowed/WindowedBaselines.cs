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

/// <summary>The obvious hand-written distinct count that also keeps what the detection explains itself with: per key a
/// <c>Dictionary&lt;string, (DateTimeOffset, TItem)&gt;</c> of each value's last time and item (case-insensitive),
/// expired values removed by a scan; when it fires, the values' items are copied out in time order (at most
/// <c>maxItems</c>, the most recent), as the core's detection carries them, and the key is cleared.</summary>
public sealed class DictionaryDistinctKeeping<TItem>(int n, TimeSpan window, int maxItems)
{
    private readonly Dictionary<string, Dictionary<string, (DateTimeOffset Time, TItem Item)>> _keys = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<string> _expired = [];
    private readonly List<(DateTimeOffset Time, TItem Item)> _found = [];

    /// <summary>The last detection's items, in time order.</summary>
    public List<TItem> Detection { get; } = [];

    public bool Add(string key, DateTimeOffset time, string value, TItem item)
    {
        if (!_keys.TryGetValue(key, out var values))
        {
            values = new Dictionary<string, (DateTimeOffset, TItem)>(StringComparer.OrdinalIgnoreCase);
            _keys.Add(key, values);
        }

        values[value] = (time, item);
        var from = time - window;
        foreach (var pair in values)
        {
            if (pair.Value.Time <= from)
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
            _found.Clear();
            foreach (var pair in values)
            {
                // Insertion by time (a handful of values).
                var at = _found.Count;
                while (at > 0 && _found[at - 1].Time > pair.Value.Time)
                {
                    at--;
                }

                _found.Insert(at, pair.Value);
            }

            Detection.Clear();
            for (var i = Math.Max(0, _found.Count - maxItems); i < _found.Count; i++)
            {
                Detection.Add(_found[i].Item);
            }

            values.Clear();
            return true;
        }

        return false;
    }
}

/// <summary>The obvious hand-written sum that also keeps what the detection explains itself with: per key a
/// <c>Queue</c> of (time, value, item) with a running total; when it fires, the window's items are copied out (at most
/// <c>maxItems</c>, the most recent).</summary>
public sealed class QueueSumKeeping<TItem>(double threshold, TimeSpan window, int maxItems)
{
    private readonly Dictionary<string, State> _keys = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The last detection's items, in time order.</summary>
    public List<TItem> Detection { get; } = [];

    public bool Add(string key, DateTimeOffset time, double value, TItem item)
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

        s.Queue.Enqueue((time, value, item));
        s.Total += value;
        if (s.Total >= threshold)
        {
            Detection.Clear();
            var skip = s.Queue.Count - maxItems;
            foreach (var x in s.Queue)
            {
                if (skip-- <= 0)
                {
                    Detection.Add(x.Item);
                }
            }

            s.Queue.Clear();
            s.Total = 0;
            return true;
        }

        return false;
    }

    private sealed class State
    {
        public readonly Queue<(DateTimeOffset Time, double Value, TItem Item)> Queue = new();
        public double Total;
    }
}

/// <summary>The obvious hand-written spike that also keeps what the detection explains itself with: per key a
/// <c>Queue</c> of the (time, item) pairs in the last two windows, the current window counted by a scan, a quiet-until
/// time; when it fires, the current window's items are copied out (at most <c>maxItems</c>, the most recent).</summary>
public sealed class QueueSpikeKeeping<TItem>(double ratio, TimeSpan window, int minCount, int minReference, int maxItems)
{
    private readonly Dictionary<string, State> _keys = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>The last detection's items, in time order.</summary>
    public List<TItem> Detection { get; } = [];

    public bool Add(string key, DateTimeOffset time, TItem item)
    {
        if (!_keys.TryGetValue(key, out var s))
        {
            s = new State();
            _keys.Add(key, s);
        }

        var from = time - window - window;
        while (s.Queue.Count > 0 && s.Queue.Peek().Time <= from)
        {
            s.Queue.Dequeue();
        }

        s.Queue.Enqueue((time, item));
        var boundary = time - window;
        var current = 0;
        foreach (var t in s.Queue)
        {
            if (t.Time > boundary)
            {
                current++;
            }
        }

        var reference = s.Queue.Count - current;
        if (time >= s.QuietUntil && current >= minCount && reference >= minReference && current >= ratio * reference)
        {
            s.QuietUntil = time + window;
            Detection.Clear();
            var skip = current - maxItems;
            foreach (var t in s.Queue)
            {
                if (t.Time > boundary && skip-- <= 0)
                {
                    Detection.Add(t.Item);
                }
            }

            return true;
        }

        return false;
    }

    private sealed class State
    {
        public readonly Queue<(DateTimeOffset Time, TItem Item)> Queue = new();
        public DateTimeOffset QuietUntil = DateTimeOffset.MinValue;
    }
}
