using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// The default <see cref="IAlertStore"/>: alerts in memory, with sorted indexes by status, category, severity, policy,
/// source and tag. Thread-safe: any number of concurrent readers and writers; every read returns a consistent snapshot.
/// </summary>
/// <remarks>
/// <para><b>Indexes.</b> Every index keeps its alerts in <see cref="AlertOrder"/>, so a query walks the smallest index
/// its filter allows (for example the alerts of one policy, or of the two categories a caller may see), starting at the
/// time range or paging cursor by binary search and stopping as soon as <see cref="AlertQuery.Take"/> alerts matched.
/// Alerts arriving in creation order are appended to the indexes in constant time.</para>
/// <para><b>Writes.</b> <see cref="UpsertAsync"/> keeps the management fields of a stored alert (see
/// <see cref="IAlertStore"/>); <see cref="TryUpdateManagementAsync"/> changes only those. Reads and writes are
/// serialised by a lock held for the length of one operation; alerts are immutable, so a returned snapshot never changes.</para>
/// <para><b>Retention.</b> Unbounded by default. Created with a cap (<see cref="InMemoryAlertStore(int)"/>), the store
/// evicts the oldest alert (earliest creation time, in <see cref="AlertOrder"/>) when a new alert would exceed it:
/// it is removed from every index, counted in <see cref="Evicted"/> and on <c>alertengine.store.evicted</c> (per
/// policy). A later upsert of an evicted alert stores it again, without its earlier management fields. Use a durable
/// store when alerts must be kept.</para>
/// </remarks>
public sealed class InMemoryAlertStore : IAlertStore
{

    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _byId = new(StringComparer.Ordinal);
    private readonly EntryList _all = new();
    private readonly EntryList[] _byStatus = NewLists(AlertStoreRules.StatusCount);
    private readonly EntryList[] _byCategory = NewLists(AlertStoreRules.CategoryCount);
    private readonly EntryList[] _bySeverity = NewLists(AlertStoreRules.SeverityCount);
    private readonly Dictionary<string, EntryList> _byPolicy = new(StringComparer.Ordinal);
    private readonly Dictionary<string, EntryList> _bySource = new(StringComparer.OrdinalIgnoreCase);
    private readonly Dictionary<string, EntryList> _byTag = new(StringComparer.OrdinalIgnoreCase);
    private readonly int _maxAlerts;
    private long _evicted;

    /// <summary>Creates a store without a cap.</summary>
    public InMemoryAlertStore()
        : this(int.MaxValue)
    {
    }

    /// <summary>Creates a store that keeps at most <paramref name="maxAlerts"/> alerts, evicting the oldest beyond it.</summary>
    /// <param name="maxAlerts">The cap (at least 1).</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxAlerts"/> is less than 1.</exception>
    public InMemoryAlertStore(int maxAlerts)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxAlerts, 1);
        _maxAlerts = maxAlerts;
    }

    /// <summary>Alerts evicted because the cap was reached, since the store was created.</summary>
    public long Evicted
    {
        get
        {
            lock (_gate)
            {
                return _evicted;
            }
        }
    }

    /// <summary>Number of alerts stored.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _byId.Count;
            }
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The alert's status, category or severity is not a defined value.</exception>
    public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        AlertStoreRules.CheckEnums(alert, nameof(alert));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (_byId.TryGetValue(alert.Id, out var entry))
            {
                var stored = entry.Alert;
                var merged = AlertStoreRules.SameManagement(stored, alert)
                    ? alert
                    : alert with { Status = stored.Status, History = stored.History, NotificationsSuppressed = stored.NotificationsSuppressed };
                Replace(entry, merged);
            }
            else
            {
                entry = new Entry(alert);
                _byId.Add(alert.Id, entry);
                AddToIndexes(entry);
                if (_byId.Count > _maxAlerts)
                {
                    EvictOldest();
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="updated"/> has another id than <paramref name="current"/>, or an undefined status.</exception>
    public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(updated);
        if (!string.Equals(current.Id, updated.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException("The updated alert must have the id of the current one.", nameof(updated));
        }

        AlertStoreRules.CheckEnums(updated, nameof(updated));
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            if (!_byId.TryGetValue(current.Id, out var entry) || !AlertStoreRules.SameManagement(entry.Alert, current))
            {
                return ValueTask.FromResult<Alert?>(null);
            }

            var next = entry.Alert with
            {
                Status = updated.Status,
                History = updated.History.IsDefault ? [] : updated.History,
                NotificationsSuppressed = updated.NotificationsSuppressed,
            };
            Replace(entry, next);
            return ValueTask.FromResult<Alert?>(next);
        }
    }

    /// <inheritdoc />
    public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        lock (_gate)
        {
            return ValueTask.FromResult(_byId.TryGetValue(id, out var entry) ? entry.Alert : null);
        }
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><see cref="AlertQuery.Take"/> is less than 1.</exception>
    public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Take is { } take)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(take, 1, nameof(query));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = new List<Alert>();
        lock (_gate)
        {
            Scan(query, query.After, alert =>
            {
                result.Add(alert);
                return query.Take is not { } limit || result.Count < limit;
            });
        }

        return ValueTask.FromResult<IReadOnlyList<Alert>>(result);
    }

    /// <inheritdoc />
    public ValueTask<AlertCounts> CountAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var counts = new AlertCounts.Builder();
        lock (_gate)
        {
            Scan(query, null, alert =>
            {
                counts.Add(alert);
                return true;
            });
        }

        return ValueTask.FromResult(counts.Build());
    }

    private static EntryList[] NewLists(int count)
    {
        var lists = new EntryList[count];
        for (var i = 0; i < count; i++)
        {
            lists[i] = new EntryList();
        }

        return lists;
    }

    /// <summary>Calls <paramref name="visit"/> for each matching alert in order, after <paramref name="after"/>, until it returns false.</summary>
    private void Scan(AlertQuery query, AlertCursor? after, Func<Alert, bool> visit)
    {
        var lists = Candidates(query);
        if (lists.Count == 0)
        {
            return;
        }

        // The range every candidate list is cut to: [from, to), and strictly after the cursor.
        var from = query.CreatedFrom is { } f ? Entry.Bound(f.UtcTicks) : null;
        var to = query.CreatedTo is { } t ? Entry.Bound(t.UtcTicks) : null;
        var cursor = after is null ? null : Entry.At(after);

        var positions = new int[lists.Count];
        var ends = new int[lists.Count];
        for (var i = 0; i < lists.Count; i++)
        {
            var list = lists[i];
            var start = from is null ? 0 : list.LowerBound(from);
            if (cursor is not null)
            {
                start = Math.Max(start, list.UpperBound(cursor));
            }

            positions[i] = start;
            ends[i] = to is null ? list.Count : list.LowerBound(to);
        }

        Entry? previous = null;
        while (true)
        {
            // k-way merge: the smallest current entry of the candidate lists (there are at most a handful).
            var best = -1;
            for (var i = 0; i < lists.Count; i++)
            {
                if (positions[i] < ends[i]
                    && (best < 0 || EntryComparer.Instance.Compare(lists[i][positions[i]], lists[best][positions[best]]) < 0))
                {
                    best = i;
                }
            }

            if (best < 0)
            {
                return;
            }

            var entry = lists[best][positions[best]++];
            if (ReferenceEquals(entry, previous))
            {
                continue; // the same alert through two tags
            }

            previous = entry;
            if (query.Matches(entry.Alert) && !visit(entry.Alert))
            {
                return;
            }
        }
    }

    /// <summary>The smallest set of index lists whose union holds every alert the query can match.</summary>
    private List<EntryList> Candidates(AlertQuery query)
    {
        List<EntryList> best = [_all];
        var bestCount = _all.Count;
        void Consider(List<EntryList> lists)
        {
            var count = 0;
            foreach (var list in lists)
            {
                count += list.Count;
            }

            if (count < bestCount)
            {
                best = lists;
                bestCount = count;
            }
        }

        if (query.PolicyId is not null)
        {
            Consider(_byPolicy.TryGetValue(query.PolicyId, out var list) ? [list] : []);
        }

        if (query.Source is not null)
        {
            Consider(_bySource.TryGetValue(query.Source, out var list) ? [list] : []);
        }

        if (query.Statuses is not null)
        {
            Consider(Select(_byStatus, query.Statuses));
        }
        else if (!query.IncludeResolved)
        {
            Consider([_byStatus[(int)AlertStatus.Active], _byStatus[(int)AlertStatus.Investigating], _byStatus[(int)AlertStatus.Dismissed]]);
        }

        if (query.Categories is not null)
        {
            Consider(Select(_byCategory, query.Categories));
        }

        if (query.Severities is not null)
        {
            Consider(Select(_bySeverity, query.Severities));
        }

        if (query.Tags is not null)
        {
            var lists = new List<EntryList>();
            foreach (var tag in query.Tags)
            {
                if (tag is not null && _byTag.TryGetValue(tag, out var list) && !lists.Contains(list))
                {
                    lists.Add(list);
                }
            }

            Consider(lists);
        }

        return best;
    }

    private static List<EntryList> Select<TEnum>(EntryList[] lists, IReadOnlyCollection<TEnum> values)
        where TEnum : struct, Enum
    {
        var result = new List<EntryList>();
        foreach (var value in values)
        {
            var index = Convert.ToInt32(value, System.Globalization.CultureInfo.InvariantCulture);
            if ((uint)index < (uint)lists.Length && !result.Contains(lists[index]))
            {
                result.Add(lists[index]);
            }
        }

        return result;
    }

    private void Replace(Entry entry, Alert next)
    {
        var old = entry.Alert;
        if (old.CreatedAt.UtcTicks != next.CreatedAt.UtcTicks || !string.Equals(old.PolicyId, next.PolicyId, StringComparison.Ordinal))
        {
            // The position in the order changes: take the entry out of every index, then put it back.
            RemoveFromIndexes(entry);
            entry.Alert = next;
            entry.SetKey(next);
            AddToIndexes(entry);
            return;
        }

        if (old.Status != next.Status)
        {
            _byStatus[(int)old.Status].Remove(entry);
            _byStatus[(int)next.Status].Add(entry);
        }

        if (old.Category != next.Category)
        {
            _byCategory[(int)old.Category].Remove(entry);
            _byCategory[(int)next.Category].Add(entry);
        }

        if (old.Severity != next.Severity)
        {
            _bySeverity[(int)old.Severity].Remove(entry);
            _bySeverity[(int)next.Severity].Add(entry);
        }

        if (!string.Equals(old.Source, next.Source, StringComparison.OrdinalIgnoreCase))
        {
            RemoveKeyed(_bySource, old.Source, entry);
            AddKeyed(_bySource, next.Source, entry);
        }

        if (!SameTags(old.Tags, next.Tags))
        {
            ForEachDistinctTag(old.Tags, tag => RemoveKeyed(_byTag, tag, entry));
            ForEachDistinctTag(next.Tags, tag => AddKeyed(_byTag, tag, entry));
        }

        entry.Alert = next;
    }

    private void EvictOldest()
    {
        var oldest = _all[0];
        RemoveFromIndexes(oldest);
        _byId.Remove(oldest.Alert.Id);
        _evicted++;
        AlertEngineMetrics.AlertsEvicted.Add(1, AlertEngineMetrics.PolicyTag(oldest.Alert.PolicyId));
    }

    private void AddToIndexes(Entry entry)
    {
        var alert = entry.Alert;
        _all.Add(entry);
        _byStatus[(int)alert.Status].Add(entry);
        _byCategory[(int)alert.Category].Add(entry);
        _bySeverity[(int)alert.Severity].Add(entry);
        AddKeyed(_byPolicy, alert.PolicyId, entry);
        AddKeyed(_bySource, alert.Source, entry);
        ForEachDistinctTag(alert.Tags, tag => AddKeyed(_byTag, tag, entry));
    }

    private void RemoveFromIndexes(Entry entry)
    {
        var alert = entry.Alert;
        _all.Remove(entry);
        _byStatus[(int)alert.Status].Remove(entry);
        _byCategory[(int)alert.Category].Remove(entry);
        _bySeverity[(int)alert.Severity].Remove(entry);
        RemoveKeyed(_byPolicy, alert.PolicyId, entry);
        RemoveKeyed(_bySource, alert.Source, entry);
        ForEachDistinctTag(alert.Tags, tag => RemoveKeyed(_byTag, tag, entry));
    }

    private static void AddKeyed(Dictionary<string, EntryList> index, string? key, Entry entry)
    {
        key ??= string.Empty;
        if (!index.TryGetValue(key, out var list))
        {
            index.Add(key, list = new EntryList());
        }

        list.Add(entry);
    }

    private static void RemoveKeyed(Dictionary<string, EntryList> index, string? key, Entry entry)
    {
        key ??= string.Empty;
        if (index.TryGetValue(key, out var list))
        {
            list.Remove(entry);
            if (list.Count == 0)
            {
                index.Remove(key);
            }
        }
    }

    private static bool SameTags(ImmutableArray<string> a, ImmutableArray<string> b)
    {
        if (a.IsDefaultOrEmpty || b.IsDefaultOrEmpty)
        {
            return a.IsDefaultOrEmpty && b.IsDefaultOrEmpty;
        }

        if (a == b)
        {
            return true;
        }

        if (a.Length != b.Length)
        {
            return false;
        }

        for (var i = 0; i < a.Length; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static void ForEachDistinctTag(ImmutableArray<string> tags, Action<string> action)
    {
        if (tags.IsDefaultOrEmpty)
        {
            return;
        }

        for (var i = 0; i < tags.Length; i++)
        {
            var tag = tags[i];
            if (tag is null)
            {
                continue;
            }

            var seen = false;
            for (var j = 0; j < i && !seen; j++)
            {
                seen = string.Equals(tags[j], tag, StringComparison.OrdinalIgnoreCase);
            }

            if (!seen)
            {
                action(tag);
            }
        }
    }

    /// <summary>One stored alert, and its position in the order (also used, with <see cref="Edge"/>, as a search bound).</summary>
    private sealed class Entry
    {
        public Entry(Alert alert)
        {
            Alert = alert;
            SetKey(alert);
        }

        private Entry(long ticks, string policyId, string id, int edge)
        {
            Alert = null!;
            Ticks = ticks;
            PolicyId = policyId;
            Id = id;
            Edge = edge;
        }

        public Alert Alert { get; set; }

        public long Ticks { get; private set; }

        public string PolicyId { get; private set; } = string.Empty;

        public string Id { get; private set; } = string.Empty;

        /// <summary>0 for alerts; -1 for a bound below every alert created at <see cref="Ticks"/>.</summary>
        public int Edge { get; }

        /// <summary>A bound that sorts before every alert created at or after <paramref name="ticks"/>.</summary>
        public static Entry Bound(long ticks) => new(ticks, string.Empty, string.Empty, -1);

        /// <summary>The position of a cursor.</summary>
        public static Entry At(AlertCursor cursor) => new(cursor.CreatedAt.UtcTicks, cursor.PolicyId, cursor.Id, 0);

        public void SetKey(Alert alert)
        {
            Ticks = alert.CreatedAt.UtcTicks;
            PolicyId = alert.PolicyId;
            Id = alert.Id;
        }
    }

    private sealed class EntryComparer : IComparer<Entry>
    {
        public static readonly EntryComparer Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var c = x!.Ticks.CompareTo(y!.Ticks);
            if (c != 0)
            {
                return c;
            }

            if (x.Edge != 0 || y.Edge != 0)
            {
                return x.Edge.CompareTo(y.Edge);
            }

            c = string.CompareOrdinal(x.PolicyId, y.PolicyId);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        }
    }

    /// <summary>Entries sorted by <see cref="EntryComparer"/>; appending in order is O(1), other inserts and removals O(n).</summary>
    private sealed class EntryList
    {
        private readonly List<Entry> _items = [];

        public int Count => _items.Count;

        public Entry this[int index] => _items[index];

        public void Add(Entry entry)
        {
            if (_items.Count == 0 || EntryComparer.Instance.Compare(_items[^1], entry) < 0)
            {
                _items.Add(entry);
                return;
            }

            _items.Insert(LowerBound(entry), entry);
        }

        public void Remove(Entry entry)
        {
            var index = LowerBound(entry);
            if (index < _items.Count && ReferenceEquals(_items[index], entry))
            {
                _items.RemoveAt(index);
            }
        }

        /// <summary>The index of the first entry not less than <paramref name="bound"/>.</summary>
        public int LowerBound(Entry bound)
        {
            int lo = 0, hi = _items.Count;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                if (EntryComparer.Instance.Compare(_items[mid], bound) < 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }

        /// <summary>The index of the first entry greater than <paramref name="bound"/>.</summary>
        public int UpperBound(Entry bound)
        {
            int lo = 0, hi = _items.Count;
            while (lo < hi)
            {
                var mid = lo + ((hi - lo) >> 1);
                if (EntryComparer.Instance.Compare(_items[mid], bound) <= 0)
                {
                    lo = mid + 1;
                }
                else
                {
                    hi = mid;
                }
            }

            return lo;
        }
    }
}
