namespace AlertEngine;

/// <summary>
/// The grouping core: decides, for each alert, whether it joins an incident, reopens a recently closed one, or opens a
/// new one. Pure and single-threaded (not thread-safe); no clock: it runs on the alerts' event times
/// (<see cref="Alert.CreatedAt"/>). The <c>CorrelateIncidents</c> operator and <see cref="IncidentManager"/> are built on it.
/// </summary>
/// <remarks>
/// <para><b>Rules</b> (<see cref="IncidentGroupingOptions"/>), for an alert with event time t:</para>
/// <list type="number">
/// <item>An alert already in an incident (a newer snapshot of an aggregated alert) stays there: <see cref="IncidentChangeKind.AlertUpdated"/>.</item>
/// <item>It joins an open incident that shares at least one entity of the chosen kinds (user, IP address, object,
/// policy; compared case-insensitively), when start ≤ t &lt; start + window (start: the event time of the incident's
/// first alert, or of the alert that last reopened it) and the incident holds fewer than
/// <see cref="IncidentGroupingOptions.MaxAlertsPerIncident"/> alerts. When several qualify, the one opened first wins
/// (see below).</item>
/// <item>Otherwise, with <see cref="IncidentGroupingOptions.ReopenWindow"/> set, it reopens a closed incident that
/// shares an entity, when t &lt; closed time + reopen window and the incident is below the cap (the one opened first
/// wins); the window then restarts at t.</item>
/// <item>Otherwise it opens a new incident with id <c>inc:{alert id}</c>.</item>
/// </list>
/// <para><b>Opened first</b> means the earliest <see cref="Incident.FirstAlertAt"/>, then the smaller id (ordinal): the
/// <see cref="IncidentOrder"/> of the store. For alerts in event-time order an incident's first alert is the one that
/// opened it, so this is the order incidents were opened in; alerts with the same event time rank by id. The order
/// depends only on the incidents, not on what the correlator remembers, so an incident brought back with
/// <see cref="Restore"/> (after a restart, or reopened by hand after it was forgotten) ranks exactly where it did
/// before.</para>
/// <para>Incidents are never merged, and an alert belongs to at most one incident.</para>
/// <para><b>Order and memory.</b> Feed alerts in event-time order (as the alert pipeline produces them). The newest
/// event time seen is the watermark. An incident is forgotten once no later alert can join it (watermark ≥ start +
/// window) nor reopen it (watermark ≥ closed time + reopen window; open incidents are kept while reopening is on,
/// since they may close later), plus <see cref="IncidentGroupingOptions.AlertUpdateHorizon"/> so that newer snapshots
/// of its alerts still find it. Memory follows the number of live incidents. For alerts in event-time order this gives
/// the same result as remembering everything; an alert arriving out of order is matched against the incidents still
/// remembered.</para>
/// </remarks>
public sealed class IncidentCorrelator
{
    private readonly IncidentGroupingOptions _options;
    private readonly Dictionary<string, Tracked> _byId = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Tracked> _byAlert = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<Tracked>> _byKey = new(StringComparer.OrdinalIgnoreCase);
    private readonly PriorityQueue<Tracked, DateTimeOffset> _expiry = new();
    private readonly List<IncidentEntity> _entities = [];
    private readonly List<IncidentEntity> _added = [];
    private DateTimeOffset _watermark = DateTimeOffset.MinValue;

    /// <summary>Creates a correlator.</summary>
    /// <param name="options">The grouping rules; <see langword="null"/> for the defaults. Validated; the correlator keeps its own copy.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public IncidentCorrelator(IncidentGroupingOptions? options = null)
    {
        _options = IncidentGroupingOptions.ValidatedCopy(options, nameof(options));
    }

    /// <summary>The number of incidents remembered (those later alerts can still join or reopen).</summary>
    public int TrackedIncidentCount => _byId.Count;

    /// <summary>The newest alert event time seen.</summary>
    public DateTimeOffset Watermark => _watermark;

    /// <summary>Gets the correlator's snapshot of a remembered incident (grouping fields only; phase detected or closed).</summary>
    /// <param name="incidentId">The incident id.</param>
    /// <param name="incident">The snapshot, when remembered.</param>
    /// <returns><see langword="true"/> when the incident is remembered.</returns>
    public bool TryGetIncident(string incidentId, out Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        if (_byId.TryGetValue(incidentId, out var tracked))
        {
            incident = tracked.Snapshot;
            return true;
        }

        incident = null!;
        return false;
    }

    /// <summary>The id of the remembered incident holding an alert.</summary>
    /// <param name="alertId">The alert id.</param>
    /// <returns>The incident id, or <see langword="null"/>.</returns>
    public string? FindIncidentOf(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        return _byAlert.TryGetValue(alertId, out var tracked) ? tracked.Id : null;
    }

    /// <summary>Groups one alert by the rules (see the remarks).</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>What happened: <see cref="IncidentChangeKind.Opened"/>, <see cref="IncidentChangeKind.AlertAdded"/>,
    /// <see cref="IncidentChangeKind.Reopened"/> or <see cref="IncidentChangeKind.AlertUpdated"/>, with the incident's new snapshot.</returns>
    public IncidentChange Add(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        ArgumentNullException.ThrowIfNull(alert.Id, nameof(alert));
        var t = alert.CreatedAt;
        if (t > _watermark)
        {
            _watermark = t;
        }

        Evict();
        if (_byAlert.TryGetValue(alert.Id, out var member))
        {
            Apply(member, alert);
            return new(IncidentChangeKind.AlertUpdated, member.Snapshot, alert);
        }

        Tracked? open = null;
        Tracked? closed = null;
        _entities.Clear();
        IncidentBuilder.EntitiesOf(alert, _entities);
        foreach (var entity in _entities)
        {
            if (!IncidentBuilder.IsGrouped(entity.Kind, _options.Entities)
                || !_byKey.TryGetValue(IncidentBuilder.Key(entity), out var candidates))
            {
                continue;
            }

            foreach (var candidate in candidates)
            {
                if (candidate.Count >= _options.MaxAlertsPerIncident)
                {
                    continue;
                }

                if (candidate.ClosedAt is not { } closedAt)
                {
                    if (candidate.Start <= t && t < candidate.Start + _options.Window && (open is null || OpenedBefore(candidate, open)))
                    {
                        open = candidate;
                    }
                }
                else if (_options.ReopenWindow is { } reopen && t < closedAt + reopen && (closed is null || OpenedBefore(candidate, closed)))
                {
                    closed = candidate;
                }
            }
        }

        if (open is not null)
        {
            Apply(open, alert);
            open.Count++;
            return new(IncidentChangeKind.AlertAdded, open.Snapshot, alert);
        }

        if (closed is not null)
        {
            closed.ClosedAt = null;
            closed.Start = t;
            closed.Snapshot = closed.Snapshot with { Phase = IncidentPhase.Detected, ReopenCount = closed.Snapshot.ReopenCount + 1 };
            Apply(closed, alert);
            closed.Count++;
            return new(IncidentChangeKind.Reopened, closed.Snapshot, alert);
        }

        var opened = Track(IncidentBuilder.Open(alert, null, _options.MaxEntitiesPerIncident, _added), t, 1);
        return new(IncidentChangeKind.Opened, opened.Snapshot, alert);
    }

    /// <summary>
    /// Opens an incident by hand from one or more alerts, none of which may be in an incident already. Its id is
    /// <c>inc:</c> + the id of the earliest alert (by <see cref="Alert.CreatedAt"/>, then id); its grouping window
    /// starts at that alert, and later alerts join it by the normal rules.
    /// </summary>
    /// <param name="alerts">The alerts (distinct ids). They may exceed <see cref="IncidentGroupingOptions.MaxAlertsPerIncident"/>.</param>
    /// <param name="title">A title; <see langword="null"/> for the earliest alert's policy name.</param>
    /// <returns>The new incident.</returns>
    /// <exception cref="ArgumentException"><paramref name="alerts"/> is empty, holds <see langword="null"/> or repeats an id.</exception>
    /// <exception cref="InvalidOperationException">An alert is already in an incident.</exception>
    public Incident Open(IReadOnlyList<Alert> alerts, string? title = null)
    {
        var sorted = SortForOpen(alerts);
        foreach (var alert in sorted)
        {
            if (_byAlert.TryGetValue(alert.Id, out var owner))
            {
                throw new InvalidOperationException($"Alert {alert.Id} is already in incident {owner.Id}.");
            }
        }

        if (sorted[0].CreatedAt > _watermark)
        {
            _watermark = sorted[0].CreatedAt;
        }

        var tracked = Track(IncidentBuilder.Open(sorted[0], title, _options.MaxEntitiesPerIncident, _added), sorted[0].CreatedAt, sorted.Count);
        for (var i = 1; i < sorted.Count; i++)
        {
            Apply(tracked, sorted[i]);
        }

        return tracked.Snapshot;
    }

    /// <summary>Attaches an alert to a remembered incident by hand (the cap does not apply).</summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="alert">The alert; when already in this incident its newer snapshot is merged.</param>
    /// <returns><see langword="true"/> when attached; <see langword="false"/> when the incident is not remembered.</returns>
    /// <exception cref="InvalidOperationException">The alert is in another incident.</exception>
    public bool Attach(string incidentId, Alert alert)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        ArgumentNullException.ThrowIfNull(alert);
        if (_byAlert.TryGetValue(alert.Id, out var owner) && owner.Id != incidentId)
        {
            throw new InvalidOperationException($"Alert {alert.Id} is already in incident {owner.Id}.");
        }

        if (!_byId.TryGetValue(incidentId, out var tracked))
        {
            return false;
        }

        if (owner is null)
        {
            tracked.Count++;
        }

        Apply(tracked, alert);
        return true;
    }

    /// <summary>Marks a remembered incident closed: grouping rules no longer add alerts to it, but with reopening on a
    /// matching alert before <paramref name="closedAt"/> + <see cref="IncidentGroupingOptions.ReopenWindow"/> reopens it.
    /// Closing a closed incident changes nothing.</summary>
    /// <param name="incidentId">The incident.</param>
    /// <param name="closedAt">When it was closed; compared with later alerts' event times.</param>
    /// <returns><see langword="true"/> when the incident was remembered.</returns>
    public bool Close(string incidentId, DateTimeOffset closedAt)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        if (!_byId.TryGetValue(incidentId, out var tracked))
        {
            return false;
        }

        if (tracked.ClosedAt is not null)
        {
            return true;
        }

        tracked.ClosedAt = closedAt;
        tracked.Snapshot = tracked.Snapshot with { Phase = IncidentPhase.Closed };
        ScheduleExpiry(tracked);
        return true;
    }

    /// <summary>Marks a remembered closed incident open again (reopened by hand); its grouping window is unchanged.</summary>
    /// <param name="incidentId">The incident.</param>
    /// <returns><see langword="true"/> when the incident was remembered and closed.</returns>
    public bool Reopen(string incidentId)
    {
        ArgumentNullException.ThrowIfNull(incidentId);
        if (!_byId.TryGetValue(incidentId, out var tracked) || tracked.ClosedAt is null)
        {
            return false;
        }

        tracked.ClosedAt = null;
        tracked.Snapshot = tracked.Snapshot with { Phase = IncidentPhase.Detected, ReopenCount = tracked.Snapshot.ReopenCount + 1 };
        ScheduleExpiry(tracked);
        return true;
    }

    /// <summary>
    /// Remembers an incident the correlator does not know (forgotten, or loaded from a store after a restart) so the
    /// grouping rules apply to it again: its window starts at its <see cref="Incident.FirstAlertAt"/>, it counts its
    /// <see cref="Incident.AlertIds"/> against the cap, groups on its <see cref="Incident.Entities"/>, and when closed it
    /// can be reopened until its <see cref="Incident.ClosedAt"/> + the reopen window. When several incidents match an
    /// alert it ranks by its <see cref="Incident.FirstAlertAt"/>, then id, like every incident (see the class remarks), not
    /// by when it was restored.
    /// </summary>
    /// <param name="incident">The incident.</param>
    /// <returns><see langword="true"/> when it was added; <see langword="false"/> when already remembered.</returns>
    /// <exception cref="InvalidOperationException">One of its alerts is in another remembered incident.</exception>
    public bool Restore(Incident incident)
    {
        ArgumentNullException.ThrowIfNull(incident);
        if (_byId.ContainsKey(incident.Id))
        {
            return false;
        }

        var alertIds = incident.AlertIds.IsDefault ? [] : incident.AlertIds;
        foreach (var alertId in alertIds)
        {
            if (_byAlert.TryGetValue(alertId, out var owner))
            {
                throw new InvalidOperationException($"Alert {alertId} of incident {incident.Id} is already in incident {owner.Id}.");
            }
        }

        var tracked = new Tracked(incident.Id)
        {
            Snapshot = incident,
            Start = incident.FirstAlertAt,
            Count = alertIds.Length,
            ClosedAt = incident.Phase == IncidentPhase.Closed ? incident.ClosedAt ?? incident.LastAlertAt : null,
        };
        _byId.Add(tracked.Id, tracked);
        foreach (var alertId in alertIds)
        {
            _byAlert[alertId] = tracked;
        }

        if (!incident.Entities.IsDefault)
        {
            _added.AddRange(incident.Entities);
        }

        Index(tracked);
        ScheduleExpiry(tracked);
        return true;
    }

    internal static List<Alert> SortForOpen(IReadOnlyList<Alert> alerts)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        if (alerts.Count == 0)
        {
            throw new ArgumentException("An incident needs at least one alert.", nameof(alerts));
        }

        var sorted = new List<Alert>(alerts.Count);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            if (alert is null)
            {
                throw new ArgumentException("The alerts must not contain null.", nameof(alerts));
            }

            if (!ids.Add(alert.Id))
            {
                throw new ArgumentException($"Alert {alert.Id} is listed twice.", nameof(alerts));
            }

            sorted.Add(alert);
        }

        sorted.Sort(static (x, y) =>
        {
            var c = x.CreatedAt.UtcTicks.CompareTo(y.CreatedAt.UtcTicks);
            return c != 0 ? c : string.CompareOrdinal(x.Id, y.Id);
        });
        return sorted;
    }

    private Tracked Track(Incident snapshot, DateTimeOffset start, int count)
    {
        var tracked = new Tracked(snapshot.Id) { Snapshot = snapshot, Start = start, Count = count };
        _byId.Add(tracked.Id, tracked);
        _byAlert[snapshot.AlertIds[0]] = tracked;
        Index(tracked);
        ScheduleExpiry(tracked);
        return tracked;
    }

    private void Apply(Tracked tracked, Alert alert)
    {
        tracked.Snapshot = IncidentBuilder.WithAlert(tracked.Snapshot, alert, _options.MaxEntitiesPerIncident, _added);
        _byAlert[alert.Id] = tracked;
        Index(tracked);
    }

    /// <summary>Indexes the entities in <see cref="_added"/> under <paramref name="tracked"/> and clears the list.</summary>
    private void Index(Tracked tracked)
    {
        foreach (var entity in _added)
        {
            if (!IncidentBuilder.IsGrouped(entity.Kind, _options.Entities))
            {
                continue;
            }

            var key = IncidentBuilder.Key(entity);
            if (!_byKey.TryGetValue(key, out var list))
            {
                _byKey.Add(key, list = []);
            }

            list.Add(tracked);
            tracked.Keys.Add(key);
        }

        _added.Clear();
    }

    /// <summary>Whether <paramref name="x"/> was opened before <paramref name="y"/>: earlier first alert, then smaller id
    /// (<see cref="IncidentOrder"/>). Independent of tracking order, so restored incidents keep their rank.</summary>
    private static bool OpenedBefore(Tracked x, Tracked y) => IncidentOrder.Instance.Compare(x.Snapshot, y.Snapshot) < 0;

    private void Evict()
    {
        while (_expiry.TryPeek(out var tracked, out var at) && at <= _watermark)
        {
            _expiry.Dequeue();
            if (!tracked.Removed && IsExpired(tracked))
            {
                Remove(tracked);
            }
        }
    }

    private bool IsExpired(Tracked tracked) => ExpiryOf(tracked) is { } expiry && _watermark >= expiry;

    /// <summary>When no alert can join or reopen the incident any more, plus the update horizon; <see langword="null"/>
    /// for an open incident while reopening is on (it may close and reopen later).</summary>
    private DateTimeOffset? ExpiryOf(Tracked tracked)
    {
        var windowEnd = tracked.Start + _options.Window;
        if (tracked.ClosedAt is { } closedAt)
        {
            if (_options.ReopenWindow is { } reopen && closedAt + reopen > windowEnd)
            {
                windowEnd = closedAt + reopen;
            }
        }
        else if (_options.ReopenWindow is not null)
        {
            return null;
        }

        return windowEnd + _options.AlertUpdateHorizon;
    }

    private void ScheduleExpiry(Tracked tracked)
    {
        if (ExpiryOf(tracked) is { } expiry)
        {
            _expiry.Enqueue(tracked, expiry);
        }
    }

    private void Remove(Tracked tracked)
    {
        tracked.Removed = true;
        _byId.Remove(tracked.Id);
        foreach (var alertId in tracked.Snapshot.AlertIds)
        {
            if (_byAlert.TryGetValue(alertId, out var owner) && ReferenceEquals(owner, tracked))
            {
                _byAlert.Remove(alertId);
            }
        }

        foreach (var key in tracked.Keys)
        {
            if (_byKey.TryGetValue(key, out var list))
            {
                list.Remove(tracked);
                if (list.Count == 0)
                {
                    _byKey.Remove(key);
                }
            }
        }
    }

    private sealed class Tracked(string id)
    {
        public string Id { get; } = id;

        public required Incident Snapshot { get; set; }

        public DateTimeOffset Start { get; set; }

        public int Count { get; set; }

        public DateTimeOffset? ClosedAt { get; set; }

        public bool Removed { get; set; }

        public List<string> Keys { get; } = [];
    }
}
