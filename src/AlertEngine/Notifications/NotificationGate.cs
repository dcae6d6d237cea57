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
public sealed class NotificationGate
{
    private static readonly TimeSpan PruneEvery = TimeSpan.FromHours(1);

    private readonly NotificationOptions _options;
    private readonly Dictionary<string, AlertRecord> _alerts = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PolicyRecord> _policies = new(StringComparer.Ordinal);
    private readonly List<CompiledSilence> _silences = [];
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
            _alerts.Add(alert.Id, record = new AlertRecord(alert.PolicyId));
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
        var silenced = MatchSilences(alert.PolicyId, alert.Severity, alert.Category, change.Detection.TriggeringActivity, now, ref silencedBy);
        record.SilencedBy = silencedBy;
        var suppressed = record.Suppressed ?? alert.NotificationsSuppressed;
        var outcome = Evaluate(policy, change.Kind == AlertChangeKind.Updated, suppressed, silenced, alert.CreatedAt, eventTicks);
        if (outcome == NotificationOutcome.Send)
        {
            record.Sent++;
        }

        return new(outcome, suppressed, record.SilencedBy);
    }

    /// <summary>
    /// Decides whether to send an early warning for the first match of a threshold policy (per scope key). At most one
    /// warning stands per policy and scope key: the next comes after a detection for that key, or once the activity
    /// time passes the warned activity's time plus the trigger's window. Warnings are subject to the policy's
    /// notification settings, silences, daily limit and throttle, and count against them.
    /// </summary>
    /// <param name="policy">The policy; must opt in with <see cref="NotificationSettings.EarlyWarning"/> and have a <see cref="ThresholdTrigger"/>.</param>
    /// <param name="activity">The matching activity.</param>
    /// <param name="scopeKey">The scope key the activity was counted under.</param>
    /// <param name="now">The wall-clock time, for silences.</param>
    /// <returns>The decision; <see cref="NotificationDecision.SilencedBy"/> names the silences that matched.</returns>
    public NotificationDecision DecideEarlyWarning(AlertPolicy policy, Activity activity, string scopeKey, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(activity);
        ArgumentNullException.ThrowIfNull(scopeKey);
        var ticks = activity.Time.UtcTicks;
        Observe(ticks);
        if (policy.Trigger is not ThresholdTrigger trigger || policy.Notification is not { EarlyWarning: true })
        {
            return new(NotificationOutcome.EarlyWarningOff, false, []);
        }

        var warnings = GetPolicy(policy.Id).EarlyWarnings;
        if (!warnings.TryGetValue(scopeKey, out var state))
        {
            warnings.Add(scopeKey, state = new EarlyWarningRecord());
        }

        if (ticks < state.ResetAtTicks)
        {
            return new(NotificationOutcome.AlreadyDecided, false, []);
        }

        if (state.WarnedAtTicks is long warned && ticks - warned < trigger.Window.Ticks)
        {
            return new(NotificationOutcome.AlreadyWarned, false, []);
        }

        state.WarnedAtTicks = ticks;
        var silencedBy = ImmutableArray<string>.Empty;
        var silenced = MatchSilences(policy.Id, policy.Severity, policy.Category, activity, now, ref silencedBy);
        var outcome = Evaluate(policy, false, false, silenced, activity.Time, ticks);
        return new(outcome, false, silencedBy);
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
            _alerts.Add(alertId, record = new AlertRecord(PolicyIdOf(alertId)) { LastEventTicks = kept });
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
        var errors = silence.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid silence:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(silence));
        }

        var compiled = new CompiledSilence(silence);
        var index = IndexOfSilence(silence.Id);
        if (index >= 0)
        {
            _silences[index] = compiled;
        }
        else
        {
            _silences.Add(compiled);
        }
    }

    /// <summary>Ends a silence early: it stops matching at <paramref name="now"/>, and is dropped.</summary>
    /// <param name="silenceId">The silence id.</param>
    /// <param name="now">The wall-clock time.</param>
    /// <returns><see langword="true"/> when the silence was there and had not ended yet.</returns>
    public bool EndSilence(string silenceId, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(silenceId);
        var index = IndexOfSilence(silenceId);
        if (index < 0)
        {
            return false;
        }

        var wasInForce = _silences[index].Silence.EndsAt > now;
        _silences.RemoveAt(index);
        return wasInForce;
    }

    /// <summary>The silences that have not expired at <paramref name="now"/> (active or pending), in the order added.
    /// Expired ones are dropped.</summary>
    /// <param name="now">The wall-clock time.</param>
    /// <returns>The silences.</returns>
    public IReadOnlyList<Silence> GetSilences(DateTimeOffset now)
    {
        DropExpiredSilences(now);
        var result = new Silence[_silences.Count];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = _silences[i].Silence;
        }

        return result;
    }

    /// <summary>Saves the state (without failed deliveries, which the dispatcher adds).</summary>
    /// <returns>The snapshot.</returns>
    public NotificationStateSnapshot CreateSnapshot()
    {
        var alerts = ImmutableArray.CreateBuilder<AlertNotificationState>(_alerts.Count);
        foreach (var (id, r) in _alerts)
        {
            alerts.Add(new(id, r.PolicyId, r.LastDetectionCount, ToTime(r.LastEventTicks) ?? DateTimeOffset.MinValue, r.Suppressed, r.SilencedBy, r.Sent));
        }

        var daily = ImmutableArray.CreateBuilder<DailyNotificationCount>();
        var throttles = ImmutableArray.CreateBuilder<ThrottleHistory>();
        var warnings = ImmutableArray.CreateBuilder<EarlyWarningState>();
        foreach (var (policyId, p) in _policies)
        {
            foreach (var (day, count) in p.Daily)
            {
                daily.Add(new(policyId, DateOnly.FromDayNumber(day), count));
            }

            if (p.Sends.Count > 0)
            {
                var sent = ImmutableArray.CreateBuilder<DateTimeOffset>(p.Sends.Count);
                foreach (var t in p.Sends)
                {
                    sent.Add(new DateTimeOffset(t, TimeSpan.Zero));
                }

                throttles.Add(new(policyId, sent.MoveToImmutable()));
            }

            foreach (var (key, w) in p.EarlyWarnings)
            {
                warnings.Add(new(policyId, key, ToTime(w.WarnedAtTicks ?? long.MinValue), ToTime(w.ResetAtTicks)));
            }
        }

        var silences = ImmutableArray.CreateBuilder<Silence>(_silences.Count);
        foreach (var s in _silences)
        {
            silences.Add(s.Silence);
        }

        return new NotificationStateSnapshot
        {
            NewestEventTime = ToTime(_newestTicks),
            Alerts = alerts.MoveToImmutable(),
            DailyCounts = daily.ToImmutable(),
            Throttles = throttles.ToImmutable(),
            EarlyWarnings = warnings.ToImmutable(),
            Silences = silences.MoveToImmutable(),
        };
    }

    /// <summary>Replaces the state with a snapshot's (failed deliveries are the dispatcher's).</summary>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot's version is unknown or a silence in it is invalid.</exception>
    public void Restore(NotificationStateSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.Version != 1)
        {
            throw new ArgumentException($"Unknown notification snapshot version {snapshot.Version}.", nameof(snapshot));
        }

        var silences = new List<CompiledSilence>();
        foreach (var s in snapshot.Silences.IsDefault ? [] : snapshot.Silences)
        {
            var errors = s.Validate();
            if (errors.Count > 0)
            {
                throw new ArgumentException($"Invalid silence '{s.Id}' in the snapshot:" + Environment.NewLine + string.Join(Environment.NewLine, errors), nameof(snapshot));
            }

            silences.Add(new CompiledSilence(s));
        }

        _alerts.Clear();
        _policies.Clear();
        _silences.Clear();
        _silences.AddRange(silences);
        _newestTicks = snapshot.NewestEventTime?.UtcTicks ?? long.MinValue;
        _nextPruneTicks = _newestTicks == long.MinValue ? long.MinValue : _newestTicks + PruneEvery.Ticks;
        foreach (var a in snapshot.Alerts.IsDefault ? [] : snapshot.Alerts)
        {
            _alerts[a.AlertId] = new AlertRecord(a.PolicyId)
            {
                LastDetectionCount = a.LastDetectionCount,
                LastEventTicks = a.LastEventTime.UtcTicks,
                Suppressed = a.Suppressed,
                SilencedBy = a.SilencedBy.IsDefault ? [] : a.SilencedBy,
                Sent = a.NotificationsSent,
            };
        }

        foreach (var d in snapshot.DailyCounts.IsDefault ? [] : snapshot.DailyCounts)
        {
            GetPolicy(d.PolicyId).Daily[d.Day.DayNumber] = d.Count;
        }

        foreach (var t in snapshot.Throttles.IsDefault ? [] : snapshot.Throttles)
        {
            var sends = GetPolicy(t.PolicyId).Sends;
            foreach (var time in t.SentAt)
            {
                InsertSorted(sends, time.UtcTicks);
            }
        }

        foreach (var w in snapshot.EarlyWarnings.IsDefault ? [] : snapshot.EarlyWarnings)
        {
            GetPolicy(w.PolicyId).EarlyWarnings[w.ScopeKey] = new EarlyWarningRecord
            {
                WarnedAtTicks = w.WarnedAt?.UtcTicks,
                ResetAtTicks = w.ResetAt?.UtcTicks ?? long.MinValue,
            };
        }
    }

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
            var expired = LowerBound(sends, _newestTicks - window + 1);
            if (expired > 0)
            {
                sends.RemoveRange(0, expired);
            }

            var inWindow = UpperBound(sends, eventTicks) - LowerBound(sends, eventTicks - window + 1);
            if (inWindow >= throttle.Count)
            {
                return NotificationOutcome.Throttled;
            }

            InsertSorted(sends, eventTicks);
        }

        p.Daily[day] = sentToday + 1;
        return NotificationOutcome.Send;
    }

    private void ResetEarlyWarning(AlertPolicy policy, Detection detection)
    {
        if (policy.Trigger is not ThresholdTrigger || policy.Notification is not { EarlyWarning: true })
        {
            return;
        }

        var warnings = GetPolicy(policy.Id).EarlyWarnings;
        if (!warnings.TryGetValue(detection.ScopeKey, out var state))
        {
            warnings.Add(detection.ScopeKey, state = new EarlyWarningRecord());
        }

        state.WarnedAtTicks = null;
        state.ResetAtTicks = Math.Max(state.ResetAtTicks, detection.Time.UtcTicks);
    }

    /// <summary>Whether an active silence matches; adds the ids of those that do to <paramref name="ids"/> (once each).</summary>
    private bool MatchSilences(string policyId, AlertSeverity severity, AlertCategory category, Activity activity, DateTimeOffset now, ref ImmutableArray<string> ids)
    {
        DropExpiredSilences(now);
        var matched = false;
        foreach (var s in _silences)
        {
            if (s.Silence.IsActiveAt(now) && s.Matches(policyId, severity, category, activity))
            {
                matched = true;
                if (!ids.Contains(s.Silence.Id))
                {
                    ids = ids.Add(s.Silence.Id);
                }
            }
        }

        return matched;
    }

    private void DropExpiredSilences(DateTimeOffset now)
    {
        for (var i = _silences.Count - 1; i >= 0; i--)
        {
            if (_silences[i].Silence.EndsAt <= now)
            {
                _silences.RemoveAt(i);
            }
        }
    }

    private int IndexOfSilence(string id)
    {
        for (var i = 0; i < _silences.Count; i++)
        {
            if (string.Equals(_silences[i].Silence.Id, id, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private PolicyRecord GetPolicy(string policyId)
    {
        if (!_policies.TryGetValue(policyId, out var p))
        {
            _policies.Add(policyId, p = new PolicyRecord());
        }

        return p;
    }

    private int DayOf(DateTimeOffset time) =>
        DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(time, _options.TimeZone).DateTime).DayNumber;

    private void Observe(long ticks)
    {
        if (ticks <= _newestTicks)
        {
            return;
        }

        _newestTicks = ticks;
        if (ticks >= _nextPruneTicks)
        {
            _nextPruneTicks = ticks + PruneEvery.Ticks;
            Prune(ticks - _options.StateRetention.Ticks);
        }
    }

    private void Prune(long cutoff)
    {
        // Dictionary.Remove during enumeration is allowed (it does not invalidate the enumerator).
        foreach (var (id, r) in _alerts)
        {
            if (r.LastEventTicks < cutoff)
            {
                _alerts.Remove(id);
            }
        }

        var cutoffDay = DayOf(new DateTimeOffset(Math.Max(cutoff, DateTimeOffset.MinValue.UtcTicks), TimeSpan.Zero));
        foreach (var (policyId, p) in _policies)
        {
            foreach (var day in p.Daily.Keys)
            {
                if (day < cutoffDay)
                {
                    p.Daily.Remove(day);
                }
            }

            foreach (var (key, w) in p.EarlyWarnings)
            {
                if (Math.Max(w.WarnedAtTicks ?? long.MinValue, w.ResetAtTicks) < cutoff)
                {
                    p.EarlyWarnings.Remove(key);
                }
            }

            p.Sends.RemoveRange(0, LowerBound(p.Sends, cutoff));
            if (p.Daily.Count == 0 && p.EarlyWarnings.Count == 0 && p.Sends.Count == 0)
            {
                _policies.Remove(policyId);
            }
        }
    }

    private static string PolicyIdOf(string alertId)
    {
        var colon = alertId.LastIndexOf(':');
        return colon > 0 ? alertId[..colon] : string.Empty;
    }

    private static DateTimeOffset? ToTime(long ticks) => ticks == long.MinValue ? null : new DateTimeOffset(ticks, TimeSpan.Zero);

    private static void InsertSorted(List<long> list, long value) => list.Insert(UpperBound(list, value), value);

    /// <summary>Index of the first element ≥ value.</summary>
    private static int LowerBound(List<long> list, long value)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (list[mid] < value)
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

    /// <summary>Index of the first element &gt; value.</summary>
    private static int UpperBound(List<long> list, long value)
    {
        int lo = 0, hi = list.Count;
        while (lo < hi)
        {
            var mid = (lo + hi) >>> 1;
            if (list[mid] <= value)
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

    private sealed class AlertRecord(string policyId)
    {
        public string PolicyId { get; set; } = policyId;

        public int LastDetectionCount { get; set; }

        public long LastEventTicks { get; set; } = long.MinValue;

        public bool? Suppressed { get; set; }

        public ImmutableArray<string> SilencedBy { get; set; } = [];

        public int Sent { get; set; }
    }

    private sealed class PolicyRecord
    {
        public Dictionary<int, int> Daily { get; } = [];

        public List<long> Sends { get; } = [];

        public Dictionary<string, EarlyWarningRecord> EarlyWarnings { get; } = new(StringComparer.Ordinal);
    }

    private sealed class EarlyWarningRecord
    {
        public long? WarnedAtTicks { get; set; }

        public long ResetAtTicks { get; set; } = long.MinValue;
    }
}
