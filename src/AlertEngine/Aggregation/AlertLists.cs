using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// The growing lists of one alert while it is open (its distinct users, operations and tags, and its activities), with
/// the rules of <see cref="AlertAggregator"/>: distinct values compare case-insensitively and keep their first-seen
/// order, and each list keeps at most <see cref="MaxItems"/> items. Single-threaded (the aggregator's); its arrays are
/// shared with the snapshots (<see cref="AlertSnapshotSource"/>), which only ever read items below their counts.
/// </summary>
internal sealed class AlertLists(int maxItems)
{
    private readonly HashSet<string> _seenUsers = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _seenOperations = new(StringComparer.OrdinalIgnoreCase);
    private readonly HashSet<string> _seenTags = new(StringComparer.OrdinalIgnoreCase);

    // The operation of the last activity collected (operations are interned by the reader and most policies track one):
    // the same instance is already in _seenOperations, or the list is full. Saves a case-insensitive hash per activity.
    private string? _lastOperation;

    /// <summary>The cap of each list.</summary>
    public int MaxItems => maxItems;

    public AlertValuesBuffer<string> Users { get; } = new();

    public AlertValuesBuffer<string> Operations { get; } = new();

    public AlertValuesBuffer<string> Tags { get; } = new();

    public AlertValuesBuffer<AlertActivity> Activities { get; } = new(listed: true);

    /// <summary>Starts empty lists for a new alert (the old arrays stay with the snapshots that hold them).</summary>
    public void Reset()
    {
        _seenUsers.Clear();
        _seenOperations.Clear();
        _seenTags.Clear();
        Users.Reset();
        Operations.Reset();
        Tags.Reset();
        Activities.Reset();
        _lastOperation = null;
    }

    /// <summary>The distinct non-empty tags of one activity (compared case-insensitively, first-seen order), at most
    /// <paramref name="cap"/>: what <see cref="Collect(Detection, ref DateTimeOffset, ref DateTimeOffset)"/> gives a new
    /// alert's tags for a detection of that activity alone.</summary>
    public static ImmutableArray<string> DistinctTags(IReadOnlyList<string> tags, int cap)
    {
        var distinct = ImmutableArray.CreateBuilder<string>(Math.Min(tags.Count, cap));
        for (var t = 0; t < tags.Count && distinct.Count < cap; t++)
        {
            if (tags[t] is { Length: > 0 } tag && !ContainsIgnoreCase(distinct, tag))
            {
                distinct.Add(tag);
            }
        }

        return distinct.Count == distinct.Capacity ? distinct.MoveToImmutable() : distinct.ToImmutable();
    }

    private static bool ContainsIgnoreCase(ImmutableArray<string>.Builder values, string value)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (string.Equals(values[i], value, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Adds a restored value (a checkpoint's) to users, operations or tags.</summary>
    public void AddRestored(AlertValuesBuffer<string> list, string value)
    {
        var seen = ReferenceEquals(list, Users) ? _seenUsers : ReferenceEquals(list, Operations) ? _seenOperations : _seenTags;
        seen.Add(value);
        list.Add(value);
    }

    /// <summary>Adds a detection's activities: the users, operations and tags not seen yet (up to the cap) and the
    /// activities (up to the cap); widens [<paramref name="first"/>, <paramref name="last"/>] to their times and the
    /// detection's.</summary>
    public void Collect(Detection detection, ref DateTimeOffset first, ref DateTimeOffset last)
    {
        if (detection.Time > last)
        {
            last = detection.Time;
        }

        if (detection.SingleActivity is { } only)
        {
            // An every-time detection: no list to read, and its time is its activity's.
            Collect(only, detection.Time, ref first, ref last);
            return;
        }

        var list = detection.Activities;
        for (var i = 0; i < list.Count; i++)
        {
            var a = list[i];
            Collect(a, a.Time, ref first, ref last);
        }
    }

    /// <summary>Adds one activity of a detection.</summary>
    /// <param name="a">The activity.</param>
    /// <param name="time">Its <see cref="Activity.Time"/>, read once by the caller: each read makes a
    /// <see cref="DateTimeOffset"/> from the activity's ticks, whose offset check is a call into the runtime library
    /// when the JIT has no profile to inline it by (end-to-end.md, range-16).</param>
    /// <param name="first">The alert's first activity time so far.</param>
    /// <param name="last">The alert's last activity time so far.</param>
    private void Collect(Activity a, DateTimeOffset time, ref DateTimeOffset first, ref DateTimeOffset last)
    {
        if (time < first)
        {
            first = time;
        }

        if (time > last)
        {
            last = time;
        }

        if (Users.Count < maxItems && a.UserId is { Length: > 0 } user && _seenUsers.Add(user))
        {
            Users.Add(user);
        }

        if (_lastOperation is null || !ReferenceEquals(a.Operation, _lastOperation))
        {
            if (Operations.Count < maxItems && _seenOperations.Add(a.Operation))
            {
                Operations.Add(a.Operation);
            }

            _lastOperation = a.Operation;
        }

        var userTags = a.UserTags;
        for (var t = 0; t < userTags.Count && Tags.Count < maxItems; t++)
        {
            if (userTags[t] is { Length: > 0 } tag && _seenTags.Add(tag))
            {
                Tags.Add(tag);
            }
        }

        if (Activities.Count < maxItems)
        {
            Activities.Add(AlertActivity.From(a, time));
        }
    }
}
