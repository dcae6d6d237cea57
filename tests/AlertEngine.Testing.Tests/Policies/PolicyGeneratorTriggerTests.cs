using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing.Tests.Policies;

/// <summary>The trigger generator reaches every trigger type and the edges of their values, so the round-trip and
/// validation properties over generated policies cover them.</summary>
public class PolicyGeneratorTriggerTests
{
    private const int Samples = 4000;

    private static Trigger[] Sample(bool advancedPlan = true, ulong seed = 42) =>
        PolicyGenerators.Trigger(advancedPlan).Sample(Samples, new Rnd(seed), 20);

    [Fact]
    public void Every_trigger_type_is_generated()
    {
        var types = Sample().Select(t => t.GetType()).ToHashSet();
        Assert.Equal(
            new HashSet<Type>
            {
                typeof(EveryTimeTrigger), typeof(ThresholdTrigger), typeof(AnomalyTrigger), typeof(DistinctTrigger),
                typeof(NewValueTrigger), typeof(AbsenceTrigger), typeof(SpikeTrigger), typeof(SumTrigger),
            },
            types);
    }

    [Fact]
    public void Generated_triggers_are_valid()
    {
        var policies = Sample().Select((t, i) => new AlertPolicy { Id = "p" + i, Name = "P", Operations = ["X"], Trigger = t }).ToList();
        Assert.Empty(PolicyValidator.Validate(policies, Plan.E5));
    }

    [Fact]
    public void Standard_plan_generation_gives_only_every_time_triggers() =>
        Assert.All(Sample(advancedPlan: false), t => Assert.IsType<EveryTimeTrigger>(t));

    [Fact]
    public void Numbers_reach_their_edges()
    {
        var triggers = Sample();
        var spikes = triggers.OfType<SpikeTrigger>().ToList();
        var sums = triggers.OfType<SumTrigger>().ToList();
        Assert.Contains(spikes, s => s.Ratio == Math.BitIncrement(1.0));
        Assert.Contains(spikes, s => s.Ratio == double.MaxValue);
        Assert.Contains(spikes, s => s.Ratio != Math.Floor(s.Ratio));
        Assert.Contains(spikes, s => s.MinCount == 1 && s.MinReference == 1);
        Assert.Contains(spikes, s => s.MinCount > 1);
        Assert.Contains(spikes, s => s.MinReference == int.MaxValue);
        Assert.Contains(sums, s => s.Threshold == double.Epsilon);
        Assert.Contains(sums, s => s.Threshold == double.MaxValue);
        Assert.Contains(sums, s => s.Threshold < 1);
        Assert.Contains(triggers.OfType<DistinctTrigger>(), d => d.Count == int.MaxValue);
    }

    [Fact]
    public void New_value_periods_cover_the_defaults_and_a_learning_period_longer_than_the_lookback()
    {
        var newValues = Sample().OfType<NewValueTrigger>().ToList();
        Assert.Contains(newValues, n => n.Lookback == NewValueTrigger.DefaultLookback);
        Assert.Contains(newValues, n => n.LearningPeriod == NewValueTrigger.DefaultLearningPeriod);
        Assert.Contains(newValues, n => n.LearningPeriod > n.Lookback);
        Assert.Contains(newValues, n => n.LearningPeriod < n.Lookback);
    }

    [Fact]
    public void Fields_are_top_level_fields_in_either_case_and_property_keys()
    {
        var fields = Sample().Select(t => t switch
        {
            DistinctTrigger d => d.Field,
            NewValueTrigger n => n.Field,
            SumTrigger s => s.Field,
            _ => null,
        }).OfType<string>().ToList();
        Assert.Contains("clientIp", fields);
        Assert.Contains("ClientIP", fields);
        Assert.Contains("BytesTransferred", fields);
        Assert.Contains(fields, f => f.Any(char.IsControl) || f.Any(c => c > 127)); // free text, JSON-awkward
    }

    [Fact]
    public void Shrinking_a_policy_with_a_new_trigger_falls_back_to_every_time()
    {
        var policy = new AlertPolicy { Id = "p", Name = "P", Operations = ["X"], Trigger = new SpikeTrigger(2, TimeSpan.FromHours(1), 1, 1, TriggerScope.User) };
        Assert.Contains(PolicyGenerators.Shrink(policy), p => p.Trigger is EveryTimeTrigger);
    }
}
