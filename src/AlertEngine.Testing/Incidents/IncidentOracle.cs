namespace AlertEngine.Testing;

/// <summary>One step of an incident-grouping scenario.</summary>
public abstract record IncidentStep;

/// <summary>An alert (new, or a newer snapshot of an alert seen before) is grouped.</summary>
/// <param name="Alert">The alert.</param>
public sealed record IncidentAlertStep(Alert Alert) : IncidentStep;

/// <summary>The incident holding an alert is closed (nothing happens when it is closed already or there is none).</summary>
/// <param name="AlertId">An alert of the incident.</param>
/// <param name="ClosedAt">When it is closed.</param>
public sealed record IncidentCloseStep(string AlertId, DateTimeOffset ClosedAt) : IncidentStep;

/// <summary>The incident holding an alert is reopened by hand (nothing happens when it is open or there is none).</summary>
/// <param name="AlertId">An alert of the incident.</param>
public sealed record IncidentReopenStep(string AlertId) : IncidentStep;

/// <summary>What an alert step did.</summary>
/// <param name="Kind">Opened, AlertAdded, AlertUpdated or Reopened.</param>
/// <param name="IncidentId">The incident.</param>
/// <param name="AlertCount">The incident's number of alerts afterwards.</param>
/// <param name="Entities">The incident's entities afterwards, as <c>kind:value</c>, in order.</param>
public sealed record IncidentDecision(IncidentChangeKind Kind, string IncidentId, int AlertCount, string Entities);

/// <summary>
/// A naive reference for <see cref="IncidentCorrelator"/>: it remembers every incident forever and scans all of them
/// for every alert, straight from the rules in the docs. Use it in property tests: for alerts in event-time order the
/// correlator must decide exactly the same. When several incidents qualify, the one opened first wins: earliest first
/// alert, then smaller id (ordinal), whether or not the correlator forgot and restored it meanwhile.
/// </summary>
public static class IncidentOracle
{
    /// <summary>Runs a scenario through the naive reference.</summary>
    /// <param name="steps">The steps.</param>
    /// <param name="options">The grouping rules; <see langword="null"/> for the defaults.</param>
    /// <returns>One decision per alert step, in order.</returns>
    public static IReadOnlyList<IncidentDecision> Correlate(IEnumerable<IncidentStep> steps, IncidentGroupingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(steps);
        options ??= new IncidentGroupingOptions();
        var incidents = new List<NaiveIncident>();
        var decisions = new List<IncidentDecision>();
        foreach (var step in steps)
        {
            switch (step)
            {
                case IncidentAlertStep { Alert: var alert }:
                    decisions.Add(Add(incidents, alert, options));
                    break;
                case IncidentCloseStep close:
                    if (incidents.Find(i => i.AlertIds.Contains(close.AlertId)) is { ClosedAt: null } toClose)
                    {
                        toClose.ClosedAt = close.ClosedAt;
                    }

                    break;
                case IncidentReopenStep reopen:
                    if (incidents.Find(i => i.AlertIds.Contains(reopen.AlertId)) is { ClosedAt: not null } toReopen)
                    {
                        toReopen.ClosedAt = null;
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown step {step}.", nameof(steps));
            }
        }

        return decisions;
    }

    /// <summary>Runs a scenario through an <see cref="IncidentCorrelator"/>, in the oracle's form.</summary>
    /// <param name="correlator">The correlator.</param>
    /// <param name="steps">The steps.</param>
    /// <returns>One decision per alert step, in order.</returns>
    public static IReadOnlyList<IncidentDecision> Run(IncidentCorrelator correlator, IEnumerable<IncidentStep> steps)
    {
        ArgumentNullException.ThrowIfNull(correlator);
        ArgumentNullException.ThrowIfNull(steps);
        var decisions = new List<IncidentDecision>();
        var last = new Dictionary<string, Incident>(StringComparer.Ordinal);
        var ownerOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var step in steps)
        {
            switch (step)
            {
                case IncidentAlertStep { Alert: var alert }:
                    var change = correlator.Add(alert);
                    last[change.Incident.Id] = change.Incident;
                    ownerOf[alert.Id] = change.Incident.Id;
                    decisions.Add(new(change.Kind, change.Incident.Id, change.Incident.AlertIds.Length, Describe(change.Incident.Entities)));
                    break;
                case IncidentCloseStep close:
                    if (ownerOf.TryGetValue(close.AlertId, out var closeId))
                    {
                        correlator.Close(closeId, close.ClosedAt);
                    }

                    break;
                case IncidentReopenStep reopen:
                    if (ownerOf.TryGetValue(reopen.AlertId, out var reopenId) && !correlator.Reopen(reopenId)
                        && !correlator.TryGetIncident(reopenId, out _))
                    {
                        // Forgotten by the correlator: what IncidentManager.ReopenAsync does.
                        correlator.Restore(last[reopenId] with { Phase = IncidentPhase.Detected });
                    }

                    break;
                default:
                    throw new ArgumentException($"Unknown step {step}.", nameof(steps));
            }
        }

        return decisions;
    }

    private static IncidentDecision Add(List<NaiveIncident> incidents, Alert alert, IncidentGroupingOptions options)
    {
        var t = alert.CreatedAt;
        var member = incidents.Find(i => i.AlertIds.Contains(alert.Id));
        if (member is not null)
        {
            member.Merge(alert, options);
            return member.Decision(IncidentChangeKind.AlertUpdated);
        }

        var keys = EntitiesOf(alert).Where(e => Grouped(e.Kind, options.Entities)).Select(Key).ToHashSet(StringComparer.OrdinalIgnoreCase);
        bool Shares(NaiveIncident i) => i.Entities.Any(e => Grouped(e.Kind, options.Entities) && keys.Contains(Key(e)));

        // "Opened first": the earliest first alert, then the smaller id (ordinal).
        var open = OpenedFirst(incidents.Where(i => i.ClosedAt is null && i.AlertIds.Count < options.MaxAlertsPerIncident
            && i.Start <= t && t < i.Start + options.Window && Shares(i)));
        if (open is not null)
        {
            open.Merge(alert, options);
            return open.Decision(IncidentChangeKind.AlertAdded);
        }

        var closed = options.ReopenWindow is { } reopen
            ? OpenedFirst(incidents.Where(i => i.ClosedAt is { } closedAt && i.AlertIds.Count < options.MaxAlertsPerIncident && t < closedAt + reopen && Shares(i)))
            : null;
        if (closed is not null)
        {
            closed.ClosedAt = null;
            closed.Start = t;
            closed.Merge(alert, options);
            return closed.Decision(IncidentChangeKind.Reopened);
        }

        var opened = new NaiveIncident("inc:" + alert.Id, t);
        opened.Merge(alert, options);
        incidents.Add(opened);
        return opened.Decision(IncidentChangeKind.Opened);
    }

    private static NaiveIncident? OpenedFirst(IEnumerable<NaiveIncident> candidates) =>
        candidates.OrderBy(i => i.FirstAlertAt.UtcTicks).ThenBy(i => i.Id, StringComparer.Ordinal).FirstOrDefault();

    private static IEnumerable<IncidentEntity> EntitiesOf(Alert alert)
    {
        if (!string.IsNullOrEmpty(alert.PolicyId))
        {
            yield return new(IncidentEntityKind.Policy, alert.PolicyId);
        }

        foreach (var user in alert.Users.Where(u => !string.IsNullOrEmpty(u)))
        {
            yield return new(IncidentEntityKind.User, user);
        }

        foreach (var activity in alert.Activities)
        {
            if (activity.ClientIp is not null)
            {
                yield return new(IncidentEntityKind.IpAddress, activity.ClientIp.ToString());
            }

            if (!string.IsNullOrEmpty(activity.ObjectId))
            {
                yield return new(IncidentEntityKind.ObjectId, activity.ObjectId);
            }
        }
    }

    private static bool Grouped(IncidentEntityKind kind, IncidentGroupingEntities entities) => kind switch
    {
        IncidentEntityKind.User => entities.HasFlag(IncidentGroupingEntities.User),
        IncidentEntityKind.IpAddress => entities.HasFlag(IncidentGroupingEntities.IpAddress),
        IncidentEntityKind.ObjectId => entities.HasFlag(IncidentGroupingEntities.ObjectId),
        _ => entities.HasFlag(IncidentGroupingEntities.Policy),
    };

    private static string Key(IncidentEntity entity) => $"{entity.Kind}:{entity.Value}";

    private static string Describe(IEnumerable<IncidentEntity> entities) => string.Join(",", entities.Select(Key));

    private sealed class NaiveIncident(string id, DateTimeOffset start)
    {
        public string Id { get; } = id;

        public DateTimeOffset Start { get; set; } = start;

        public DateTimeOffset? ClosedAt { get; set; }

        public DateTimeOffset FirstAlertAt { get; private set; } = DateTimeOffset.MaxValue;

        public List<string> AlertIds { get; } = [];

        public List<IncidentEntity> Entities { get; } = [];

        public void Merge(Alert alert, IncidentGroupingOptions options)
        {
            if (!AlertIds.Contains(alert.Id))
            {
                AlertIds.Add(alert.Id);
            }

            if (alert.CreatedAt < FirstAlertAt)
            {
                FirstAlertAt = alert.CreatedAt;
            }

            foreach (var entity in EntitiesOf(alert))
            {
                if (Entities.Count < options.MaxEntitiesPerIncident
                    && !Entities.Any(e => string.Equals(Key(e), Key(entity), StringComparison.OrdinalIgnoreCase)))
                {
                    Entities.Add(entity);
                }
            }
        }

        public IncidentDecision Decision(IncidentChangeKind kind) => new(kind, Id, AlertIds.Count, Describe(Entities));
    }
}
