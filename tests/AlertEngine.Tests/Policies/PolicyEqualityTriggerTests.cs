using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Tests.Policies;

/// <summary>When two triggers are the same detection (state carries over on reload, a System policy's trigger is
/// unchanged): same type and values, field and property names case-insensitively.</summary>
public class PolicyEqualityTriggerTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TriggerScope User = TriggerScope.User;

    /// <summary>A trigger of each type, and for each of its members a variant that differs there only.</summary>
    public static TheoryData<Trigger, Trigger> DifferentInOneMember => new()
    {
        { new ThresholdTrigger(5, Hour, User), new ThresholdTrigger(6, Hour, User) },
        { new ThresholdTrigger(5, Hour, User), new ThresholdTrigger(5, Hour * 2, User) },
        { new ThresholdTrigger(5, Hour, User), new ThresholdTrigger(5, Hour, TriggerScope.Organization) },
        { new AnomalyTrigger(User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, Hour), new AnomalyTrigger(User, TimeSpan.FromDays(8), AnomalySensitivity.Medium, Hour) },
        { new AnomalyTrigger(User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, Hour), new AnomalyTrigger(User, TimeSpan.FromDays(7), AnomalySensitivity.High, Hour) },
        { new AnomalyTrigger(User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, Hour), new AnomalyTrigger(User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, Hour / 2) },
        { new AnomalyTrigger(User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, Hour), new AnomalyTrigger(TriggerScope.Recipient, TimeSpan.FromDays(7), AnomalySensitivity.Medium, Hour) },
        { new DistinctTrigger("clientIp", 5, Hour, User), new DistinctTrigger("userId", 5, Hour, User) },
        { new DistinctTrigger("clientIp", 5, Hour, User), new DistinctTrigger("clientIp", 4, Hour, User) },
        { new DistinctTrigger("clientIp", 5, Hour, User), new DistinctTrigger("clientIp", 5, Hour + TimeSpan.FromTicks(1), User) },
        { new DistinctTrigger("clientIp", 5, Hour, User), new DistinctTrigger("clientIp", 5, Hour, TriggerScope.Property("Workload")) },
        { new NewValueTrigger("clientIp", User, Hour, Hour), new NewValueTrigger("objectId", User, Hour, Hour) },
        { new NewValueTrigger("clientIp", User, Hour, Hour), new NewValueTrigger("clientIp", TriggerScope.Organization, Hour, Hour) },
        { new NewValueTrigger("clientIp", User, Hour, Hour), new NewValueTrigger("clientIp", User, Hour * 2, Hour) },
        { new NewValueTrigger("clientIp", User, Hour, Hour), new NewValueTrigger("clientIp", User, Hour, Hour * 2) },
        { new AbsenceTrigger(Hour, User), new AbsenceTrigger(Hour * 2, User) },
        { new AbsenceTrigger(Hour, User), new AbsenceTrigger(Hour, TriggerScope.Property("Workload")) },
        { new SpikeTrigger(3, Hour, 1, 1, User), new SpikeTrigger(Math.BitIncrement(3.0), Hour, 1, 1, User) },
        { new SpikeTrigger(3, Hour, 1, 1, User), new SpikeTrigger(3, Hour * 2, 1, 1, User) },
        { new SpikeTrigger(3, Hour, 1, 1, User), new SpikeTrigger(3, Hour, 2, 1, User) },
        { new SpikeTrigger(3, Hour, 1, 1, User), new SpikeTrigger(3, Hour, 1, 2, User) },
        { new SpikeTrigger(3, Hour, 1, 1, User), new SpikeTrigger(3, Hour, 1, 1, TriggerScope.MalwareFamily) },
        { new SumTrigger("Size", 10, Hour, User), new SumTrigger("Bytes", 10, Hour, User) },
        { new SumTrigger("Size", 10, Hour, User), new SumTrigger("Size", 10.5, Hour, User) },
        { new SumTrigger("Size", 10, Hour, User), new SumTrigger("Size", 10, Hour * 2, User) },
        { new SumTrigger("Size", 10, Hour, User), new SumTrigger("Size", 10, Hour, TriggerScope.Organization) },
        { new DistinctTrigger("clientIp", 5, Hour, User), new ThresholdTrigger(5, Hour, User) },
        { new SumTrigger("Size", 5, Hour, User), new ThresholdTrigger(5, Hour, User) },
        { new AbsenceTrigger(Hour, User), EveryTimeTrigger.Instance },
        { new SpikeTrigger(2, Hour, 1, 1, User), new AbsenceTrigger(Hour, User) },
        { new NewValueTrigger("clientIp", User, Hour, Hour), new DistinctTrigger("clientIp", 1, Hour, User) },
    };

    [Theory]
    [MemberData(nameof(DifferentInOneMember))]
    public void A_difference_in_any_member_or_type_is_another_trigger(Trigger a, Trigger b)
    {
        Assert.False(PolicyEquality.SameTrigger(a, b));
        Assert.False(PolicyEquality.SameTrigger(b, a));
        Assert.True(PolicyEquality.SameTrigger(a, a));
        Assert.True(PolicyEquality.SameTrigger(b, b));
    }

    public static TheoryData<Trigger, Trigger> EquivalentButNotEqualRecords => new()
    {
        { new DistinctTrigger("clientIp", 5, Hour, User), new DistinctTrigger("ClientIP", 5, Hour, User) },
        { new DistinctTrigger("clientIp", 5, Hour, TriggerScope.Property("Workload")), new DistinctTrigger("clientIp", 5, Hour, TriggerScope.Property("WORKLOAD")) },
        { new NewValueTrigger("FileName", TriggerScope.Property("userid"), Hour, Hour), new NewValueTrigger("filename", TriggerScope.Property("userId"), Hour, Hour) },
        { new AbsenceTrigger(Hour, TriggerScope.Property("workload")), new AbsenceTrigger(Hour, TriggerScope.Property("Workload")) },
        { new SpikeTrigger(3, Hour, 1, 1, TriggerScope.Property("a")), new SpikeTrigger(3, Hour, 1, 1, TriggerScope.Property("A")) },
        { new SumTrigger("BytesTransferred", 1e10, Hour, User), new SumTrigger("bytestransferred", 1e10, Hour, User) },
        { new ThresholdTrigger(5, Hour, TriggerScope.Property("Workload")), new ThresholdTrigger(5, Hour, TriggerScope.Property("workload")) },
        { new AnomalyTrigger(TriggerScope.Property("Workload"), Hour, AnomalySensitivity.Low, Hour), new AnomalyTrigger(TriggerScope.Property("workload"), Hour, AnomalySensitivity.Low, Hour) },
    };

    [Theory]
    [MemberData(nameof(EquivalentButNotEqualRecords))]
    public void Field_and_property_names_compare_case_insensitively(Trigger a, Trigger b)
    {
        Assert.NotEqual(a, b); // the records differ (a round trip keeps the spelling) …
        Assert.True(PolicyEquality.SameTrigger(a, b)); // … but evaluation reads the same field
        Assert.True(PolicyEquality.SameTrigger(b, a));
    }

    [Fact]
    public void Equal_values_in_distinct_instances_are_the_same_trigger()
    {
        Assert.True(PolicyEquality.SameTrigger(new SpikeTrigger(2.5, Hour, 3, 4, User), new SpikeTrigger(2.5, Hour, 3, 4, User)));
        Assert.True(PolicyEquality.SameTrigger(new SumTrigger("Size", 0.1, Hour, User), new SumTrigger("Size", 0.1, Hour, User)));
        Assert.True(PolicyEquality.SameTrigger(EveryTimeTrigger.Instance, EveryTimeTrigger.Instance));
        Assert.True(PolicyEquality.SameTrigger(null, null));
        Assert.False(PolicyEquality.SameTrigger(new AbsenceTrigger(Hour, User), null));
        Assert.False(PolicyEquality.SameTrigger(null, new AbsenceTrigger(Hour, User)));
    }

    [Fact]
    public void Same_detection_uses_the_trigger_rule()
    {
        var policy = new AlertPolicy { Id = "p", Name = "P", Operations = ["UserLoggedIn"], Trigger = new DistinctTrigger("clientIp", 5, Hour, User) };
        Assert.True(PolicyEquality.SameDetection(policy, policy with { Trigger = new DistinctTrigger("CLIENTIP", 5, Hour, User) }));
        Assert.False(PolicyEquality.SameDetection(policy, policy with { Trigger = new DistinctTrigger("clientIp", 6, Hour, User) }));
        Assert.True(PolicyEquality.Same(policy, policy with { Trigger = new DistinctTrigger("clientIp", 5, Hour, User) }));
    }

    [Fact]
    public void A_system_policy_trigger_respelt_in_another_case_is_not_a_change_but_another_value_is()
    {
        var system = new AlertPolicy
        {
            Id = "s",
            Name = "S",
            Type = PolicyType.System,
            Operations = ["UserLoggedIn"],
            Trigger = new NewValueTrigger("clientIp", User, NewValueTrigger.DefaultLookback, NewValueTrigger.DefaultLearningPeriod),
        };

        Assert.Empty(PolicyChange.Validate(system, system with
        {
            Trigger = new NewValueTrigger("ClientIp", User, NewValueTrigger.DefaultLookback, NewValueTrigger.DefaultLearningPeriod),
        }));
        var error = Assert.Single(PolicyChange.Validate(system, system with
        {
            Trigger = new NewValueTrigger("clientIp", User, TimeSpan.FromDays(60), NewValueTrigger.DefaultLearningPeriod),
        }));
        Assert.Equal("policy.trigger", error.Path);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Same_trigger_is_record_equality_once_names_are_upper_cased() =>
        Prop.ForAll(Arb.From(Pairs()), pair =>
        {
            var (a, b) = pair;
            Assert.Equal(Equals(Upper(a), Upper(b)), PolicyEquality.SameTrigger(a, b));
            Assert.Equal(PolicyEquality.SameTrigger(a, b), PolicyEquality.SameTrigger(b, a));
        });

    /// <summary>Two triggers: the same one, the same one with its names in another case, or any other.</summary>
    private static Gen<(Trigger, Trigger)> Pairs() =>
        from a in PolicyGenerators.Trigger()
        from b in Gen.OneOf(Gen.Constant(a), Gen.Constant(Lower(a)), PolicyGenerators.Trigger())
        select (a, b);

    private static Trigger Upper(Trigger t) => Rename(t, static s => s.ToUpperInvariant());

    private static Trigger Lower(Trigger t) => Rename(t, static s => s.ToLowerInvariant());

    /// <summary>The trigger with its field and <c>property:&lt;Name&gt;</c> scope name mapped.</summary>
    private static Trigger Rename(Trigger t, Func<string, string> map)
    {
        TriggerScope Scope(TriggerScope s) => s.Kind == TriggerScopeKind.Property ? TriggerScope.Property(map(s.PropertyName!)) : s;
        return t switch
        {
            ThresholdTrigger x => x with { Scope = Scope(x.Scope) },
            AnomalyTrigger x => x with { Scope = Scope(x.Scope) },
            DistinctTrigger x => x with { Field = map(x.Field), Scope = Scope(x.Scope) },
            NewValueTrigger x => x with { Field = map(x.Field), Scope = Scope(x.Scope) },
            AbsenceTrigger x => x with { Scope = Scope(x.Scope) },
            SpikeTrigger x => x with { Scope = Scope(x.Scope) },
            SumTrigger x => x with { Field = map(x.Field), Scope = Scope(x.Scope) },
            _ => t,
        };
    }
}
