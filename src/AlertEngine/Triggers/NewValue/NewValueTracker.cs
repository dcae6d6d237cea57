using System.Numerics;
using System.Runtime.CompilerServices;

namespace AlertEngine;

/// <summary>
/// The <c>newValue</c> trigger's core: per key, a value v at time t is new when the key had no value equal to v
/// (case-insensitively) at a time in (t − lookback, t]; a new value fires unless t &lt; (the key's first-seen time) +
/// learning period, where the first-seen time is the earliest time of a value the key has been given (this one
/// included). Single-threaded, allocation-free in steady state (a value given as a span is copied to a string only
/// when the shared table of value texts, <see cref="ValueStringTable"/>, does not hold it yet; the table keeps a text
/// after every key has forgotten it, until it fills up and starts over), and exact for inputs in time order (equal
/// times allowed).
/// </summary>
/// <remarks>
/// <para><b>Out of order.</b> The tracker has no lateness rule of its own: it accepts any time. Per key and value it
/// remembers the newest time seen, so an input older than a later-arrived input with the same value counts as seen
/// (the value is known to occur after it); for inputs in time order this is exactly the rule above.</para>
/// <para><b>Memory.</b> Per tracked key: a record (the first-seen time, list heads and a fingerprint byte for each of
/// the first 8 nodes, 48 bytes) in a slot of the key table (<c>KeyTable</c>: 64 bytes with the key reference and hash,
/// one cache line, between a quarter and half of the slots in use, so 128–256 bytes per key with the spare slots) and, while it remembers values, a node array holding at most
/// <see cref="MaxValuesPerKey"/> values (24 bytes each plus the string) and, past 8 values, a value index (about 30
/// bytes per value). Remembered values are stored through a table of strings shared by all keys (the same text is one
/// string however many keys remember it), which holds at most 65,536 strings and starts over when full. When a key
/// would exceed the cap, the
/// value seen least recently is forgotten (counted in <see cref="ValuesForgotten"/>; it would fire again if it came
/// back). At most <see cref="MaxTrackedKeys"/> keys are tracked; a new key beyond the cap is
/// <see cref="NewValueOutcome.KeyCapExceeded"/> and nothing is recorded for it.</para>
/// <para><b>Eviction.</b> A value is forgotten once its newest time is at or before (newest time seen − lookback): it can
/// no longer be inside any later input's lookback. Values of a key are trimmed whenever the key is touched, and every
/// half lookback of event time one pass over all keys trims the others; a key left with no values gives back its index
/// and array. The key's record itself (its first-seen time) is kept: dropping it would restart the key's learning
/// period when it comes back, so a value that must fire (the learning period long over) would be swallowed. Forgetting
/// values never changes a result; the record of a dormant key costs 128–256 bytes (see above) and counts against the key cap.</para>
/// <para><b>Cost.</b> Per input: one lookup of the key; then, for a key with up to 8 values, the value's fingerprint
/// compared with those in the key's record at once and only the nodes it may match read (by reference, then length,
/// last character and content: usually one node, the value's), otherwise one lookup in its index (no string made
/// either way); O(1) list moves; expired values are removed in amortized O(1).</para>
/// <para>Not thread-safe: use one tracker per thread, or serialize calls.</para>
/// </remarks>
public sealed class NewValueTracker
{
    private readonly KeyTable<KeyValues> _keys;
    private readonly ValueStringTable _strings = new();
    private readonly long _lookback;
    private readonly long _learning;
    private readonly long _sweepInterval;
    private readonly int _maxValues;
    private long _watermark = long.MinValue;
    private long _nextSweep = long.MinValue;
    private long _lastFirstSeen;

    /// <summary>Creates a tracker.</summary>
    /// <param name="lookback">How long a seen value is remembered; greater than zero.</param>
    /// <param name="learningPeriod">How long after a key's first value nothing fires; zero or more.</param>
    /// <param name="options">Caps and key comparer; <see langword="null"/> for the defaults.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="lookback"/> or <paramref name="learningPeriod"/> is out of range.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public NewValueTracker(TimeSpan lookback, TimeSpan learningPeriod, NewValueTrackerOptions? options = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(lookback, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(learningPeriod, TimeSpan.Zero);
        options ??= new NewValueTrackerOptions();
        options.ThrowIfInvalid(nameof(options));
        Lookback = lookback;
        LearningPeriod = learningPeriod;
        MaxTrackedKeys = options.MaxTrackedKeys;
        MaxValuesPerKey = options.MaxValuesPerKey;
        _maxValues = options.MaxValuesPerKey;
        _lookback = lookback.Ticks;
        _learning = learningPeriod.Ticks;
        _sweepInterval = Math.Max(1, _lookback / 2);
        _keys = new KeyTable<KeyValues>(options.KeyComparer);
    }

    /// <summary>How long a seen value is remembered.</summary>
    public TimeSpan Lookback { get; }

    /// <summary>How long after a key's first value nothing fires.</summary>
    public TimeSpan LearningPeriod { get; }

    /// <summary>The cap on tracked keys.</summary>
    public int MaxTrackedKeys { get; }

    /// <summary>The cap on values remembered per key.</summary>
    public int MaxValuesPerKey { get; }

    /// <summary>The number of keys tracked now (dormant ones included).</summary>
    public int TrackedKeys => _keys.Count;

    /// <summary>How many values were forgotten because a key reached <see cref="MaxValuesPerKey"/>, since creation.</summary>
    public long ValuesForgotten { get; private set; }

    /// <summary>The first-seen time of the key of the last call to <c>Observe</c> (when it did not return
    /// <see cref="NewValueOutcome.KeyCapExceeded"/>): the earliest time of a value the key has been given.</summary>
    public DateTimeOffset LastKeyFirstSeen => new(_lastFirstSeen, TimeSpan.Zero);

    /// <summary>Observes a value for a key.</summary>
    /// <param name="key">The scope key. Compared with <see cref="NewValueTrackerOptions.KeyComparer"/>.</param>
    /// <param name="time">The input's event time.</param>
    /// <param name="value">The value, not empty (an input without a value is not given to the tracker). Compared case-insensitively.</param>
    /// <returns>What happened; on <see cref="NewValueOutcome.New"/> a detection fires.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty.</exception>
    public NewValueOutcome Observe(string key, DateTimeOffset time, ReadOnlySpan<char> value) => Observe(key, time, value, null);

    /// <summary>Observes a value for a key; the same as the span overload, but a value the key does not remember yet is
    /// kept as this string instead of a copy (no allocation).</summary>
    /// <param name="key">The scope key. Compared with <see cref="NewValueTrackerOptions.KeyComparer"/>.</param>
    /// <param name="time">The input's event time.</param>
    /// <param name="value">The value, not empty. Compared case-insensitively.</param>
    /// <returns>What happened; on <see cref="NewValueOutcome.New"/> a detection fires.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="key"/> or <paramref name="value"/> is null.</exception>
    /// <exception cref="ArgumentException"><paramref name="value"/> is empty.</exception>
    public NewValueOutcome Observe(string key, DateTimeOffset time, string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return Observe(key, time, value.AsSpan(), value);
    }

    // Not inlined into callers: compiled on its own (a caller's loop may run as on-stack-replacement code, whose locals
    // live on the stack), the record's fields and the scan stay in registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private NewValueOutcome Observe(string key, DateTimeOffset time, ReadOnlySpan<char> value, string? text)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (value.IsEmpty)
        {
            throw new ArgumentException("The value is empty; an input without a value is not observed.", nameof(value));
        }

        var t = time.UtcTicks;
        if (t > _watermark)
        {
            _watermark = t;
            if (t >= _nextSweep)
            {
                Sweep(t);
            }
        }

        // The key's record lives in the key table's slot (a struct): one lookup, no separate object to load. The
        // reference is used only until the table next changes (no key is added or removed after this point in the call).
        ref var kv = ref _keys.FindValue(key);
        if (Unsafe.IsNullRef(ref kv))
        {
            if (_keys.Count >= MaxTrackedKeys)
            {
                return NewValueOutcome.KeyCapExceeded;
            }

            kv = ref _keys.GetValueRefOrAddDefault(key, out _);
            kv = new KeyValues(t);
        }
        else if (t < kv.FirstSeen)
        {
            kv.FirstSeen = t;
        }

        _lastFirstSeen = kv.FirstSeen;
        var cutoff = t - _lookback;
        kv.TrimExpired(cutoff);
        var learning = t - kv.FirstSeen < _learning;
        var print = Print(value);
        if (kv.Lookup(value, text, print, out var index))
        {
            ref var node = ref kv.Nodes[index];
            var seen = node.Ticks > cutoff;
            if (t > node.Ticks)
            {
                node.Ticks = t;
            }

            kv.MoveToTail(index);
            if (seen)
            {
                return NewValueOutcome.Seen;
            }
        }
        else
        {
            if (kv.Count >= _maxValues)
            {
                kv.Remove(kv.Head);
                ValuesForgotten++;
            }

            // Stored through the table shared by all keys: a value many keys have is one string, which stays in the
            // cache for the content comparisons of the scan, whatever string instances the activities carry.
            kv.Add(_strings.Get(value, text), print, t, _maxValues);
        }

        return learning ? NewValueOutcome.Learning : NewValueOutcome.New;
    }

    /// <summary>The first-seen time of a key, when it is tracked.</summary>
    /// <param name="key">The key.</param>
    /// <param name="firstSeen">The earliest time of a value the key has been given.</param>
    /// <returns>Whether the key is tracked.</returns>
    public bool TryGetFirstSeen(string key, out DateTimeOffset firstSeen)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (_keys.TryGetValue(key, out var kv))
        {
            firstSeen = new DateTimeOffset(kv.FirstSeen, TimeSpan.Zero);
            return true;
        }

        firstSeen = default;
        return false;
    }

    /// <summary>The number of values a key remembers now (values at or before newest − lookback may still be counted
    /// until they are trimmed).</summary>
    /// <param name="key">The key.</param>
    /// <returns>The count; zero for an untracked key.</returns>
    public int GetValueCount(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return _keys.TryGetValue(key, out var kv) ? kv.Count : 0;
    }

    /// <summary>Every tracked key with its first-seen time and remembered values (least recently seen first), for a
    /// checkpoint. Allocates.</summary>
    internal IEnumerable<(string Key, long FirstSeen, (string Value, long Ticks)[] Values)> ExportKeys()
    {
        for (var p = _keys.Next(0); p >= 0; p = _keys.Next(p + 1))
        {
            var key = _keys.KeyAt(p);
            var kv = _keys.ValueAt(p);
            var values = new (string, long)[kv.Count];
            var i = 0;
            for (var n = kv.Head; n >= 0; n = kv.Nodes[n].Next)
            {
                values[i++] = (kv.Nodes[n].Value!, kv.Nodes[n].Ticks);
            }

            yield return (key, kv.FirstSeen, values);
        }
    }

    /// <summary>Adds a key exported by <see cref="ExportKeys"/> (values least recently seen first).</summary>
    /// <exception cref="InvalidDataException">The key is already tracked, or a value is repeated or empty.</exception>
    /// <exception cref="ArgumentException">The key or value cap of this tracker is exceeded (the state is of a tracker with larger caps).</exception>
    internal void ImportKey(string key, long firstSeen, (string Value, long Ticks)[] values)
    {
        if (_keys.ContainsKey(key))
        {
            throw new InvalidDataException($"Corrupt checkpoint: new-value key '{key}' appears twice.");
        }

        if (_keys.Count >= MaxTrackedKeys || values.Length > _maxValues)
        {
            throw new ArgumentException($"New-value key '{key}': the state exceeds this tracker's cap of {MaxTrackedKeys} keys or {_maxValues} values per key.", nameof(values));
        }

        var kv = new KeyValues(firstSeen);
        foreach (var (value, ticks) in values)
        {
            if (string.IsNullOrEmpty(value) || kv.Lookup(value, value, Print(value), out _))
            {
                throw new InvalidDataException($"Corrupt checkpoint: new-value key '{key}' has an empty or repeated value.");
            }

            kv.Add(_strings.Get(value, value), Print(value), ticks, _maxValues);
            _watermark = Math.Max(_watermark, ticks);
        }

        _watermark = Math.Max(_watermark, firstSeen);
        _keys.Add(key, kv);
    }

    /// <summary>Moves the clock to <paramref name="ticks"/> without an input (the partitioned engine's detectors follow
    /// the inputs of keys other partitions own), forgetting what the move makes old. Earlier times are ignored.</summary>
    internal void AdvanceTo(long ticks)
    {
        if (ticks > _watermark)
        {
            _watermark = ticks;
            if (ticks >= _nextSweep)
            {
                Sweep(ticks);
            }
        }
    }

    /// <summary>A value's fingerprint for a key's scanned nodes (<c>KeyValues._prints</c>): the distinct core's (equal for values equal
    /// ignoring case, see <see cref="DistinctCounter{TItem}.Print"/>) with its lowest bit set, so that it is never zero,
    /// the byte of a node without a value.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static byte Print(ReadOnlySpan<char> value) => (byte)(DistinctCounter<string>.Print(value) | 1);

    private void Sweep(long now)
    {
        var cutoff = now - _lookback;
        for (var p = _keys.Next(0); p >= 0; p = _keys.Next(p + 1))
        {
            // No key is added or removed here: the reference stays valid.
            ref var kv = ref _keys.ValueAt(p);
            kv.TrimExpired(cutoff);
            if (kv.Count == 0)
            {
                kv.Release();
            }
        }

        _nextSweep = now > long.MaxValue - _sweepInterval ? long.MaxValue : now + _sweepInterval;
    }

    private struct ValueNode
    {
        public string? Value;
        public long Ticks;
        public int Prev;
        public int Next;
    }

    /// <summary>One key's remembered values: a list least recently seen first in a node array and, past
    /// <see cref="ScanLimit"/> values, an index by value (below it the list is scanned from its most recent end, which
    /// touches only the node array). A struct stored in the key table's slot; mutate it through a reference.</summary>
    private struct KeyValues
    {
        private const int InitialCapacity = 4;
        private const int ScanLimit = 8;
        private Dictionary<string, int>? _index;
        private int _free;

        /// <summary>While the values are scanned (no index; then every node is among the first
        /// <see cref="ScanLimit"/>): byte n is the fingerprint (<see cref="Print"/>, never zero) of node n's value, zero
        /// for a node without one. A lookup compares the value's fingerprint with all of them at once and reads only the
        /// nodes that may match (almost always just the one that does), so which node matches, or that none does, is
        /// known from the key's slot without waiting for its node array. With the 40 bytes before it, the record is 48
        /// bytes: a 64-byte slot with the key table's key, hash and order, which large tables put on line boundaries.</summary>
        private ulong _prints;

        public long FirstSeen;
        public ValueNode[] Nodes;
        public int Head;
        public int Tail;
        public int Count;

        public KeyValues(long firstSeen)
        {
            FirstSeen = firstSeen;
            Nodes = [];
            _free = -1;
            Head = -1;
            Tail = -1;
        }

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public readonly bool Lookup(ReadOnlySpan<char> value, string? text, byte print, out int index)
        {
            if (_index is not null)
            {
                return text is not null ? _index.TryGetValue(text, out index) : _index.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(value, out index);
            }

            // The nodes whose fingerprint may be the value's (at most 8 nodes here), confirmed in index order by identity,
            // then length, last character and content. Usually one candidate, the value's node: a branch predicted right,
            // so the next input's work need not wait for this key's node array. The stored strings come from the
            // tracker's shared table, so the few that are compared are usually in the cache.
            var nodes = Nodes;
            var candidates = DistinctCounter<string>.Matches(_prints, print, ScanLimit);
            while (candidates != 0)
            {
                var n = BitOperations.TrailingZeroCount(candidates) >> 3;
                if (n >= nodes.Length)
                {
                    // Only a false candidate (the test flags bytes above a match that it cannot rule out).
                    break;
                }

                var v = nodes[n].Value;
                if (v is not null && (ReferenceEquals(v, text) || IgnoreCaseText.Equal(value, v, out _)))
                {
                    index = n;
                    return true;
                }

                candidates &= candidates - 1;
            }

            index = -1;
            return false;
        }

        public void TrimExpired(long cutoff)
        {
            while (Head >= 0 && Nodes[Head].Ticks <= cutoff)
            {
                Remove(Head);
            }
        }

        public void Add(string value, byte print, long ticks, int max)
        {
            if (_index is null && Count == ScanLimit)
            {
                BuildIndex();
            }

            int i;
            if (_free >= 0)
            {
                i = _free;
                _free = Nodes[i].Next;
            }
            else
            {
                // No free node: the nodes in use are exactly the first Count.
                if (Count == Nodes.Length)
                {
                    Grow(max);
                }

                i = Count;
            }

            Nodes[i] = new ValueNode { Value = value, Ticks = ticks, Prev = Tail, Next = -1 };
            if (i < ScanLimit)
            {
                _prints |= (ulong)print << (i << 3);
            }

            Link(i);
            _index?.Add(value, i);
            Count++;
        }

        public void Remove(int i)
        {
            Unlink(i);
            _index?.Remove(Nodes[i].Value!);
            if (i < ScanLimit)
            {
                _prints &= ~(0xFFUL << (i << 3));
            }

            Nodes[i] = new ValueNode { Next = _free };
            _free = i;
            Count--;
        }

        public void MoveToTail(int i)
        {
            if (i == Tail)
            {
                return;
            }

            Unlink(i);
            Nodes[i].Prev = Tail;
            Nodes[i].Next = -1;
            Link(i);
        }

        public void Release()
        {
            if (Nodes.Length != 0)
            {
                _index = null;
                Nodes = [];
                _prints = 0;
                _free = -1;
                Head = Tail = -1;
            }
        }

        private void Link(int i)
        {
            if (Tail >= 0)
            {
                Nodes[Tail].Next = i;
            }
            else
            {
                Head = i;
            }

            Tail = i;
        }

        private void Unlink(int i)
        {
            ref var node = ref Nodes[i];
            if (node.Prev >= 0)
            {
                Nodes[node.Prev].Next = node.Next;
            }
            else
            {
                Head = node.Next;
            }

            if (node.Next >= 0)
            {
                Nodes[node.Next].Prev = node.Prev;
            }
            else
            {
                Tail = node.Prev;
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void BuildIndex()
        {
            _index = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
            for (var n = Head; n >= 0; n = Nodes[n].Next)
            {
                _index.Add(Nodes[n].Value!, n);
            }
        }

        [MethodImpl(MethodImplOptions.NoInlining)]
        private void Grow(int max)
        {
            var size = Math.Min(Math.Max(Nodes.Length * 2, InitialCapacity), max);
            Array.Resize(ref Nodes, size);
        }
    }
}
