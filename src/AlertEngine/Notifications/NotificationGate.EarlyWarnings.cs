using System.Collections.Immutable;

namespace AlertEngine;

// Early warnings of threshold policies: at most one standing per policy and scope key.
public sealed partial class NotificationGate
{
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
        var silenced = _silences.Match(policy.Id, policy.Severity, policy.Category, activity, now, ref silencedBy);
        var outcome = Evaluate(policy, false, false, silenced, activity.Time, ticks);
        return new(outcome, false, silencedBy);
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
}
