// The code of docs/testing.md: property tests of your own policies with AlertEngine.Testing. The regions between
// "snippet:" and "end snippet" are copied into the document verbatim; DocSnippetTests fails when they differ.
using System.Net;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

// snippet: conditions
public class OutsideNetworkPolicyTests
{
    // The policy's conditions: activity from outside the corporate network, except by the backup service account.
    private static readonly Condition OutsideNetwork = new AllCondition([
        new NotCondition(new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")])),
        new NotCondition(new UsersCondition(["svc-backup@contoso.com"])),
    ]);

    private static readonly Func<Activity, bool> Matches = OutsideNetwork.Compile();

    // ActivityGenerators draws users, addresses (IPv4, IPv6, IPv4-mapped), object ids, tags and properties from small
    // pools in random letter case, so both sides of every condition are hit often.
    [Property(Arbitrary = [typeof(ActivityGenerators)], MaxTest = 1000)]
    public Property Matches_what_a_literal_reading_of_the_conditions_says(Activity activity)
    {
        var compiled = Matches(activity);
        var oracle = ConditionOracle.Evaluate(OutsideNetwork, activity); // naive, obviously-correct evaluation
        var backup = string.Equals(activity.UserId, "svc-backup@contoso.com", StringComparison.OrdinalIgnoreCase);

        return (compiled == oracle && !(compiled && backup))
            .Label($"compiled {compiled}, oracle {oracle}: {Describe.Of(activity)}");
    }
}
// end snippet

// snippet: threshold
public class MassDeletePolicyTests
{
    // The policy: 5 or more deletions by one user within 10 minutes.
    private static readonly AlertPolicy MassDelete = new()
    {
        Id = "mass-delete",
        Name = "Mass file deletion",
        Category = AlertCategory.InformationGovernance,
        Severity = AlertSeverity.High,
        Operations = ["FileDeleted"],
        Trigger = new ThresholdTrigger(5, TimeSpan.FromMinutes(10), TriggerScope.User),
    };

    // Deletions by three users, 0–120 seconds apart, in time order.
    private static Arbitrary<Activity[]> Deletions() =>
        Gen.ArrayOf(
                from user in Gen.Elements("alice@contoso.com", "bob@contoso.com", "carol@contoso.com")
                from gap in Gen.Choose(0, 120)
                select (user, gap))
            .Select(steps =>
            {
                var time = ActivityGenerators.Epoch;
                return steps.Select((step, i) =>
                {
                    time = time.AddSeconds(step.gap);
                    return new Activity("a" + i, time, "FileDeleted") { UserId = step.user };
                }).ToArray();
            })
            .ToArbitrary();

    [Property(MaxTest = 200)]
    public Property Fires_exactly_when_the_naive_sliding_count_says_so() =>
        Prop.ForAll(Deletions(), activities =>
        {
            using var pipeline = new AlertPipeline([MassDelete]);
            var fired = new List<string>();
            foreach (var activity in activities)
            {
                foreach (var change in pipeline.Process(activity))
                {
                    fired.Add(change.Detection.TriggeringActivity.Id);
                }
            }

            // The oracle recounts the whole history for every activity: slow, literal, easy to trust.
            var options = new SlidingWindowCounterOptions
            {
                Resolution = pipeline.Options.ThresholdResolution,
                KeyComparer = StringComparer.OrdinalIgnoreCase, // the engine compares scope keys case-insensitively
            };
            var expected = ThresholdOracle.Detections(activities, 5, TimeSpan.FromMinutes(10), a => a.UserId, options)
                .Select(d => d.TriggeringActivity.Id)
                .ToList();

            return expected.SequenceEqual(fired)
                .Label($"expected [{string.Join(", ", expected)}], fired [{string.Join(", ", fired)}]");
        });
}
// end snippet
