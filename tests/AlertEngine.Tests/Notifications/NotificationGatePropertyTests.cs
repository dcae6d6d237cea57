using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Tests.Notifications;

/// <summary>The gate against a naive oracle that keeps the whole history of sent notifications.</summary>
public class NotificationGatePropertyTests
{
    private enum Op
    {
        NewAlert,
        Update,
        Replay,
        Suppress,
        Unsuppress,
    }

    private sealed record Step(Op Op, int Policy, int AdvanceMinutes, int Pick);

    private sealed record Scenario(int?[] Limits, (int K, int WindowMinutes)?[] Throttles, bool NotifyOnUpdates, string Zone, List<Step> Steps);

    private static readonly string[] Zones = ["UTC", "America/New_York", "Europe/Berlin", "Asia/Kolkata"];

    private static Gen<Scenario> Scenarios()
    {
        var limit = Gen.Elements<int?>(null, 1, 2, 3, 5);
        var throttle = Gen.OneOf(
            Gen.Constant<(int, int)?>(null),
            from k in Gen.Choose(1, 3) from w in Gen.Choose(10, 300) select ((int, int)?)(k, w));
        var step =
            from op in Gen.Frequency((4, Gen.Constant(Op.NewAlert)), (4, Gen.Constant(Op.Update)), (2, Gen.Constant(Op.Replay)), (1, Gen.Constant(Op.Suppress)), (1, Gen.Constant(Op.Unsuppress)))
            from policy in Gen.Choose(0, 1)
            from advance in Gen.Frequency((3, Gen.Choose(0, 30)), (1, Gen.Choose(60, 900)))
            from pick in Gen.Choose(0, 1000)
            select new Step(op, policy, advance, pick);
        return
            from limits in Gen.ArrayOf(limit, 2)
            from throttles in Gen.ArrayOf(throttle, 2)
            from updates in Gen.Elements(true, false)
            from zone in Gen.Elements(Zones)
            from steps in Gen.ListOf(step)
            select new Scenario(limits, throttles, updates, zone, [.. steps]);
    }

    [Property(MaxTest = 300)]
    public Property Gate_decides_as_the_naive_oracle() => Prop.ForAll(Scenarios().ToArbitrary(), scenario =>
    {
        var zone = TimeZoneInfo.FindSystemTimeZoneById(scenario.Zone);
        var policies = new[]
        {
            Policy("p0", scenario.Limits[0], scenario.Throttles[0] is { } t0 ? new NotificationThrottle(t0.K, TimeSpan.FromMinutes(t0.WindowMinutes)) : null),
            Policy("p1", scenario.Limits[1], scenario.Throttles[1] is { } t1 ? new NotificationThrottle(t1.K, TimeSpan.FromMinutes(t1.WindowMinutes)) : null),
        };
        var gate = new NotificationGate(new NotificationOptions { NotifyOnUpdates = scenario.NotifyOnUpdates, TimeZone = zone, StateRetention = TimeSpan.FromDays(3650) });
        var oracle = new Oracle(scenario, zone);

        var time = Utc(2026, 3, 7, 12);
        var seen = new List<AlertChange>();
        var last = new AlertChange?[2];
        var n = 0;
        foreach (var step in scenario.Steps)
        {
            time = time.AddMinutes(step.AdvanceMinutes);
            var policy = policies[step.Policy];
            AlertChange change;
            var replay = false;
            switch (step.Op)
            {
                case Op.Suppress or Op.Unsuppress:
                    if (last[step.Policy] is { } target)
                    {
                        gate.SetSuppressed(target.Alert.Id, step.Op == Op.Suppress);
                        oracle.Suppressed[target.Alert.Id] = step.Op == Op.Suppress;
                    }

                    continue;
                case Op.Replay when seen.Count > 0:
                    change = seen[step.Pick % seen.Count];
                    policy = policies[change.Alert.PolicyId == "p0" ? 0 : 1];
                    replay = true;
                    break;
                case Op.Update when last[step.Policy] is { } open:
                    change = Updated(open, "u" + n++, time);
                    break;
                default:
                    change = Created(policy, "a" + n++, time);
                    break;
            }

            if (!replay)
            {
                last[step.Policy] = change;
                seen.Add(change);
            }

            var expected = oracle.Decide(change, change.Alert.PolicyId == "p0" ? 0 : 1);
            var actual = gate.Decide(change, policy, time).Outcome;
            if (expected != actual)
            {
                return false.Label($"{change.Alert.Id}#{change.Alert.DetectionCount} at {time:O}: expected {expected}, got {actual}");
            }
        }

        return true.ToProperty();
    });

    private sealed class Oracle(Scenario scenario, TimeZoneInfo zone)
    {
        private readonly Dictionary<string, int> _decided = [];
        private readonly List<(int Policy, DateTimeOffset Time, DateOnly Day)> _sent = [];

        public Dictionary<string, bool> Suppressed { get; } = [];

        public NotificationOutcome Decide(AlertChange change, int policy)
        {
            var alert = change.Alert;
            if (_decided.TryGetValue(alert.Id, out var count) && alert.DetectionCount <= count)
            {
                return NotificationOutcome.AlreadyDecided;
            }

            _decided[alert.Id] = alert.DetectionCount;
            if (change.Kind == AlertChangeKind.Updated && !scenario.NotifyOnUpdates)
            {
                return NotificationOutcome.UpdateNotNotified;
            }

            if (Suppressed.GetValueOrDefault(alert.Id))
            {
                return NotificationOutcome.Suppressed;
            }

            var day = DateOnly.FromDateTime(TimeZoneInfo.ConvertTime(alert.CreatedAt, zone).DateTime);
            if (scenario.Limits[policy] is int limit && _sent.Count(s => s.Policy == policy && s.Day == day) >= limit)
            {
                return NotificationOutcome.DailyLimitReached;
            }

            var time = change.Kind == AlertChangeKind.Created ? alert.CreatedAt : change.Detection.Time;
            if (scenario.Throttles[policy] is { } throttle
                && _sent.Count(s => s.Policy == policy && s.Time > time.AddMinutes(-throttle.WindowMinutes) && s.Time <= time) >= throttle.K)
            {
                return NotificationOutcome.Throttled;
            }

            _sent.Add((policy, time, day));
            return NotificationOutcome.Send;
        }
    }
}
