using System.Collections.Immutable;
using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing;

/// <summary>FsCheck generators for incident grouping: options and scenarios over small entity pools, so alerts share
/// users, IP addresses, objects and policies often, including values that differ only in case.</summary>
public static class IncidentGenerators
{
    /// <summary>The event time scenarios start at.</summary>
    public static readonly DateTimeOffset ScenarioStart = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly string[] Users = ["alice@contoso.com", "bob@contoso.com", "ALICE@contoso.com", "carol@contoso.com"];
    private static readonly string[] Ips = ["10.0.0.1", "10.0.0.2", "2001:db8::1"];
    private static readonly string[] Objects = ["/sites/hr/pay.xlsx", "/sites/HR/pay.xlsx", "mailbox:bob"];
    private static readonly string[] Policies = ["p1", "p2", "p3"];

    /// <summary>Grouping options: any entity kinds, a window of 1 to 360 minutes, a cap of 1 to 6 alerts, reopening off
    /// or 1 to 240 minutes, 1 to 12 entities per incident, an update horizon of 0 to 120 minutes.</summary>
    /// <returns>The generator.</returns>
    public static Gen<IncidentGroupingOptions> GroupingOptions() =>
        from entities in Gen.Choose(0, 15)
        from window in Gen.Choose(1, 360)
        from cap in Gen.Choose(1, 6)
        from reopen in Gen.Frequency((1, Gen.Constant(0)), (2, Gen.Choose(1, 240)))
        from maxEntities in Gen.Choose(1, 12)
        from horizon in Gen.Choose(0, 120)
        select new IncidentGroupingOptions
        {
            Entities = (IncidentGroupingEntities)entities,
            Window = TimeSpan.FromMinutes(window),
            MaxAlertsPerIncident = cap,
            ReopenWindow = reopen == 0 ? null : TimeSpan.FromMinutes(reopen),
            MaxEntitiesPerIncident = maxEntities,
            AlertUpdateHorizon = TimeSpan.FromMinutes(horizon),
        };

    /// <summary>
    /// A scenario: alerts in event-time order (gaps of 0 to 120 minutes), newer snapshots of earlier alerts with one
    /// more user, closes (at the latest alert time plus 0 to 60 minutes) and reopens of the incident of an earlier alert.
    /// A newer snapshot re-sends the latest alert or one created less than <paramref name="updateHorizon"/> before the
    /// latest alert time (as an aggregated alert grows within its aggregation interval).
    /// </summary>
    /// <param name="updateHorizon">How far back re-sent alerts may be; match <see cref="IncidentGroupingOptions.AlertUpdateHorizon"/>.</param>
    /// <returns>The generator.</returns>
    public static Gen<IReadOnlyList<IncidentStep>> Scenario(TimeSpan updateHorizon = default) =>
        Gen.ListOf(StepSeed()).Select(seeds => (IReadOnlyList<IncidentStep>)Build(seeds, updateHorizon));

    /// <summary>Options from <see cref="GroupingOptions"/> with a <see cref="Scenario"/> that re-sends alerts within their update horizon.</summary>
    /// <returns>The generator.</returns>
    public static Gen<(IncidentGroupingOptions Options, IReadOnlyList<IncidentStep> Steps)> OptionsAndScenario() =>
        from options in GroupingOptions()
        from steps in Scenario(options.AlertUpdateHorizon)
        select (options, steps);

    private static Gen<Seed> StepSeed() =>
        from kind in Gen.Frequency((14, Gen.Constant(0)), (2, Gen.Constant(1)), (3, Gen.Constant(2)), (1, Gen.Constant(3)))
        from gap in Gen.Choose(0, 120)
        from users in Gen.SubListOf(Users)
        from activities in Gen.ListOf(Gen.Zip(Gen.Choose(-1, Ips.Length - 1), Gen.Choose(-1, Objects.Length - 1)), 3)
        from policy in Gen.Elements(Policies)
        from target in Gen.Choose(0, 1000)
        from offset in Gen.Choose(0, 60)
        select new Seed(kind, gap, [.. users], [.. activities], policy, target, offset);

    private static List<IncidentStep> Build(IEnumerable<Seed> seeds, TimeSpan updateHorizon)
    {
        var steps = new List<IncidentStep>();
        var alerts = new List<Alert>();
        var time = ScenarioStart;
        foreach (var seed in seeds)
        {
            switch (seed.Kind)
            {
                case 1 when alerts.Count > 0:
                    var eligible = alerts.Count - 1;
                    while (eligible > 0 && alerts[eligible - 1].CreatedAt + updateHorizon > time)
                    {
                        eligible--;
                    }

                    var index = eligible + (seed.Target % (alerts.Count - eligible));
                    var previous = alerts[index];
                    var extra = Users[seed.Target % Users.Length];
                    var updated = previous with { Users = previous.Users.Add(extra), HitCount = previous.HitCount + 1 };
                    alerts[index] = updated;
                    steps.Add(new IncidentAlertStep(updated));
                    break;
                case 2 when alerts.Count > 0:
                    steps.Add(new IncidentCloseStep(alerts[seed.Target % alerts.Count].Id, time.AddMinutes(seed.Offset)));
                    break;
                case 3 when alerts.Count > 0:
                    steps.Add(new IncidentReopenStep(alerts[seed.Target % alerts.Count].Id));
                    break;
                default:
                    time = time.AddMinutes(seed.Gap);
                    var alert = NewAlert("a" + alerts.Count, time, seed);
                    alerts.Add(alert);
                    steps.Add(new IncidentAlertStep(alert));
                    break;
            }
        }

        return steps;
    }

    private static Alert NewAlert(string id, DateTimeOffset time, Seed seed)
    {
        var activities = ImmutableList.CreateBuilder<AlertActivity>();
        for (var i = 0; i < seed.Activities.Length; i++)
        {
            var (ip, obj) = seed.Activities[i];
            activities.Add(new AlertActivity(
                $"{id}-{i}",
                time,
                "FileDownloaded",
                seed.Users.Length > 0 ? seed.Users[0] : null,
                obj < 0 ? null : Objects[obj],
                ip < 0 ? null : IPAddress.Parse(Ips[ip])));
        }

        return new Alert
        {
            Id = id,
            PolicyId = seed.Policy,
            PolicyName = "Policy " + seed.Policy,
            Severity = AlertSeverity.Medium,
            CreatedAt = time,
            FirstActivityAt = time,
            LastActivityAt = time,
            HitCount = Math.Max(1, activities.Count),
            Users = [.. seed.Users],
            Activities = activities.ToImmutable(),
        };
    }

    private sealed record Seed(int Kind, int Gap, string[] Users, (int Ip, int Object)[] Activities, string Policy, int Target, int Offset);
}
