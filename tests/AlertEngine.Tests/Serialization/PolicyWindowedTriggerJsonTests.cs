using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using static AlertEngine.Tests.Serialization.PolicyJson;

namespace AlertEngine.Tests.Serialization;

/// <summary>The distinct, newValue, absence, spike and sum triggers as policy JSON: loading, defaults, every rule with its
/// path, plan gating and exact round trips.</summary>
public class PolicyWindowedTriggerJsonTests
{
    private static readonly TimeSpan Hour = TimeSpan.FromHours(1);

    private static Trigger LoadTrigger(string trigger, Plan plan = Plan.E5) => LoadOne(Trigger(trigger), plan).Trigger;

    [Fact]
    public void Distinct_loads_with_every_field() =>
        Assert.Equal(
            new DistinctTrigger("clientIp", 5, Hour, TriggerScope.Organization),
            LoadTrigger("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 5, \"window\": \"PT1H\", \"scope\": \"organization\"}"));

    [Fact]
    public void Distinct_scope_defaults_to_user() =>
        Assert.Equal(
            new DistinctTrigger("clientIp", 5, Hour, TriggerScope.User),
            LoadTrigger("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 5, \"window\": \"PT1H\"}"));

    [Fact]
    public void New_value_defaults_are_thirty_days_lookback_seven_days_learning_and_user_scope()
    {
        var trigger = Assert.IsType<NewValueTrigger>(LoadTrigger("{\"type\": \"newValue\", \"field\": \"clientIp\"}"));
        Assert.Equal(new NewValueTrigger("clientIp", TriggerScope.User, TimeSpan.FromDays(30), TimeSpan.FromDays(7)), trigger);
        Assert.Equal(NewValueTrigger.DefaultLookback, trigger.Lookback);
        Assert.Equal(NewValueTrigger.DefaultLearningPeriod, trigger.LearningPeriod);
    }

    [Fact]
    public void New_value_loads_with_every_field() =>
        Assert.Equal(
            new NewValueTrigger("Operation", TriggerScope.Property("userId"), TimeSpan.FromDays(90), TimeSpan.FromDays(14)),
            LoadTrigger("{\"type\": \"newValue\", \"field\": \"Operation\", \"scope\": \"property:userId\", \"lookback\": \"P90D\", \"learningPeriod\": \"P14D\"}"));

    [Theory]
    [InlineData("\"lookback\": \"P1D\", \"learningPeriod\": \"P30D\"")] // learning longer than the lookback
    [InlineData("\"lookback\": \"PT1M\", \"learningPeriod\": \"PT1M\"")] // equal
    [InlineData("\"learningPeriod\": \"PT1S\"")] // shorter than the anomaly bucket: no bucket rule for newValue
    public void New_value_learning_period_is_not_bounded_by_the_lookback(string fields) =>
        Assert.IsType<NewValueTrigger>(LoadTrigger("{\"type\": \"newValue\", \"field\": \"clientIp\", " + fields + "}"));

    [Fact]
    public void Absence_loads_and_scope_defaults_to_user()
    {
        Assert.Equal(new AbsenceTrigger(Hour, TriggerScope.User), LoadTrigger("{\"type\": \"absence\", \"window\": \"PT1H\"}"));
        Assert.Equal(
            new AbsenceTrigger(TimeSpan.FromMinutes(30), TriggerScope.Property("Workload")),
            LoadTrigger("{\"type\": \"absence\", \"window\": \"PT30M\", \"scope\": \"property:Workload\"}"));
    }

    [Fact]
    public void Spike_defaults_are_min_count_one_min_reference_one_and_user_scope() =>
        Assert.Equal(new SpikeTrigger(3, Hour, 1, 1, TriggerScope.User), LoadTrigger("{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT1H\"}"));

    [Fact]
    public void Spike_loads_with_every_field() =>
        Assert.Equal(
            new SpikeTrigger(2.5, TimeSpan.FromMinutes(15), 20, 4, TriggerScope.AllMessages),
            LoadTrigger("{\"type\": \"spike\", \"ratio\": 2.5, \"window\": \"PT15M\", \"minCount\": 20, \"minReference\": 4, \"scope\": \"allMessages\"}"));

    [Theory]
    [InlineData("3", 3.0)]
    [InlineData("3.0", 3.0)]
    [InlineData("1e1", 10.0)]
    [InlineData("1.0000000000000002", 1.0000000000000002)]
    [InlineData("1.7976931348623157e308", double.MaxValue)]
    public void Spike_ratio_is_any_json_number_above_one(string ratio, double expected) =>
        Assert.Equal(expected, Assert.IsType<SpikeTrigger>(LoadTrigger("{\"type\": \"spike\", \"ratio\": " + ratio + ", \"window\": \"PT1H\"}")).Ratio);

    [Fact]
    public void Sum_loads_and_scope_defaults_to_user()
    {
        Assert.Equal(
            new SumTrigger("BytesTransferred", 10e9, Hour, TriggerScope.User),
            LoadTrigger("{\"type\": \"sum\", \"field\": \"BytesTransferred\", \"threshold\": 1e10, \"window\": \"PT1H\"}"));
        Assert.Equal(
            new SumTrigger("Size", 0.5, Hour, TriggerScope.Recipient),
            LoadTrigger("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": 0.5, \"window\": \"PT1H\", \"scope\": \"recipient\"}"));
    }

    [Theory]
    [InlineData("{\"type\": \"DISTINCT\", \"FIELD\": \"clientIp\", \"Count\": 2, \"WINDOW\": \"PT1H\"}", typeof(DistinctTrigger))]
    [InlineData("{\"Type\": \"NewValue\", \"Field\": \"clientIp\", \"LookBack\": \"P1D\", \"LEARNINGPERIOD\": \"P2D\"}", typeof(NewValueTrigger))]
    [InlineData("{\"type\": \"newvalue\", \"field\": \"clientIp\"}", typeof(NewValueTrigger))]
    [InlineData("{\"type\": \"Absence\", \"WINDOW\": \"PT1H\", \"Scope\": \"USER\"}", typeof(AbsenceTrigger))]
    [InlineData("{\"type\": \"SPIKE\", \"Ratio\": 2, \"WINDOW\": \"PT1H\", \"MinCount\": 3, \"minreference\": 2}", typeof(SpikeTrigger))]
    [InlineData("{\"type\": \"Sum\", \"FIELD\": \"Size\", \"THRESHOLD\": 1, \"Window\": \"PT1H\"}", typeof(SumTrigger))]
    public void Type_names_and_member_names_match_case_insensitively(string trigger, Type expected) =>
        Assert.IsType(expected, LoadTrigger(trigger));

    [Theory]
    [InlineData("{\"type\": \"distinct\", \"count\": 5, \"window\": \"PT1H\"}", "policies[0].trigger.field", "is required")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"\", \"count\": 5, \"window\": \"PT1H\"}", "policies[0].trigger.field", "must not be empty")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"  \", \"count\": 5, \"window\": \"PT1H\"}", "policies[0].trigger.field", "must not be empty")]
    [InlineData("{\"type\": \"distinct\", \"field\": null, \"count\": 5, \"window\": \"PT1H\"}", "policies[0].trigger.field", "is required")]
    [InlineData("{\"type\": \"distinct\", \"field\": 3, \"count\": 5, \"window\": \"PT1H\"}", "policies[0].trigger.field", "must be a string, not a number")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"window\": \"PT1H\"}", "policies[0].trigger.count", "is required")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 0, \"window\": \"PT1H\"}", "policies[0].trigger.count", "must be at least 1")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": -1, \"window\": \"PT1H\"}", "policies[0].trigger.count", "must be at least 1")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 2.5, \"window\": \"PT1H\"}", "policies[0].trigger.count", "must be a whole number")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 5}", "policies[0].trigger.window", "is required")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 5, \"window\": \"PT0S\"}", "policies[0].trigger.window", "must be greater than zero")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 5, \"window\": \"PT1H\", \"scope\": \"tenant\"}", "policies[0].trigger.scope", "\"tenant\" is not a valid scope")]
    [InlineData("{\"type\": \"newValue\"}", "policies[0].trigger.field", "is required")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"\"}", "policies[0].trigger.field", "must not be empty")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"clientIp\", \"lookback\": \"PT0S\"}", "policies[0].trigger.lookback", "must be greater than zero")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"clientIp\", \"lookback\": \"-P1D\"}", "policies[0].trigger.lookback", "is negative")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"clientIp\", \"lookback\": \"P1M\"}", "policies[0].trigger.lookback", "uses years or months")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"clientIp\", \"learningPeriod\": \"P0D\"}", "policies[0].trigger.learningPeriod", "must be greater than zero")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"clientIp\", \"learningPeriod\": 7}", "policies[0].trigger.learningPeriod", "must be an ISO-8601 duration string")]
    [InlineData("{\"type\": \"absence\"}", "policies[0].trigger.window", "is required")]
    [InlineData("{\"type\": \"absence\", \"window\": \"PT0S\"}", "policies[0].trigger.window", "must be greater than zero")]
    [InlineData("{\"type\": \"spike\", \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "is required")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 1, \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "must be greater than 1")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 0.5, \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "must be greater than 1")]
    [InlineData("{\"type\": \"spike\", \"ratio\": -3, \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "must be greater than 1")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 1e400, \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "is out of range")]
    [InlineData("{\"type\": \"spike\", \"ratio\": \"3\", \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "must be a number, not a string")]
    [InlineData("{\"type\": \"spike\", \"ratio\": \"NaN\", \"window\": \"PT1H\"}", "policies[0].trigger.ratio", "must be a number, not a string")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 3}", "policies[0].trigger.window", "is required")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT0S\"}", "policies[0].trigger.window", "must be greater than zero")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT1H\", \"minCount\": 0}", "policies[0].trigger.minCount", "must be at least 1")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT1H\", \"minCount\": 1.5}", "policies[0].trigger.minCount", "must be a whole number")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT1H\", \"minReference\": 0}", "policies[0].trigger.minReference", "must be at least 1")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT1H\", \"minReference\": -2}", "policies[0].trigger.minReference", "must be at least 1")]
    [InlineData("{\"type\": \"sum\", \"threshold\": 10, \"window\": \"PT1H\"}", "policies[0].trigger.field", "is required")]
    [InlineData("{\"type\": \"sum\", \"field\": \"\", \"threshold\": 10, \"window\": \"PT1H\"}", "policies[0].trigger.field", "must not be empty")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"window\": \"PT1H\"}", "policies[0].trigger.threshold", "is required")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": 0, \"window\": \"PT1H\"}", "policies[0].trigger.threshold", "must be greater than zero")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": -0.0, \"window\": \"PT1H\"}", "policies[0].trigger.threshold", "must be greater than zero")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": -5, \"window\": \"PT1H\"}", "policies[0].trigger.threshold", "must be greater than zero")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": -1e400, \"window\": \"PT1H\"}", "policies[0].trigger.threshold", "is out of range")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": true, \"window\": \"PT1H\"}", "policies[0].trigger.threshold", "must be a number, not a boolean")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": 10}", "policies[0].trigger.window", "is required")]
    [InlineData("{\"type\": \"sum\", \"field\": \"Size\", \"threshold\": 10, \"window\": \"PT0S\"}", "policies[0].trigger.window", "must be greater than zero")]
    public void Every_rule_is_an_error_at_its_path(string trigger, string path, string message) =>
        SingleError(Trigger(trigger), path, message);

    [Theory]
    [InlineData("{\"type\": \"absence\", \"window\": \"PT1H\", \"count\": 3}", "policies[0].trigger.count", "does not apply to absence triggers (they take type, window, scope)")]
    [InlineData("{\"type\": \"absence\", \"window\": \"PT1H\", \"field\": \"x\"}", "policies[0].trigger.field", "does not apply to absence triggers")]
    [InlineData("{\"type\": \"distinct\", \"field\": \"x\", \"count\": 2, \"window\": \"PT1H\", \"threshold\": 3}", "policies[0].trigger.threshold", "does not apply to distinct triggers (they take type, field, count, window, scope)")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"x\", \"window\": \"PT1H\"}", "policies[0].trigger.window", "does not apply to newValue triggers (they take type, field, scope, lookback, learningPeriod)")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"x\", \"bucket\": \"PT1H\"}", "policies[0].trigger.bucket", "does not apply to newValue triggers")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 2, \"window\": \"PT1H\", \"count\": 5}", "policies[0].trigger.count", "does not apply to spike triggers (they take type, ratio, window, minCount, minReference, scope)")]
    [InlineData("{\"type\": \"sum\", \"field\": \"x\", \"threshold\": 2, \"window\": \"PT1H\", \"count\": 5}", "policies[0].trigger.count", "does not apply to sum triggers (they take type, field, threshold, window, scope)")]
    [InlineData("{\"type\": \"threshold\", \"count\": 2, \"window\": \"PT1H\", \"threshold\": 5}", "policies[0].trigger.threshold", "does not apply to threshold triggers (they take type, count, window, scope)")]
    [InlineData("{\"type\": \"threshold\", \"count\": 2, \"window\": \"PT1H\", \"field\": \"x\"}", "policies[0].trigger.field", "does not apply to threshold triggers")]
    [InlineData("{\"type\": \"anomaly\", \"lookback\": \"P1D\"}", "policies[0].trigger.lookback", "does not apply to anomaly triggers")]
    [InlineData("{\"type\": \"everyTime\", \"ratio\": 2}", "policies[0].trigger.ratio", "does not apply to everyTime triggers (they take only type)")]
    public void A_member_of_another_trigger_type_does_not_apply(string trigger, string path, string message) =>
        SingleError(Trigger(trigger), path, message);

    [Theory]
    [InlineData("{\"type\": \"distinct\", \"field\": \"clientIp\", \"feild\": \"clientIp\", \"count\": 5, \"window\": \"PT1H\"}", "policies[0].trigger.feild", "did you mean \"field\"?")]
    [InlineData("{\"type\": \"newValue\", \"field\": \"clientIp\", \"lookBak\": \"P1D\"}", "policies[0].trigger.lookBak", "did you mean \"lookback\"?")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 2, \"window\": \"PT1H\", \"minCont\": 2}", "policies[0].trigger.minCont", "did you mean \"minCount\"?")]
    [InlineData("{\"type\": \"spike\", \"ratio\": 2, \"window\": \"PT1H\", \"minRefrence\": 2}", "policies[0].trigger.minRefrence", "did you mean \"minReference\"?")]
    [InlineData("{\"type\": \"spike\", \"raito\": 2, \"ratio\": 2, \"window\": \"PT1H\"}", "policies[0].trigger.raito", "did you mean \"ratio\"?")]
    [InlineData("{\"type\": \"sum\", \"field\": \"x\", \"treshold\": 2, \"threshold\": 2, \"window\": \"PT1H\"}", "policies[0].trigger.treshold", "did you mean \"threshold\"?")]
    [InlineData("{\"type\": \"absence\", \"window\": \"PT1H\", \"silence\": \"PT1H\"}", "policies[0].trigger.silence", "is not a property of a trigger; expected one of type, field, count, threshold, ratio, window, minCount, minReference, scope, lookback, learningPeriod, sensitivity, bucket")]
    public void Unknown_members_are_errors_with_a_suggestion(string trigger, string path, string message) =>
        SingleError(Trigger(trigger), path, message);

    [Fact]
    public void A_misspelt_required_member_is_reported_as_unknown_and_as_missing() =>
        Assert.Equal(
            [
                "policies[0].trigger.feild: is not a property of a trigger; did you mean \"field\"?",
                "policies[0].trigger.field: is required",
            ],
            Errors(Trigger("{\"type\": \"distinct\", \"feild\": \"clientIp\", \"count\": 5, \"window\": \"PT1H\"}")).Select(e => e.ToString()));

    [Fact]
    public void Repeated_members_are_errors() =>
        SingleError(Trigger("{\"type\": \"spike\", \"ratio\": 2, \"Ratio\": 3, \"window\": \"PT1H\"}"), "policies[0].trigger.ratio", "is given more than once");

    [Fact]
    public void Every_problem_of_a_trigger_is_listed_at_once()
    {
        var errors = Errors(Trigger("{\"type\": \"spike\", \"ratio\": 1, \"window\": \"PT0S\", \"minCount\": 0, \"minReference\": 0, \"count\": 1}"), Plan.E3);
        Assert.Equal(
            [
                "policies[0].trigger.count: does not apply to spike triggers (they take type, ratio, window, minCount, minReference, scope)",
                "policies[0].trigger.type: spike triggers need an advanced plan (E5 or G5); the plan is E3, which allows only everyTime",
                "policies[0].trigger.ratio: must be greater than 1",
                "policies[0].trigger.window: must be greater than zero",
                "policies[0].trigger.minCount: must be at least 1",
                "policies[0].trigger.minReference: must be at least 1",
            ],
            errors.Select(e => e.ToString()));
    }

    [Fact]
    public void Missing_required_members_are_all_listed() =>
        Assert.Equal(
            ["policies[0].trigger.field", "policies[0].trigger.threshold", "policies[0].trigger.window"],
            Errors(Trigger("{\"type\": \"sum\"}")).Select(e => e.Path));

    public static TheoryData<Plan, string> StandardPlansAndTypes()
    {
        var data = new TheoryData<Plan, string>();
        foreach (var plan in new[] { Plan.E1, Plan.F1, Plan.G1, Plan.E3, Plan.F3, Plan.G3 })
        {
            foreach (var type in new[] { "distinct", "newValue", "absence", "spike", "sum" })
            {
                data.Add(plan, type);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(StandardPlansAndTypes))]
    public void The_new_triggers_are_errors_under_standard_plans(Plan plan, string type)
    {
        var error = SingleError(Trigger(ValidTrigger(type)), "policies[0].trigger.type", "need an advanced plan (E5 or G5)", plan);
        Assert.Equal(type + " triggers need an advanced plan (E5 or G5); the plan is " + plan + ", which allows only everyTime", error.Message);
    }

    [Theory]
    [InlineData(Plan.E5, "distinct")]
    [InlineData(Plan.G5, "distinct")]
    [InlineData(Plan.E5, "newValue")]
    [InlineData(Plan.G5, "newValue")]
    [InlineData(Plan.E5, "absence")]
    [InlineData(Plan.G5, "absence")]
    [InlineData(Plan.E5, "spike")]
    [InlineData(Plan.G5, "spike")]
    [InlineData(Plan.E5, "sum")]
    [InlineData(Plan.G5, "sum")]
    public void Advanced_plans_allow_the_new_triggers(Plan plan, string type)
    {
        var trigger = LoadTrigger(ValidTrigger(type), plan);
        Assert.True(trigger.RequiresAdvancedPlan);
    }

    [Fact]
    public void Every_trigger_type_but_every_time_requires_an_advanced_plan_in_the_model_and_the_loader_alike()
    {
        foreach (var type in new[] { "threshold", "anomaly", "distinct", "newValue", "absence", "spike", "sum" })
        {
            Assert.True(LoadTrigger(ValidTrigger(type)).RequiresAdvancedPlan, type);
        }

        Assert.False(LoadTrigger(ValidTrigger("everyTime"), Plan.E1).RequiresAdvancedPlan);
    }

    [Theory]
    [InlineData("{\"type\": \"sometimes\"}", "\"sometimes\" is not a valid trigger type; expected one of everyTime, threshold, anomaly, distinct, newValue, absence, spike, sum")]
    [InlineData("{}", "is required; expected one of everyTime, threshold, anomaly, distinct, newValue, absence, spike, sum")]
    public void The_list_of_trigger_types_names_the_new_ones(string trigger, string message) =>
        SingleError(Trigger(trigger), "policies[0].trigger.type", message);

    [Fact]
    public void With_an_unknown_type_the_members_given_are_still_checked_but_none_is_required()
    {
        var errors = Errors(Trigger("{\"type\": \"sometimes\", \"ratio\": 1, \"threshold\": 0, \"lookback\": \"PT0S\", \"field\": \"\"}"));
        Assert.Equal(
            [
                "policies[0].trigger.type",
                "policies[0].trigger.field",
                "policies[0].trigger.threshold",
                "policies[0].trigger.ratio",
                "policies[0].trigger.lookback",
            ],
            errors.Select(e => e.Path));
    }

    [Fact]
    public void An_early_warning_applies_only_to_threshold_triggers_not_to_the_new_ones()
    {
        foreach (var type in new[] { "distinct", "newValue", "absence", "spike", "sum" })
        {
            SingleError(
                With("\"trigger\": " + ValidTrigger(type) + ", \"notification\": {\"earlyWarning\": true}"),
                "policies[0].notification.earlyWarning",
                "applies only to threshold triggers");
        }
    }

    [Fact]
    public void Saves_every_member_explicitly_in_the_spec_order_defaults_included()
    {
        AlertPolicy Policy(string id, Trigger trigger) => new() { Id = id, Name = "N", Operations = ["UserLoggedIn"], Trigger = trigger };
        var json = PolicySerializer.Save(
        [
            Policy("d", new DistinctTrigger("clientIp", 5, Hour, TriggerScope.User)),
            Policy("n", new NewValueTrigger("clientIp", TriggerScope.Organization, NewValueTrigger.DefaultLookback, NewValueTrigger.DefaultLearningPeriod)),
            Policy("a", new AbsenceTrigger(TimeSpan.FromMinutes(90), TriggerScope.Property("Workload"))),
            Policy("s", new SpikeTrigger(3, Hour, 1, 1, TriggerScope.User)),
            Policy("x", new SpikeTrigger(1.5, Hour, 10, 2, TriggerScope.User)),
            Policy("t", new SumTrigger("BytesTransferred", 1e10, Hour, TriggerScope.User)),
            Policy("u", new SumTrigger("Size", 0.1, Hour, TriggerScope.User)),
        ]);

        Assert.Equal(
            [
                """{"type":"distinct","field":"clientIp","count":5,"window":"PT1H","scope":"user"}""",
                """{"type":"newValue","field":"clientIp","scope":"organization","lookback":"P30D","learningPeriod":"P7D"}""",
                """{"type":"absence","window":"PT1H30M","scope":"property:Workload"}""",
                """{"type":"spike","ratio":3,"window":"PT1H","minCount":1,"minReference":1,"scope":"user"}""",
                """{"type":"spike","ratio":1.5,"window":"PT1H","minCount":10,"minReference":2,"scope":"user"}""",
                """{"type":"sum","field":"BytesTransferred","threshold":10000000000,"window":"PT1H","scope":"user"}""",
                """{"type":"sum","field":"Size","threshold":0.1,"window":"PT1H","scope":"user"}""",
            ],
            TriggersOf(json));
    }

    [Theory]
    [InlineData(1.0000000000000002)]
    [InlineData(double.MaxValue)]
    [InlineData(1e21)]
    [InlineData(1.1)]
    [InlineData(3.141592653589793)]
    public void A_spike_ratio_round_trips_exactly(double ratio)
    {
        var policy = new AlertPolicy { Id = "p", Name = "P", Operations = ["X"], Trigger = new SpikeTrigger(ratio, Hour, 1, 1, TriggerScope.User) };
        var json = PolicySerializer.Save([policy]);
        var loaded = Assert.Single(PolicySerializer.Load(json).Value);
        Assert.Equal(policy.Trigger, loaded.Trigger);
        Assert.Equal(ratio, ((SpikeTrigger)loaded.Trigger).Ratio); // bit for bit, not approximately
        Assert.Equal(json, PolicySerializer.Save([loaded]));
    }

    [Theory]
    [InlineData(double.Epsilon)]
    [InlineData(double.MaxValue)]
    [InlineData(0.1)]
    [InlineData(1e10)]
    [InlineData(123456789.123456789)]
    public void A_sum_threshold_round_trips_exactly(double threshold)
    {
        var policy = new AlertPolicy { Id = "p", Name = "P", Operations = ["X"], Trigger = new SumTrigger("Size", threshold, Hour, TriggerScope.User) };
        var json = PolicySerializer.Save([policy]);
        var loaded = Assert.Single(PolicySerializer.Load(json).Value);
        Assert.Equal(threshold, ((SumTrigger)loaded.Trigger).Threshold);
        Assert.Equal(json, PolicySerializer.Save([loaded]));
    }

    [Fact]
    public void A_document_with_defaults_omitted_loads_equal_to_its_saved_form_with_defaults_written()
    {
        const string omitted = "[{" + Required + ", \"trigger\": {\"type\": \"spike\", \"ratio\": 2, \"window\": \"PT1H\"}},"
            + " {\"id\": \"q\", \"name\": \"Q\", \"category\": \"Others\", \"severity\": \"Low\", \"activities\": [\"X\"], \"trigger\": {\"type\": \"newValue\", \"field\": \"clientIp\"}}]";
        var loaded = PolicySerializer.Load(omitted).Value;
        var saved = PolicySerializer.Save(loaded);
        Assert.Contains("\"minCount\": 1", saved, StringComparison.Ordinal);
        Assert.Contains("\"lookback\": \"P30D\"", saved, StringComparison.Ordinal);
        Assert.Equal(loaded, PolicySerializer.Load(saved).Value, PolicyComparer.Instance);
    }

    [Fact]
    public void Saving_an_invalid_new_trigger_throws_with_every_error()
    {
        var policy = new AlertPolicy { Id = "p", Name = "P", Operations = ["X"], Trigger = new SpikeTrigger(double.NaN, TimeSpan.Zero, 0, 1, TriggerScope.User) };
        var ex = Assert.Throws<ArgumentException>(() => PolicySerializer.Save([policy]));
        Assert.Contains("policies[0].trigger.ratio: must be a finite number greater than 1", ex.Message, StringComparison.Ordinal);
        Assert.Contains("policies[0].trigger.window: must be greater than zero", ex.Message, StringComparison.Ordinal);
        Assert.Contains("policies[0].trigger.minCount: must be at least 1", ex.Message, StringComparison.Ordinal);
    }

    [FsCheck.Xunit.Property(MaxTest = 500)]
    public Property Every_generated_trigger_round_trips_exactly_and_saves_stably() =>
        Prop.ForAll(Arb.From(PolicyGenerators.Trigger()), trigger =>
        {
            var policy = new AlertPolicy { Id = "p", Name = "P", Operations = ["X"], Trigger = trigger };
            var json = PolicySerializer.Save([policy]);
            var loaded = PolicySerializer.Load(json);
            Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors) + "\n" + json);
            Assert.Equal(trigger, Assert.Single(loaded.Value).Trigger);
            Assert.Equal(json, PolicySerializer.Save(loaded.Value));
        });

    /// <summary>A valid trigger of the type, with its required members only.</summary>
    private static string ValidTrigger(string type) => type switch
    {
        "everyTime" => "{\"type\": \"everyTime\"}",
        "threshold" => "{\"type\": \"threshold\", \"count\": 5, \"window\": \"PT1H\"}",
        "anomaly" => "{\"type\": \"anomaly\"}",
        "distinct" => "{\"type\": \"distinct\", \"field\": \"clientIp\", \"count\": 5, \"window\": \"PT1H\"}",
        "newValue" => "{\"type\": \"newValue\", \"field\": \"clientIp\"}",
        "absence" => "{\"type\": \"absence\", \"window\": \"PT1H\"}",
        "spike" => "{\"type\": \"spike\", \"ratio\": 3, \"window\": \"PT1H\"}",
        "sum" => "{\"type\": \"sum\", \"field\": \"BytesTransferred\", \"threshold\": 1e10, \"window\": \"PT1H\"}",
        _ => throw new ArgumentOutOfRangeException(nameof(type)),
    };

    /// <summary>Each policy's trigger object of a saved document, compacted.</summary>
    private static List<string> TriggersOf(string json)
    {
        using var document = System.Text.Json.JsonDocument.Parse(json);
        return [.. document.RootElement.EnumerateArray().Select(p => System.Text.Json.JsonSerializer.Serialize(p.GetProperty("trigger")))];
    }
}
