using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// The pure, single-threaded decision core of notifications: given an alert change, its policy and the wall-clock
/// time, decides whether to notify, and keeps the accounting (what was notified per alert, daily limits, throttles,
/// suppression, silences, early warnings). It does no I/O and does not know about notifiers; the
/// <see cref="NotificationDispatcher"/> calls it under a lock and delivers. Not thread-safe.
/// </summary>
/// <remarks>
/// <para>The checks, in order: notifications on for the policy; at least one recipient; a new alert, or an update with
/// <see cref="NotificationOptions.NotifyOnUpdates"/>; the alert not suppressed; no active silence matching; the daily
/// limit not reached; the throttle not exhausted. A change that passes every check is counted (daily and throttle) and
/// decided <see cref="NotificationOutcome.Send"/>.</para>
/// <para><b>Time.</b> The daily limit counts per calendar day of the alert's creation time (event time) in
/// <see cref="NotificationOptions.TimeZone"/>; the throttle counts notifications by their event time in (t − window, t]
/// (the window slides with the newest event time seen, so changes are expected in event-time order, as the engine emits
/// them); silences run on the wall clock passed as <c>now</c>.</para>
/// <para><b>Never twice.</b> Every alert change is decided once: a change whose <see cref="Alert.DetectionCount"/> is not
/// newer than one already decided for that alert (a replay after a restart from a snapshot) is
/// <see cref="NotificationOutcome.AlreadyDecided"/> and changes nothing.</para>
/// <para><b>Bounded.</b> State older than <see cref="NotificationOptions.StateRetention"/> behind the newest event time
/// is dropped.</para>
/// </remarks>
public sealed partial class NotificationGate
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly NotificationOptions _options;
    private readonly Dictionary<string, GateAlertRecord> _alerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, GatePolicyRecord> _policies = new(StringComparer.Ordinal);
    private readonly SilenceSet _silences = new();
    private long _newestTicks = long.MinValue;
    private long _nextPruneTicks = long.MinValue;

    /// <summary>Creates a gate.</summary>
    /// <param name="options">Options; <see langword="null"/> for the defaults. Validated; the gate keeps its own copy.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message lists every problem.</exception>
    public NotificationGate(NotificationOptions? options = null)
    {
        _options = NotificationOptions.ValidatedCopy(options, nameof(options));
    }

    /// <summary>The time zone of the daily limit.</summary>
    public TimeZoneInfo TimeZone => _options.TimeZone;

    /// <summary>Number of alerts the gate keeps a record of.</summary>
    public int TrackedAlerts => _alerts.Count;

    /// <summary>Decides whether to notify an alert change, and counts it when it is sent.</summary>
    /// <param name="change">The change.</param>
    /// <param name="policy">The alert's policy (its current notification settings apply).</param>
    /// <param name="now">The wall-clock time, for silences.</param>
    /// <returns>The decision and the alert's notification state.</returns>
    /// <exception cref="ArgumentException">The policy is not the alert's.</exception>
    public NotificationDecision Decide(AlertChange change, AlertPolicy policy, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(change);
        ArgumentNullException.ThrowIfNull(policy);
        var alert = change.Alert;
        if (!string.Equals(alert.PolicyId, policy.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException($"Policy '{policy.Id}' is not the policy of alert '{alert.Id}' ('{alert.PolicyId}').", nameof(policy));
        }

        var eventTicks = (change.Kind == AlertChangeKind.Created ? alert.CreatedAt : change.Detection.Time).UtcTicks;
        Observe(eventTicks);
        if (!_alerts.TryGetValue(alert.Id, out var record))
        {
            _alerts.Add(alert.Id, record = new GateAlertRecord(alert.PolicyId));
        }

        if (alert.DetectionCount <= record.LastDetectionCount)
        {
            return new(NotificationOutcome.AlreadyDecided, record.Suppressed ?? alert.NotificationsSuppressed, record.SilencedBy);
        }

        record.PolicyId = alert.PolicyId;
        record.LastEventTicks = record.LastDetectionCount == 0 ? eventTicks : Math.Max(record.LastEventTicks, eventTicks);
        record.LastDetectionCount = alert.DetectionCount;
        ResetEarlyWarning(policy, change.Detection);

        var silencedBy = record.SilencedBy;
        var silenced = _silences.Match(alert.PolicyId, alert.Severity, alert.Category, change.Detection.TriggeringActivity, now, ref silencedBy);
        record.SilencedBy = silencedBy;
        var suppressed = record.Suppressed ?? alert.NotificationsSuppressed;
        var outcome = Evaluate(policy, change.Kind == AlertChangeKind.Updated, suppressed, silenced, alert.CreatedAt, eventTicks);
        if (outcome == NotificationOutcome.Send)
        {
            record.Sent++;
        }

        return new(outcome, suppressed, record.SilencedBy);
    }

    /// <summary>Suppresses or re-enables notifications for an alert (known yet or not). The alert still updates.</summary>
    /// <param name="alertId">The alert id.</param>
    /// <param name="suppressed">Whether to suppress.</param>
    public void SetSuppressed(string alertId, bool suppressed)
    {
        ArgumentException.ThrowIfNullOrEmpty(alertId);
        if (!_alerts.TryGetValue(alertId, out var record))
        {
            // Kept until the alert is first decided (or for the retention once event time has started).
            var kept = _newestTicks == long.MinValue ? DateTimeOffset.MaxValue.UtcTicks : _newestTicks;
            _alerts.Add(alertId, record = new GateAlertRecord(PolicyIdOf(alertId)) { LastEventTicks = kept });
        }

        record.Suppressed = suppressed;
    }

    /// <summary>Whether notifications are suppressed for an alert through <see cref="SetSuppressed"/>.</summary>
    /// <param name="alertId">The alert id.</param>
    /// <returns>The suppression set, or <see langword="null"/> when none was set (the alert's own flag applies).</returns>
    public bool? GetSuppressed(string alertId)
    {
        ArgumentNullException.ThrowIfNull(alertId);
        return _alerts.TryGetValue(alertId, out var record) ? record.Suppressed : null;
    }

    /// <summary>How many notifications of a policy were sent on the day of <paramref name="eventTime"/> (in the configured time zone).</summary>
    /// <param name="policyId">The policy id.</param>
    /// <param name="eventTime">A time on the day.</param>
    /// <returns>The count.</returns>
    public int GetDailyCount(string policyId, DateTimeOffset eventTime)
    {
        ArgumentNullException.ThrowIfNull(policyId);
        return _policies.TryGetValue(policyId, out var p) && p.Daily.TryGetValue(DayOf(eventTime), out var n) ? n : 0;
    }

    /// <summary>Adds a silence, or replaces the one with the same id.</summary>
    /// <param name="silence">The silence.</param>
    /// <exception cref="ArgumentException">The silence is invalid; the message lists every problem.</exception>
    public void AddSilence(Silence silence)
    {
        ArgumentNullException.ThrowIfNull(silence);
        _silences.Add(silence);
    }

    /// <summary>Ends a silence early: it stops matching at <paramref name="now"/>, and is dropped.</summary>
    /// <param name="silenceId">The silence id.</param>
    /// <param name="now">The wall-clock time.</param>
    /// <returns><see langword="true"/> when the silence was there and had not ended yet.</returns>
    public bool EndSilence(string silenceId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(silenceId);
        return _silences.End(silenceId, now);
    }

    /// <summary>The silences that have not expired at <paramref name="now"/> (active or pending), in the order added.
    /// Expired ones are dropped.</summary>
    /// <param name="now">The wall-clock time.</param>
    /// <returns>The silences.</returns>
    public IReadOnlyList<Silence> GetSilences(DateTimeOffset now) => _silences.Current(now);

    private NotificationOutcome Evaluate(AlertPolicy policy, bool isUpdate, bool suppressed, bool silenced, DateTimeOffset dayTime, long eventTicks)
    {
        var settings = policy.Notification;
        if (settings is null || !settings.Enabled)
        {
            return NotificationOutcome.NotificationsOff;
        }

        if (settings.Recipients is null || settings.Recipients.Count == 0)
        {
            return NotificationOutcome.NoRecipients;
        }

        if (isUpdate && !_options.NotifyOnUpdates)
        {
            return NotificationOutcome.UpdateNotNotified;
        }

        if (suppressed)
        {
            return NotificationOutcome.Suppressed;
        }

        if (silenced)
        {
            return NotificationOutcome.Silenced;
        }

        var p = GetPolicy(policy.Id);
        var day = DayOf(dayTime);
        p.Daily.TryGetValue(day, out var sentToday);
        if (settings.DailyLimit is int limit && sentToday >= limit)
        {
            return NotificationOutcome.DailyLimitReached;
        }

        var throttle = settings.Throttle ?? _options.DefaultThrottle;
        if (throttle is not null)
        {
            var window = throttle.Window.Ticks;
            var sends = p.Sends;
            sends.RemoveBefore(_newestTicks - window + 1);
            if (sends.CountBetween(eventTicks - window + 1, eventTicks) >= throttle.Count)
            {
                return NotificationOutcome.Throttled;
            }

            sends.Insert(eventTicks);
        }

        p.Daily[day] = sentToday + 1;
        return NotificationOutcome.Send;
    }

    private GatePolicyRecord GetPolicy(string policyId)
    {
        if (!_policies.TryGetValue(policyId, out var p))
        {
            _policies.Add(policyId, p = new GatePolicyRecord());
        }

        return p;
    }

    private int DayOf(DateTimeOffset time) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, _options.TimeZone).DateTime).DayNumber;

    private static string PolicyIdOf(string alertId)
    {
        var colon = alertId.LastIndexOf(':');
        return colon > 0 ? alertId[..colon] : string.Empty;
    }

    private static DateTimeOffset? ToTime(long ticks) => ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);
}
