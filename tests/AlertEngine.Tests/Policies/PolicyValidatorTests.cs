using System.Net;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Tests.Policies;

public class PolicyValidatorTests
{
    private static readonly AlertPolicy Valid = new() { Id = "p", Name = "P", Operations = ["FileDeleted"] };

    private static ValidationError Single(AlertPolicy policy, Plan plan = Plan.E5) =>
        Assert.Single(PolicyValidator.Validate([policy], plan));

    private static void AssertSingle(AlertPolicy policy, string expected, Plan plan = Plan.E5) =>
        Assert.Equal(expected, Single(policy, plan).ToString());

    [Fact]
    public void Valid_policy_has_no_errors() => Assert.Empty(PolicyValidator.Validate([Valid], Plan.E3));

    [Theory]
    [InlineData("", "policies[0].id: must not be empty")]
    [InlineData(" ", "policies[0].id: must not be empty")]
    [InlineData(null, "policies[0].id: is required")]
    public void Id_must_be_non_empty(string? id, string expected) => AssertSingle(Valid with { Id = id! }, expected);

    [Fact]
    public void Name_must_be_non_empty() => AssertSingle(Valid with { Name = "" }, "policies[0].name: must not be empty");

    [Fact]
    public void Ids_must_be_unique() =>
        Assert.Equal(
            "policies[2].id: duplicate id \"p\"; already used by policies[0]",
            Assert.Single(PolicyValidator.Validate([Valid, Valid with { Id = "q" }, Valid], Plan.E5)).ToString());

    [Fact]
    public void Null_policy_is_an_error_at_its_index() =>
        Assert.Equal("policies[1]: must not be null", Assert.Single(PolicyValidator.Validate([Valid, null!], Plan.E5)).ToString());

    [Theory]
    [InlineData(new string[0], "policies[0].activities: must contain at least one value")]
    [InlineData(new[] { "x", "" }, "policies[0].activities[1]: must not be empty")]
    [InlineData(null, "policies[0].activities: is required")]
    public void Needs_at_least_one_non_empty_operation(string[]? operations, string expected) =>
        AssertSingle(Valid with { Operations = operations! }, expected);

    [Fact]
    public void Undefined_enum_values_are_errors()
    {
        var errors = PolicyValidator.Validate([Valid with { Type = (PolicyType)7, Category = (AlertCategory)42, Severity = (AlertSeverity)(-1) }], Plan.E5);
        Assert.Equal(["policies[0].type", "policies[0].category", "policies[0].severity"], errors.Select(e => e.Path));
        Assert.StartsWith("is not a valid category; expected one of DataLossPrevention", errors[1].Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, 60, "policies[0].trigger.count: must be at least 1")]
    [InlineData(1, 0, "policies[0].trigger.window: must be greater than zero")]
    [InlineData(1, -60, "policies[0].trigger.window: must be greater than zero")]
    public void Threshold_needs_a_count_of_one_and_a_positive_window(int count, int windowSeconds, string expected) =>
        AssertSingle(Valid with { Trigger = new ThresholdTrigger(count, TimeSpan.FromSeconds(windowSeconds), TriggerScope.User) }, expected);

    [Fact]
    public void Threshold_needs_a_scope() =>
        AssertSingle(Valid with { Trigger = new ThresholdTrigger(1, TimeSpan.FromHours(1), null!) }, "policies[0].trigger.scope: is required");

    [Fact]
    public void Anomaly_needs_positive_bucket_and_learning_period_of_at_least_one_bucket()
    {
        AssertSingle(Valid with { Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.Zero) },
            "policies[0].trigger.bucket: must be greater than zero");
        AssertSingle(Valid with { Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromMinutes(59), AnomalySensitivity.Medium, TimeSpan.FromHours(1)) },
            "policies[0].trigger.learningPeriod: must be at least the bucket (PT1H)");
        AssertSingle(Valid with { Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), (AnomalySensitivity)9, TimeSpan.FromHours(1)) },
            "policies[0].trigger.sensitivity: is not a valid sensitivity; expected one of low, medium, high");
    }

    [Fact]
    public void Trigger_must_not_be_null() => AssertSingle(Valid with { Trigger = null! }, "policies[0].trigger: is required");

    [Theory]
    [InlineData(Plan.E1)]
    [InlineData(Plan.F1)]
    [InlineData(Plan.G1)]
    [InlineData(Plan.E3)]
    [InlineData(Plan.F3)]
    [InlineData(Plan.G3)]
    public void Standard_plans_refuse_threshold_and_anomaly_triggers(Plan plan)
    {
        var threshold = Valid with { Trigger = new ThresholdTrigger(5, TimeSpan.FromHours(1), TriggerScope.User) };
        var anomaly = Valid with { Id = "q", Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.FromHours(1)) };

        var errors = PolicyValidator.Validate([threshold, anomaly], plan);

        Assert.Equal(["policies[0].trigger.type", "policies[1].trigger.type"], errors.Select(e => e.Path));
        Assert.Equal("threshold triggers need an advanced plan (E5 or G5); the plan is " + plan + ", which allows only everyTime", errors[0].Message);
        Assert.Empty(PolicyValidator.Validate([threshold, anomaly], Plan.G5));
    }

    [Fact]
    public void Aggregation_interval_has_an_upper_bound_of_one_day()
    {
        AssertSingle(Valid with { Aggregation = new AggregationSettings(AggregationMode.Policy, TimeSpan.FromDays(1) + TimeSpan.FromTicks(1)) },
            "policies[0].aggregation.interval: must be at most 1.00:00:00 (one day)");
        Assert.Empty(PolicyValidator.Validate([Valid with { Aggregation = new AggregationSettings(AggregationMode.Policy, TimeSpan.FromDays(1)) }], Plan.E5));
        Assert.Equal(TimeSpan.FromDays(1), PolicyValidator.MaxAggregationInterval);
    }

    [Fact]
    public void Aggregation_interval_and_daily_limit_are_checked()
    {
        AssertSingle(Valid with { Aggregation = new AggregationSettings(AggregationMode.Policy, TimeSpan.Zero) },
            "policies[0].aggregation.interval: must be greater than zero");
        AssertSingle(Valid with { Aggregation = new AggregationSettings((AggregationMode)5) },
            "policies[0].aggregation.mode: is not a valid aggregation mode; expected one of policy, none");
        AssertSingle(Valid with { Notification = new NotificationSettings(true, ["a"], 0) },
            "policies[0].notification.dailyLimit: must be at least 1");
        AssertSingle(Valid with { Notification = new NotificationSettings(true, null!) },
            "policies[0].notification.recipients: is required");
        AssertSingle(Valid with { Notification = new NotificationSettings(true, ["a", " "]) },
            "policies[0].notification.recipients[1]: must not be empty");
        Assert.Empty(PolicyValidator.Validate([Valid with { Notification = new NotificationSettings(false, []) }], Plan.E5));
    }

    [Fact]
    public void Early_warning_applies_only_to_threshold_triggers()
    {
        var warned = new NotificationSettings(true, ["a"]) { EarlyWarning = true };
        AssertSingle(Valid with { Notification = warned },
            "policies[0].notification.earlyWarning: applies only to threshold triggers");
        AssertSingle(Valid with { Trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), Notification = warned },
            "policies[0].notification.earlyWarning: applies only to threshold triggers");
        Assert.Empty(PolicyValidator.Validate([Valid with { Trigger = new ThresholdTrigger(5, TimeSpan.FromMinutes(10), TriggerScope.User), Notification = warned }], Plan.E5));
        Assert.Empty(PolicyValidator.Validate([Valid with { Notification = warned with { EarlyWarning = false } }], Plan.E5));
    }

    [Fact]
    public void Early_warning_without_a_trigger_reports_only_the_missing_trigger() =>
        AssertSingle(Valid with { Trigger = null!, Notification = new NotificationSettings(true, ["a"]) { EarlyWarning = true } },
            "policies[0].trigger: is required");

    [Fact]
    public void A_throttle_is_valid_on_any_trigger() =>
        Assert.Empty(PolicyValidator.Validate(
            [Valid with { Notification = new NotificationSettings(true, ["a"]) { Throttle = new NotificationThrottle(1, TimeSpan.FromTicks(1)) } }],
            Plan.E5));

    [Fact]
    public void A_throttle_that_bypassed_its_constructor_is_still_checked()
    {
        // NotificationThrottle's constructor refuses a count below 1 and a window of zero; the validator checks the same
        // rules with paths, so a throttle made without the constructor (zeroed fields) is still reported.
        var zeroed = (NotificationThrottle)System.Runtime.CompilerServices.RuntimeHelpers.GetUninitializedObject(typeof(NotificationThrottle));
        var errors = PolicyValidator.Validate([Valid with { Notification = new NotificationSettings(true, ["a"]) { Throttle = zeroed } }], Plan.E5);
        Assert.Equal(
            ["policies[0].notification.throttle.count: must be at least 1", "policies[0].notification.throttle.window: must be greater than zero"],
            errors.Select(e => e.ToString()));
    }

    public static TheoryData<Condition, string> BadConditions => new()
    {
        { new AllCondition(null!), "policies[0].conditions.all: is required" },
        { new AnyCondition([new UsersCondition(["a"]), null!]), "policies[0].conditions.any[1]: must not be null" },
        { new NotCondition(null!), "policies[0].conditions.not: must not be null" },
        { new UsersCondition([]), "policies[0].conditions.users: must contain at least one value" },
        { new UserTagsCondition([""]), "policies[0].conditions.userTags[0]: must not be empty" },
        { new IpAddressesCondition([]), "policies[0].conditions.ipAddresses: must contain at least one value" },
        { new IpAddressesCondition(null!), "policies[0].conditions.ipAddresses: is required" },
        { new FileNamesCondition([""]), "policies[0].conditions.fileNames[0]: must not be empty" },
        { new UrlsCondition([new string('*', 1001)]), "policies[0].conditions.urls[0]: must be at most 1,000 characters long (it has 1,001)" },
        { new PropertyCondition("", PropertyOperator.Equals, ["x"]), "policies[0].conditions.property: must not be empty" },
        { new PropertyCondition("Workload", PropertyOperator.Equals, ["a", "b"]), "policies[0].conditions.equals: must be exactly one value" },
        { new PropertyCondition("Workload", PropertyOperator.In, []), "policies[0].conditions.in: must contain at least one value" },
        { new PropertyCondition("Workload", PropertyOperator.In, ["a", null!]), "policies[0].conditions.in[1]: must not be null" },
        { new PropertyCondition("Workload", PropertyOperator.Matches, [""]), "policies[0].conditions.matches: must not be empty" },
        { new PropertyCondition("Workload", PropertyOperator.Matches, ["a", "b"]), "policies[0].conditions.matches: must be exactly one glob" },
        { new PropertyCondition("Workload", PropertyOperator.In, null!), "policies[0].conditions.in: is required" },
        { new PropertyCondition("Workload", (PropertyOperator)9, ["a"]), "policies[0].conditions: has an operator that is not equals, in or matches" },
    };

    [Theory]
    [MemberData(nameof(BadConditions))]
    public void Condition_rules(Condition condition, string expected) => AssertSingle(Valid with { Conditions = condition }, expected);

    [Fact]
    public void Empty_all_and_any_are_allowed() =>
        Assert.Empty(PolicyValidator.Validate([Valid with { Conditions = new AllCondition([new AnyCondition([])]) }], Plan.E5));

    [Fact]
    public void Conditions_deeper_than_32_levels_are_an_error_and_not_walked_further()
    {
        Condition c = new UsersCondition([]); // invalid, but beyond the cap: not reported
        for (var i = 0; i < 100_000; i++)
        {
            c = new NotCondition(c);
        }

        var error = Single(Valid with { Conditions = c });
        Assert.Equal("policies[0].conditions" + string.Concat(Enumerable.Repeat(".not", 32)), error.Path);
        Assert.Equal("conditions are nested more than 32 levels deep", error.Message);
    }

    [Fact]
    public void Every_error_of_every_policy_is_listed()
    {
        var errors = PolicyValidator.Validate(
            [
                Valid with { Name = "", Operations = [] },
                Valid with { Id = "q", Trigger = new ThresholdTrigger(0, TimeSpan.Zero, TriggerScope.User), Notification = new NotificationSettings(true, [], 0) },
            ],
            Plan.E3);

        Assert.Equal(
            [
                "policies[0].name: must not be empty",
                "policies[0].activities: must contain at least one value",
                "policies[1].trigger.count: must be at least 1",
                "policies[1].trigger.window: must be greater than zero",
                "policies[1].trigger.type: threshold triggers need an advanced plan (E5 or G5); the plan is E3, which allows only everyTime",
                "policies[1].notification.dailyLimit: must be at least 1",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Programmer_errors_throw()
    {
        Assert.Throws<ArgumentNullException>(() => PolicyValidator.Validate(null!, Plan.E5));
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicyValidator.Validate([Valid], (Plan)77));
    }

    [Fact]
    public void Validator_and_loader_agree_on_the_same_rule()
    {
        var policy = Valid with { Conditions = new AllCondition([new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]), new FileNamesCondition([""])]) };
        var json = """[{"id":"p","name":"P","category":"Others","severity":"Low","activities":["FileDeleted"],"conditions":{"all":[{"ipAddresses":["10.0.0.0/8"]},{"fileNames":[""]}]}}]""";
        Assert.Equal(PolicyValidator.Validate([policy], Plan.E5), PolicySerializer.Load(json).Errors);
    }

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Generated_policies_are_valid() =>
        Prop.ForAll(PolicyGenerators.PoliciesArbitrary(), policies => Assert.Empty(PolicyValidator.Validate(policies, Plan.E5)));

    [FsCheck.Xunit.Property(MaxTest = 50)]
    public Property Generated_standard_plan_policies_are_valid_under_a_standard_plan() =>
        Prop.ForAll(PolicyGenerators.PoliciesArbitrary(advancedPlan: false), policies => Assert.Empty(PolicyValidator.Validate(policies, Plan.E1)));

    [FsCheck.Xunit.Property(MaxTest = 100)]
    public Property Shrinking_keeps_policies_valid() =>
        Prop.ForAll(PolicyGenerators.PolicyArbitrary(), policy =>
        {
            foreach (var simpler in PolicyGenerators.Shrink(policy))
            {
                Assert.Empty(PolicyValidator.Validate([simpler], Plan.E5));
                Assert.False(PolicyComparer.Instance.Equals(policy, simpler));
            }
        });
}
