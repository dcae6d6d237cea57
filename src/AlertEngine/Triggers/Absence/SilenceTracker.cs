using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// The <c>absence</c> trigger's core: per key that has had an input, when the clock reaches (time of the key's last
/// input) + window with no later input for the key, the silence fires once carrying the last input; the key fires again
/// only after a new input and another silence. No timers: the caller moves the clock with <see cref="TryFire"/>.
/// Single-threaded and allocation-free in steady state.
/// </summary>
/// <typeparam name="TItem">The item carried by a fired silence (an <see cref="Activity"/> in the engine).</typeparam>
/// <remarks>
/// <para><b>Firing order.</b> Silences fire in order of due time, equal due times in the order their last inputs
/// arrived. <see cref="TryFire"/> pops the next silence due at or before the time given; call it until it returns
/// <see langword="false"/> before observing the input that moved the clock.</para>
/// <para><b>Last input.</b> The key's last input is the one with the latest time, equal times the one that arrived last.
/// An input older than its key's last one changes nothing (<see cref="SilenceOutcome.Older"/>).</para>
/// <para><b>Memory.</b> One entry per key waiting for a silence (about 80 bytes: its dictionary entry and a 48-byte node of a
/// due-time queue holding the key, last time, arrival sequence and item). A key that fired holds nothing until its next
/// input, so idle keys are evicted when their silence fires. At most <see cref="MaxTrackedKeys"/> keys wait at once;
/// an input for a new key beyond the cap is <see cref="SilenceOutcome.KeyCapExceeded"/>.</para>
/// <para><b>Queue.</b> The due-time queue is a doubly linked list over an array, sorted by (due time, arrival
/// sequence). An input moves its key to the place of its new due time, found by walking back from the end: for inputs
/// in time order that place is the end, so each input costs one dictionary lookup and O(1) list moves, and each fired
/// silence O(1). (A binary heap would cost O(log n) per input and leave stale entries behind.)</para>
/// <para>Not thread-safe: use one tracker per thread, or serialize calls.</para>
/// </remarks>
public sealed class SilenceTracker<TItem>
{
    private const int InitialCapacity = 16;
    private readonly Dictionary<string, int> _index;
    private readonly long _window;
    private Entry[] _entries = new Entry[InitialCapacity];
    private int _head = -1;
    private int _tail = -1;
    private int _free = -1;
    private int _used;
    private long _sequence;

    /// <summary>Creates a tracker.</summary>
    /// <param name="window">The silence that fires; greater than zero.</param>
    /// <param name="options">Key cap and comparer; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public SilenceTracker(TimeSpan window, SilenceTrackerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options ??= new SilenceTrackerOptions();
        options.ThrowIfInvalid(nameof(options));
        Window = window;
        MaxTrackedKeys = options.MaxTrackedKeys;
        _window = window.Ticks;
        _index = new Dictionary<string, int>(options.KeyComparer);
    }

    /// <summary>The silence that fires.</summary>
    public TimeSpan Window { get; }

    /// <summary>The cap on keys waiting at once.</summary>
    public int MaxTrackedKeys { get; }

    /// <summary>The number of keys waiting for a silence now.</summary>
    public int TrackedKeys => _index.Count;

    /// <summary>The due time of the next silence to fire, if any key is waiting.</summary>
    public DateTimeOffset? NextDue => _head < 0 ? null : new DateTimeOffset(_entries[_head].Due, TimeSpan.Zero);

    /// <summary>The arrival sequence of the next input (detector-wide state for checkpoints).</summary>
    internal long Sequence => _sequence;

    /// <summary>Numbers the next input at least <paramref name="next"/>: the partitioned engine numbers inputs by their
    /// global arrival, so that equal due times fire in arrival order across partitions.</summary>
    internal void AlignSequence(long next)
    {
        if (next > _sequence)
        {
            _sequence = next;
        }
    }

    /// <summary>Records an input for a key: unless an input with a later time is already the key's last, this one
    /// becomes the last and the key's silence is due at <paramref name="time"/> + window.</summary>
    /// <param name="key">The scope key. Compared with <see cref="SilenceTrackerOptions.KeyComparer"/>.</param>
    /// <param name="time">The input's event time.</param>
    /// <param name="item">The input, carried when the silence fires.</param>
    /// <returns>What happened.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    public SilenceOutcome Observe(string key, DateTimeOffset time, TItem item)
    {
        ArgumentNullException.ThrowIfNull(key);
        var t = time.UtcTicks;
        if (_index.TryGetValue(key, out var i))
        {
            ref var e = ref _entries[i];
            if (t < e.Last)
            {
                return SilenceOutcome.Older;
            }

            e.Key = key;
            e.Last = t;
            e.Due = DueOf(t);
            e.Sequence = _sequence++;
            e.Item = item;
            Unlink(i);
            Insert(i);
            return SilenceOutcome.Armed;
        }

        if (_index.Count >= MaxTrackedKeys)
        {
            return SilenceOutcome.KeyCapExceeded;
        }

        Add(key, t, _sequence++, item);
        return SilenceOutcome.Armed;
    }

    /// <summary>
    /// Fires the next silence due at or before <paramref name="now"/>, in firing order (due time, then arrival of the
    /// last inputs), and forgets its key until its next input.
    /// </summary>
    /// <param name="now">The clock.</param>
    /// <param name="fired">The silence that fired.</param>
    /// <returns>Whether a silence was due.</returns>
    public bool TryFire(DateTimeOffset now, out SilenceFired<TItem> fired) => TryFireNumbered(now, out fired, out _);

    /// <summary>Like <c>TryFire</c>, also giving the arrival number of the key's last input.</summary>
    internal bool TryFireNumbered(DateTimeOffset now, out SilenceFired<TItem> fired, out long sequence)
    {
        var i = _head;
        if (i < 0 || _entries[i].Due > now.UtcTicks)
        {
            fired = default;
            sequence = 0;
            return false;
        }

        ref var e = ref _entries[i];
        sequence = e.Sequence;
        fired = new SilenceFired<TItem>(e.Key!, new DateTimeOffset(e.Last, TimeSpan.Zero), new DateTimeOffset(e.Due, TimeSpan.Zero), e.Item);
        _index.Remove(e.Key!);
        Unlink(i);
        e = new Entry { Next = _free };
        _free = i;
        return true;
    }

    /// <summary>Every waiting key with its last time, arrival sequence and item, in firing order, for a checkpoint. Allocates.</summary>
    internal IEnumerable<(string Key, long Last, long Sequence, TItem Item)> ExportKeys()
    {
        for (var i = _head; i >= 0; i = _entries[i].Next)
        {
            var e = _entries[i];
            yield return (e.Key!, e.Last, e.Sequence, e.Item);
        }
    }

    /// <summary>Restores the arrival sequence of the next input (read before the keys).</summary>
    /// <exception cref="InvalidDataException">The sequence is negative.</exception>
    internal void ImportSequence(long sequence)
    {
        if (sequence < 0)
        {
            throw new InvalidDataException("Corrupt checkpoint: the absence arrival sequence is negative.");
        }

        _sequence = sequence;
    }

    /// <summary>Adds a key exported by <see cref="ExportKeys"/> (in any order).</summary>
    /// <exception cref="InvalidDataException">The key is repeated, or its sequence is not below the next one.</exception>
    /// <exception cref="ArgumentException">The key cap of this tracker is exceeded (the state is of a tracker with a larger cap).</exception>
    internal void ImportKey(string key, long last, long sequence, TItem item)
    {
        if (_index.ContainsKey(key) || sequence < 0 || sequence >= _sequence)
        {
            throw new InvalidDataException($"Corrupt checkpoint: absence key '{key}' appears twice or has a bad arrival sequence.");
        }

        if (_index.Count >= MaxTrackedKeys)
        {
            throw new ArgumentException($"Absence key '{key}': the state exceeds this tracker's cap of {MaxTrackedKeys} keys.", nameof(key));
        }

        Add(key, last, sequence, item);
    }

    private long DueOf(long last) => last > long.MaxValue - _window ? long.MaxValue : last + _window;

    private void Add(string key, long t, long sequence, TItem item)
    {
        int i;
        if (_free >= 0)
        {
            i = _free;
            _free = _entries[i].Next;
        }
        else
        {
            if (_used == _entries.Length)
            {
                Grow();
            }

            i = _used++;
        }

        _entries[i] = new Entry { Key = key, Last = t, Due = DueOf(t), Sequence = sequence, Item = item };
        _index.Add(key, i);
        Insert(i);
    }

    /// <summary>Links entry <paramref name="i"/> after the last entry that fires before it (walking back from the end).</summary>
    private void Insert(int i)
    {
        ref var e = ref _entries[i];
        var after = _tail;
        while (after >= 0 && (_entries[after].Due > e.Due || (_entries[after].Due == e.Due && _entries[after].Sequence > e.Sequence)))
        {
            after = _entries[after].Prev;
        }

        e.Prev = after;
        e.Next = after >= 0 ? _entries[after].Next : _head;
        if (after >= 0)
        {
            _entries[after].Next = i;
        }
        else
        {
            _head = i;
        }

        if (e.Next >= 0)
        {
            _entries[e.Next].Prev = i;
        }
        else
        {
            _tail = i;
        }
    }

    private void Unlink(int i)
    {
        ref var e = ref _entries[i];
        if (e.Prev >= 0)
        {
            _entries[e.Prev].Next = e.Next;
        }
        else
        {
            _head = e.Next;
        }

        if (e.Next >= 0)
        {
            _entries[e.Next].Prev = e.Prev;
        }
        else
        {
            _tail = e.Prev;
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void Grow() => Array.Resize(ref _entries, _entries.Length * 2);

    private struct Entry
    {
        public string? Key;
        public long Last;
        public long Due;
        public long Sequence;
        public TItem Item;
        public int Prev;
        public int Next;
    }
}
