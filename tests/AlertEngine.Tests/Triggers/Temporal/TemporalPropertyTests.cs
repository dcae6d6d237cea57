using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Temporal;

/// <summary>The temporal detector against <see cref="TemporalOracle"/>, with its state saved and restored into a fresh
/// detector at a random cut.</summary>
public sealed class TemporalPropertyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Operations = ["A", "B", "C", "D"];
    private static readonly string?[] Users = ["alice", "bob", null];

    // Step 0: operation A; step 1: operation B or flag X; step 2: operation C or flag X (so one activity may fulfil two).
    private static readonly Condition[] StepConditions =
    [
        new PropertyCondition("operation", PropertyOperator.Equals, ["A"]),
        new AnyCondition([new PropertyCondition("operation", PropertyOperator.Equals, ["B"]), new PropertyCondition("X", PropertyOperator.Equals, ["1"])]),
        new AnyCondition([new PropertyCondition("operation", PropertyOperator.Equals, ["C"]), new PropertyCondition("X", PropertyOperator.Equals, ["1"])]),
    ];

    public sealed record Scenario(List<Activity> Activities, int Steps, bool Ordered, int WindowMinutes, int Cut);

    private static Arbitrary<Scenario> Scenarios() => Arb.From(
        from count in Gen.Choose(0, 60)
        from steps in Gen.Choose(1, 3)
        from ordered in Gen.Elements(false, true)
        from window in Gen.Choose(1, 20)
        from items in Gen.ArrayOf(
            from gap in Gen.Frequency((3, Gen.Constant(0)), (5, Gen.Choose(1, 5)), (1, Gen.Choose(6, 30)), (1, Gen.Choose(-4, -1)))
            from op in Gen.Choose(0, Operations.Length - 1)
            from user in Gen.Choose(0, Users.Length - 1)
            from flag in Gen.Frequency((5, Gen.Constant(false)), (1, Gen.Constant(true)))
            select (gap, op, user, flag), count)
        from cutFraction in Gen.Choose(0, 1000)
        select Build(items, steps, ordered, window, cutFraction));

    private static Scenario Build((int Gap, int Op, int User, bool Flag)[] items, int steps, bool ordered, int window, int cutFraction)
    {
        var list = new List<Activity>();
        var time = T0;
        var n = 0;
        foreach (var (gap, op, user, flag) in items)
        {
            time = time.AddMinutes(gap);
            list.Add(new Activity("a" + n++, time, Operations[op])
            {
                UserId = Users[user],
                Properties = flag ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["X"] = "1" } : new Dictionary<string, string>(),
            });
        }

        return new Scenario(list, steps, ordered, window, list.Count * cutFraction / 1000);
    }

    [Property(MaxTest = 400)]
    public Property Detector_with_a_restart_at_any_cut_equals_the_oracle() =>
        Prop.ForAll(Scenarios(), s =>
        {
            var lateness = TimeSpan.FromMinutes(3);
            var options = new AlertEngineOptions { AllowedLateness = lateness };
            var trigger = new TemporalTrigger(StepConditions[..s.Steps], s.Ordered, TimeSpan.FromMinutes(s.WindowMinutes), TriggerScope.User);
            var policy = new AlertPolicy { Id = "p", Name = "p", Operations = Operations, Trigger = trigger };

            var detector = new TemporalDetector(policy, trigger, options, _ => { });
            var actual = new List<(int Index, Detection Detection)>();
            for (var i = 0; i < s.Activities.Count; i++)
            {
                if (i == s.Cut)
                {
                    using var writer = new CheckpointWriter();
                    detector.WriteState(writer);
                    writer.CheckComplete();
                    var fresh = new TemporalDetector(policy, trigger, options, _ => { });
                    var reader = new CheckpointReader(writer.Written.ToArray());
                    fresh.ReadState(reader);
                    reader.ExpectEnd("the temporal state");
                    detector = fresh;
                }

                if (detector.Observe(s.Activities[i]) is { } d)
                {
                    actual.Add((i, d));
                }
            }

            var steps = StepConditions[..s.Steps].Select(ConditionCompiler.Compile).ToArray();
            var expected = TemporalOracle.Run(s.Activities, steps, s.Ordered, trigger.Window, a => a.UserId, lateness);
            Assert.Equal(expected.Select(e => (e.Index, e.Key)), actual.Select(a => (a.Index, a.Detection.ScopeKey)));
            for (var k = 0; k < expected.Count; k++)
            {
                var carried = actual[k].Detection.Activities;
                if (expected[k].Activities is { } exact)
                {
                    Assert.Equal(exact.Select(a => a.Id), carried.Select(a => a.Id));
                }
                else
                {
                    Assert.True(
                        TemporalOracle.IsCarriedChain(carried, s.Activities, steps, expected[k].EarliestTicks),
                        $"detection {k}: [{string.Join(", ", carried.Select(a => a.Id))}] is not a chain with earliest time {new DateTimeOffset(expected[k].EarliestTicks, TimeSpan.Zero):O}");
                }
            }
        });

    [Fact]
    public void Generated_scenarios_fire_both_kinds()
    {
        var sample = Scenarios().Generator.Sample(40, 100);
        var fired = new HashSet<bool>();
        foreach (var s in sample.Where(s => s.Steps > 1))
        {
            var steps = StepConditions[..s.Steps].Select(ConditionCompiler.Compile).ToArray();
            if (TemporalOracle.Run(s.Activities, steps, s.Ordered, TimeSpan.FromMinutes(s.WindowMinutes), a => a.UserId, TimeSpan.FromMinutes(3)).Count > 0)
            {
                fired.Add(s.Ordered);
            }
        }

        Assert.Equal(2, fired.Count);
    }
}
