using System.Collections.Immutable;

namespace AlertEngine;

// Saving and restoring the gate's state as a NotificationStateSnapshot.
public sealed partial class NotificationGate
{
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
                foreach (var t in p.Sends.Ticks)
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

        var silences = _silences.All();

        return new NotificationStateSnapshot
        {
            NewestEventTime = ToTime(_newestTicks),
            Alerts = alerts.MoveToImmutable(),
            DailyCounts = daily.ToImmutable(),
            Throttles = throttles.ToImmutable(),
            EarlyWarnings = warnings.ToImmutable(),
            Silences = [.. silences],
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

        _silences.ReplaceAll(snapshot.Silences.IsDefault ? [] : snapshot.Silences, nameof(snapshot));
        _alerts.Clear();
        _policies.Clear();
        _newestTicks = snapshot.NewestEventTime?.UtcTicks ?? long.MinValue;
        _nextPruneTicks = _newestTicks == long.MinValue ? long.MinValue : _newestTicks + PruneEvery.Ticks;
        foreach (var a in snapshot.Alerts.IsDefault ? [] : snapshot.Alerts)
        {
            _alerts[a.AlertId] = new GateAlertRecord(a.PolicyId)
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
                sends.Insert(time.UtcTicks);
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
}
