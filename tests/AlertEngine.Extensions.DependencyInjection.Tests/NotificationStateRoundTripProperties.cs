using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Notifications.NotificationTestData;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>
/// The notification state through the service checkpoint: for any sequence of gate operations and any cut, the state
/// saved at the cut, stored with an engine checkpoint and read back into a fresh gate equals the saved one, and the
/// restored gate then decides every later change like the gate that never stopped (the oracle).
/// </summary>
public class NotificationStateRoundTripProperties
{
    private static readonly DateTimeOffset Now = Utc(2026, 3, 2, 12);

    private static readonly AlertPolicy[] Policies =
    [
        Policy("limited", dailyLimit: 2),
        Policy("throttled", throttle: new NotificationThrottle(2, TimeSpan.FromHours(1))),
        ThresholdPolicy("warned"),
    ];

    private static NotificationOptions Options() => new() { NotifyOnUpdates = true, StateRetention = TimeSpan.FromDays(1) };

    [Property(MaxTest = 200)]
    public Property Notification_state_survives_the_checkpoint_and_the_restored_gate_decides_like_the_uninterrupted_one() =>
        Prop.ForAll(Gen.Choose(0, 255).ArrayOf().ToArbitrary(), Gen.Choose(0, 64).ToArbitrary(), Gen.Choose(0, 255).Select(b => (byte)b).ArrayOf().ToArbitrary(), (ops, cutAt, engine) =>
        {
            var cut = Math.Min(cutAt, ops.Length);
            var uninterrupted = new Driver(new NotificationGate(Options()));
            for (var i = 0; i < cut; i++)
            {
                uninterrupted.Apply(ops[i], i);
            }

            var saved = uninterrupted.Gate.CreateSnapshot();
            var parts = ServiceCheckpoint.Read(ServiceCheckpoint.Write(engine, saved));
            Assert.Equal(engine, parts.Engine.ToArray());
            var restoredGate = new NotificationGate(Options());
            restoredGate.Restore(parts.Notifications!);
            Assert.Equal(JsonSerializer.Serialize(saved), JsonSerializer.Serialize(restoredGate.CreateSnapshot()));

            var restored = new Driver(restoredGate, uninterrupted);
            for (var i = cut; i < ops.Length; i++)
            {
                Assert.Equal(uninterrupted.Apply(ops[i], i), restored.Apply(ops[i], i));
            }
        });

    /// <summary>Turns bytes into gate operations: new alerts, updates, suppressions, silences and early warnings of three
    /// policies over a few days of event time.</summary>
    private sealed class Driver
    {
        private readonly Dictionary<int, AlertChange> _latest;
        private DateTimeOffset _time;

        public Driver(NotificationGate gate, Driver? continueFrom = null)
        {
            Gate = gate;
            _latest = continueFrom is null ? [] : new(continueFrom._latest);
            _time = continueFrom?._time ?? Utc(2026, 3, 1, 20);
        }

        public NotificationGate Gate { get; }

        public string Apply(int op, int index)
        {
            _time = _time.AddMinutes((op >> 5) * 23);
            var p = (op >> 3) % Policies.Length;
            var policy = Policies[p];
            switch (op % 8)
            {
                case < 4:
                    var created = Created(policy, "a" + index, _time, scopeKey: "alice@contoso.com");
                    _latest[p] = created;
                    return Describe(Gate.Decide(created, policy, Now));
                case 4 or 5 when _latest.TryGetValue(p, out var previous):
                    var updated = Updated(previous, "u" + index, _time);
                    _latest[p] = updated;
                    return Describe(Gate.Decide(updated, policy, Now));
                case 6 when _latest.TryGetValue(p, out var target):
                    Gate.SetSuppressed(target.Alert.Id, (op & 0x10) != 0);
                    return "suppress";
                case 6 or 7 when index % 3 == 0:
                    Gate.AddSilence(new Silence
                    {
                        Id = "s" + (op % 3),
                        Matchers = [new(SilenceMatcher.PolicyName, policy.Id)],
                        StartsAt = Now.AddHours(-1),
                        EndsAt = Now.AddHours((op & 0x20) != 0 ? 1 : -0.5),
                    });
                    return "silence";
                default:
                    return Describe(Gate.DecideEarlyWarning(Policies[2], Activity("w" + index, _time, (op & 0x40) != 0 ? "bob@contoso.com" : "alice@contoso.com"), (op & 0x40) != 0 ? "bob@contoso.com" : "alice@contoso.com", Now));
            }
        }

        private static string Describe(NotificationDecision d) => $"{d.Outcome}|{d.NotificationsSuppressed}|{string.Join(',', d.SilencedBy)}";
    }
}
