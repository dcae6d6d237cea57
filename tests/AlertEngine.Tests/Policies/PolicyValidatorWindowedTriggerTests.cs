namespace AlertEngine.Tests.Policies;

/// <summary>The validator's rules for distinct, newValue, absence, spike and sum triggers built in code.</summary>
public class PolicyValidatorWindowedTriggerTests
{
    private static readonly AlertPolicy Valid = new() { Id = "p", Name = "P", Operations = ["UserLoggedIn"] };
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);
    private static readonly TriggerScope User = TriggerScope.User;

    private static IEnumerable<string> Errors(Trigger trigger, Plan plan = Plan.E5) =>
        PolicyValidator.Validate([Valid with { Trigger = trigger }], plan).Select(e => e.ToString());

    private static void AssertSingle(Trigger trigger, string expected) => Assert.Equal([expected], Errors(trigger));

    public static TheoryData<Trigger> ValidTriggers => new()
    {
        new DistinctTrigger("clientIp", 1, TimeSpan.FromTicks(1), User),
        new DistinctTrigger("Some property", int.MaxValue, TimeSpan.MaxValue, TriggerScope.Property("Workload")),
        new NewValueTrigger("clientIp", User, NewValueTrigger.DefaultLookback, NewValueTrigger.DefaultLearningPeriod),
        new NewValueTrigger("clientIp", User, TimeSpan.FromDays(1), TimeSpan.FromDays(30)), // learning longer than lookback: allowed
        new NewValueTrigger("clientIp", User, TimeSpan.FromTicks(1), TimeSpan.FromTicks(1)),
        new AbsenceTrigger(TimeSpan.FromTicks(1), TriggerScope.Organization),
        new SpikeTrigger(Math.BitIncrement(1.0), Hour, 1, 1, User),
        new SpikeTrigger(double.MaxValue, Hour, int.MaxValue, int.MaxValue, User),
        new SumTrigger("BytesTransferred", double.Epsilon, Hour, User),
        new SumTrigger("BytesTransferred", double.MaxValue, Hour, User),
    };

    [Theory]
    [MemberData(nameof(ValidTriggers))]
    public void Valid_triggers_have_no_errors_under_an_advanced_plan(Trigger trigger)
    {
        Assert.Empty(Errors(trigger, Plan.E5));
        Assert.Empty(Errors(trigger, Plan.G5));
    }

    public static TheoryData<Trigger, string> BadTriggers => new()
    {
        { new DistinctTrigger(null!, 5, Hour, User), "policies[0].trigger.field: is required" },
        { new DistinctTrigger("", 5, Hour, User), "policies[0].trigger.field: must not be empty" },
        { new DistinctTrigger(" ", 5, Hour, User), "policies[0].trigger.field: must not be empty" },
        { new DistinctTrigger("clientIp", 0, Hour, User), "policies[0].trigger.count: must be at least 1" },
        { new DistinctTrigger("clientIp", int.MinValue, Hour, User), "policies[0].trigger.count: must be at least 1" },
        { new DistinctTrigger("clientIp", 5, TimeSpan.Zero, User), "policies[0].trigger.window: must be greater than zero" },
        { new DistinctTrigger("clientIp", 5, -Hour, User), "policies[0].trigger.window: must be greater than zero" },
        { new DistinctTrigger("clientIp", 5, Hour, null!), "policies[0].trigger.scope: is required" },
        { new NewValueTrigger(null!, User, Hour, Hour), "policies[0].trigger.field: is required" },
        { new NewValueTrigger("", User, Hour, Hour), "policies[0].trigger.field: must not be empty" },
        { new NewValueTrigger("clientIp", null!, Hour, Hour), "policies[0].trigger.scope: is required" },
        { new NewValueTrigger("clientIp", User, TimeSpan.Zero, Hour), "policies[0].trigger.lookback: must be greater than zero" },
        { new NewValueTrigger("clientIp", User, -Hour, Hour), "policies[0].trigger.lookback: must be greater than zero" },
        { new NewValueTrigger("clientIp", User, Hour, TimeSpan.Zero), "policies[0].trigger.learningPeriod: must be greater than zero" },
        { new NewValueTrigger("clientIp", User, Hour, TimeSpan.MinValue), "policies[0].trigger.learningPeriod: must be greater than zero" },
        { new AbsenceTrigger(TimeSpan.Zero, User), "policies[0].trigger.window: must be greater than zero" },
        { new AbsenceTrigger(-TimeSpan.FromTicks(1), User), "policies[0].trigger.window: must be greater than zero" },
        { new AbsenceTrigger(Hour, null!), "policies[0].trigger.scope: is required" },
        { new SpikeTrigger(1, Hour, 1, 1, User), "policies[0].trigger.ratio: must be greater than 1" },
        { new SpikeTrigger(0, Hour, 1, 1, User), "policies[0].trigger.ratio: must be greater than 1" },
        { new SpikeTrigger(-2, Hour, 1, 1, User), "policies[0].trigger.ratio: must be greater than 1" },
        { new SpikeTrigger(Math.BitDecrement(1.0), Hour, 1, 1, User), "policies[0].trigger.ratio: must be greater than 1" },
        { new SpikeTrigger(double.NaN, Hour, 1, 1, User), "policies[0].trigger.ratio: must be a finite number greater than 1" },
        { new SpikeTrigger(double.PositiveInfinity, Hour, 1, 1, User), "policies[0].trigger.ratio: must be a finite number greater than 1" },
        { new SpikeTrigger(double.NegativeInfinity, Hour, 1, 1, User), "policies[0].trigger.ratio: must be a finite number greater than 1" },
        { new SpikeTrigger(2, TimeSpan.Zero, 1, 1, User), "policies[0].trigger.window: must be greater than zero" },
        { new SpikeTrigger(2, Hour, 0, 1, User), "policies[0].trigger.minCount: must be at least 1" },
        { new SpikeTrigger(2, Hour, 1, 0, User), "policies[0].trigger.minReference: must be at least 1" },
        { new SpikeTrigger(2, Hour, 1, -1, User), "policies[0].trigger.minReference: must be at least 1" },
        { new SpikeTrigger(2, Hour, 1, 1, null!), "policies[0].trigger.scope: is required" },
        { new SumTrigger(null!, 10, Hour, User), "policies[0].trigger.field: is required" },
        { new SumTrigger("\t", 10, Hour, User), "policies[0].trigger.field: must not be empty" },
        { new SumTrigger("Size", 0, Hour, User), "policies[0].trigger.threshold: must be greater than zero" },
        { new SumTrigger("Size", -0.0, Hour, User), "policies[0].trigger.threshold: must be greater than zero" },
        { new SumTrigger("Size", -double.Epsilon, Hour, User), "policies[0].trigger.threshold: must be greater than zero" },
        { new SumTrigger("Size", double.NaN, Hour, User), "policies[0].trigger.threshold: must be a finite number greater than zero" },
        { new SumTrigger("Size", double.PositiveInfinity, Hour, User), "policies[0].trigger.threshold: must be a finite number greater than zero" },
        { new SumTrigger("Size", 10, TimeSpan.Zero, User), "policies[0].trigger.window: must be greater than zero" },
        { new SumTrigger("Size", 10, Hour, null!), "policies[0].trigger.scope: is required" },
    };

    [Theory]
    [MemberData(nameof(BadTriggers))]
    public void Each_rule_is_one_error_at_its_path(Trigger trigger, string expected) => AssertSingle(trigger, expected);

    [Fact]
    public void Every_problem_of_a_trigger_is_listed_in_member_order()
    {
        Assert.Equal(
            [
                "policies[0].trigger.ratio: must be a finite number greater than 1",
                "policies[0].trigger.window: must be greater than zero",
                "policies[0].trigger.minCount: must be at least 1",
                "policies[0].trigger.minReference: must be at least 1",
                "policies[0].trigger.scope: is required",
                "policies[0].trigger.type: spike triggers need an advanced plan (E5 or G5); the plan is E3, which allows only everyTime",
            ],
            Errors(new SpikeTrigger(double.NaN, TimeSpan.Zero, 0, 0, null!), Plan.E3));
        Assert.Equal(
            [
                "policies[0].trigger.field: must not be empty",
                "policies[0].trigger.threshold: must be greater than zero",
                "policies[0].trigger.window: must be greater than zero",
            ],
            Errors(new SumTrigger("", -1, TimeSpan.Zero, User)));
    }

    [Theory]
    [InlineData(Plan.E1)]
    [InlineData(Plan.F1)]
    [InlineData(Plan.G1)]
    [InlineData(Plan.E3)]
    [InlineData(Plan.F3)]
    [InlineData(Plan.G3)]
    public void Standard_plans_refuse_every_new_trigger(Plan plan)
    {
        Trigger[] triggers =
        [
            new DistinctTrigger("clientIp", 5, Hour, User),
            new NewValueTrigger("clientIp", User, NewValueTrigger.DefaultLookback, NewValueTrigger.DefaultLearningPeriod),
            new AbsenceTrigger(Hour, User),
            new SpikeTrigger(3, Hour, 1, 1, User),
            new SumTrigger("Size", 10, Hour, User),
        ];
        string[] names = ["distinct", "newValue", "absence", "spike", "sum"];
        var policies = triggers.Select((t, i) => Valid with { Id = "p" + i, Trigger = t }).ToList();

        var errors = PolicyValidator.Validate(policies, plan);

        Assert.Equal(
            names.Select((n, i) => "policies[" + i + "].trigger.type: " + n + " triggers need an advanced plan (E5 or G5); the plan is " + plan + ", which allows only everyTime"),
            errors.Select(e => e.ToString()));
        Assert.Empty(PolicyValidator.Validate(policies, Plan.E5));
        Assert.Empty(PolicyValidator.Validate(policies, Plan.G5));
    }

    [Fact]
    public void Validator_and_loader_report_the_same_rule_the_same_way()
    {
        var policy = Valid with { Trigger = new SpikeTrigger(1, Hour, 0, 1, User) };
        const string json = """[{"id":"p","name":"P","category":"Others","severity":"Low","activities":["UserLoggedIn"],"trigger":{"type":"spike","ratio":1,"window":"PT1H","minCount":0}}]""";
        Assert.Equal(PolicyValidator.Validate([policy], Plan.E5), PolicySerializer.Load(json).Errors);
    }
}
