namespace AlertEngine;

// Bounded state: what is older than the retention behind the newest event time is dropped, at most once an hour.
public sealed partial class NotificationGate
{
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

            p.Sends.RemoveBefore(cutoff);
            if (p.IsEmpty)
            {
                _policies.Remove(policyId);
            }
        }
    }
}
