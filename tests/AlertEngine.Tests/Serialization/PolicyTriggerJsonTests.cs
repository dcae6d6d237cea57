using static AlertEngine.Tests.Serialization.PolicyJson;

namespace AlertEngine.Tests.Serialization;

/// <summary>Trigger, aggregation and notification rules.</summary>
public class PolicyTriggerJsonTests
{
    [Fact]
    public void Every_time_trigger_loads()
    {
        Assert.Same(EveryTimeTrigger.Instance, LoadOne(Trigger("{\"type\": \"everyTime\"}")).Trigger);
    }

    [Fact]
    public void Threshold_scope_defaults_to_user() =>
        Assert.Equal(new ThresholdTrigger(5, TimeSpan.FromMinutes(10), TriggerScope.User),
            LoadOne(Trigger("{\"type\": \"threshold\", \"count\": 5, \"window\": \"PT10M\"}")).Trigger);

    [Theory]
    [InlineData("user")]
    [InlineData("organization")]
    [InlineData("malwareFamily")]
    [InlineData("recipient")]
    [InlineData("allMessages")]
    [InlineData("property:Workload")]
    public void Every_scope_loads(string scope)
    {
        var trigger = Assert.IsType<ThresholdTrigger>(LoadOne(Trigger("{\"type\": \"threshold\", \"count\": 1, \"window\": \"PT1M\", \"scope\": \"" + scope + "\"}")).Trigger);
        Assert.Equal(scope, trigger.Scope.ToString());
    }

    [Fact]
    public void Anomaly_defaults_are_seven_days_medium_and_one_hour()
    {
        var trigger = LoadOne(Trigger("{\"type\": \"anomaly\"}")).Trigger;
        Assert.Equal(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), trigger);
    }

    [Fact]
    public void Anomaly_fields_load()
    {
        var trigger = LoadOne(Trigger("{\"type\": \"anomaly\", \"scope\": \"malwareFamily\", \"learningPeriod\": \"P14D\", \"sensitivity\": \"high\", \"bucket\": \"PT15M\"}")).Trigger;
        Assert.Equal(new AnomalyTrigger(TriggerScope.MalwareFamily, TimeSpan.FromDays(14), AnomalySensitivity.High, TimeSpan.FromMinutes(15)), trigger);
    }

    [Theory]
    [InlineData("{}", "policies[0].trigger.type", "is required; expected one of everyTime, threshold, anomaly, distinct, newValue, absence, spike, sum")]
    [InlineData("{\"type\": \"sometimes\"}", "policies[0].trigger.type", "\"sometimes\" is not a valid trigger type; expected one of everyTime, threshold, anomaly, distinct, newValue, absence, spike, sum")]
    [InlineData("\"everyTime\"", "policies[0].trigger", "must be a trigger object such as {\"type\": \"everyTime\"}, not a string")]
    [InlineData("{\"type\": \"everyTime\", \"count\": 3}", "policies[0].trigger.count", "does not apply to everyTime triggers")]
    [InlineData("{\"type\": \"threshold\", \"count\": 3, \"window\": \"PT1M\", \"bucket\": \"PT1M\"}", "policies[0].trigger.bucket", "does not apply to threshold triggers")]
    [InlineData("{\"type\": \"anomaly\", \"window\": \"PT1M\"}", "policies[0].trigger.window", "does not apply to anomaly triggers")]
    public void Trigger_type_and_its_fields(string trigger, string path, string message) =>
        SingleError(Trigger(trigger), path, message);

    [Theory]
    [InlineData("\"count\": 0", "must be at least 1")]
    [InlineData("\"count\": -5", "must be at least 1")]
    [InlineData("\"count\": \"5\"", "must be a whole number, not a string")]
    [InlineData("\"count\": 1.5", "must be a whole number")]
    [InlineData("\"count\": 1e10", "is too large (the maximum is 2147483647)")]
    [InlineData("\"count\": 1e400", "is out of range")]
    [InlineData("\"count\": null", "is required")]
    public void Threshold_count_is_a_whole_number_of_at_least_one(string count, string message)
    {
        var error = SingleError(Trigger("{\"type\": \"threshold\", " + count + ", \"window\": \"PT1H\"}"), "policies[0].trigger.count", message);
        if (message == "must be at least 1")
        {
            Assert.Equal("policies[0].trigger.count: must be at least 1", error.ToString());
        }
    }

    [Theory]
    [InlineData("100.0", 100)]
    [InlineData("1e2", 100)]
    [InlineData("2147483647", int.MaxValue)]
    public void Threshold_count_accepts_any_integral_json_number(string count, int expected) =>
        Assert.Equal(expected, Assert.IsType<ThresholdTrigger>(LoadOne(Trigger("{\"type\": \"threshold\", \"count\": " + count + ", \"window\": \"PT1H\"}")).Trigger).Count);

    [Theory]
    [InlineData("\"PT0S\"", "must be greater than zero")]
    [InlineData("\"P0D\"", "must be greater than zero")]
    [InlineData("\"-PT1H\"", "\"-PT1H\" is negative; durations must be positive")]
    [InlineData("\"P1M\"", "\"P1M\" uses years or months, which have no fixed length; use days (e.g. P30D)")]
    [InlineData("\"P1Y\"", "uses years or months")]
    [InlineData("\"10 minutes\"", "\"10 minutes\" is not a duration; expected an ISO-8601 duration such as PT10M, PT1H30M or P7D")]
    [InlineData("\"PT\"", "\"PT\" is not a valid duration")]
    [InlineData("600", "must be an ISO-8601 duration string such as \"PT10M\", not a number")]
    public void Threshold_window_is_a_positive_fixed_length_duration(string window, string message) =>
        SingleError(Trigger("{\"type\": \"threshold\", \"count\": 1, \"window\": " + window + "}"), "policies[0].trigger.window", message);

    [Fact]
    public void Threshold_window_is_required() =>
        SingleError(Trigger("{\"type\": \"threshold\", \"count\": 1}"), "policies[0].trigger.window", "is required");

    [Theory]
    [InlineData("\"tenant\"", "\"tenant\" is not a valid scope; expected user, organization, malwareFamily, recipient, allMessages or property:<Name>")]
    [InlineData("\"property:\"", "\"property:\" is not a valid scope")]
    [InlineData("3", "must be a string, not a number")]
    public void Scope_must_be_a_known_scope(string scope, string message) =>
        SingleError(Trigger("{\"type\": \"anomaly\", \"scope\": " + scope + "}"), "policies[0].trigger.scope", message);

    [Theory]
    [InlineData("\"bucket\": \"PT0S\"", "policies[0].trigger.bucket", "must be greater than zero")]
    [InlineData("\"learningPeriod\": \"PT0S\"", "policies[0].trigger.learningPeriod", "must be greater than zero")]
    [InlineData("\"learningPeriod\": \"PT30M\"", "policies[0].trigger.learningPeriod", "must be at least the bucket (PT1H)")]
    [InlineData("\"learningPeriod\": \"PT2H\", \"bucket\": \"PT3H\"", "policies[0].trigger.learningPeriod", "must be at least the bucket (PT3H)")]
    [InlineData("\"sensitivity\": \"extreme\"", "policies[0].trigger.sensitivity", "\"extreme\" is not a valid sensitivity; expected one of low, medium, high")]
    public void Anomaly_fields_are_checked(string fields, string path, string message) =>
        SingleError(Trigger("{\"type\": \"anomaly\", " + fields + "}"), path, message);

    [Fact]
    public void Learning_period_equal_to_the_bucket_is_allowed() =>
        Assert.IsType<AnomalyTrigger>(LoadOne(Trigger("{\"type\": \"anomaly\", \"learningPeriod\": \"PT1H\", \"bucket\": \"PT1H\"}")).Trigger);

    [Theory]
    [InlineData(Plan.E1, "threshold")]
    [InlineData(Plan.F1, "threshold")]
    [InlineData(Plan.G1, "anomaly")]
    [InlineData(Plan.E3, "threshold")]
    [InlineData(Plan.F3, "anomaly")]
    [InlineData(Plan.G3, "threshold")]
    public void Threshold_and_anomaly_triggers_are_errors_under_standard_plans(Plan plan, string type)
    {
        var fields = type == "threshold" ? ", \"count\": 1, \"window\": \"PT1H\"" : string.Empty;
        var error = SingleError(Trigger("{\"type\": \"" + type + "\"" + fields + "}"), "policies[0].trigger.type", "need an advanced plan (E5 or G5)", plan);
        Assert.Equal(type + " triggers need an advanced plan (E5 or G5); the plan is " + plan + ", which allows only everyTime", error.Message);
    }

    [Theory]
    [InlineData(Plan.E5)]
    [InlineData(Plan.G5)]
    public void Advanced_plans_allow_threshold_and_anomaly_triggers(Plan plan)
    {
        LoadOne(Trigger("{\"type\": \"threshold\", \"count\": 1, \"window\": \"PT1H\"}"), plan);
        LoadOne(Trigger("{\"type\": \"anomaly\"}"), plan);
    }

    [Fact]
    public void Standard_plans_allow_every_time_triggers() =>
        LoadOne(Trigger("{\"type\": \"everyTime\"}"), Plan.E3);

    [Fact]
    public void Aggregation_defaults_to_policy_mode_and_the_plan_interval()
    {
        Assert.Equal(new AggregationSettings(AggregationMode.Policy, null), LoadOne(With("\"aggregation\": {}")).Aggregation);
        Assert.Equal(new AggregationSettings(AggregationMode.None, null), LoadOne(With("\"aggregation\": {\"mode\": \"none\"}")).Aggregation);
        Assert.Equal(new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(5)), LoadOne(With("\"aggregation\": {\"interval\": \"PT5M\"}")).Aggregation);
    }

    [Theory]
    [InlineData("{\"interval\": \"PT0S\"}", "policies[0].aggregation.interval", "must be greater than zero")]
    [InlineData("{\"mode\": \"user\"}", "policies[0].aggregation.mode", "\"user\" is not a valid aggregation mode; expected one of policy, none")]
    [InlineData("\"policy\"", "policies[0].aggregation", "must be an object such as")]
    public void Aggregation_is_checked(string aggregation, string path, string message) =>
        SingleError(With("\"aggregation\": " + aggregation), path, message);

    [Fact]
    public void Notification_defaults_to_disabled_without_recipients_or_limit()
    {
        var n = LoadOne(With("\"notification\": {}")).Notification;
        Assert.NotNull(n);
        Assert.False(n.Enabled);
        Assert.Empty(n.Recipients);
        Assert.Null(n.DailyLimit);
    }

    [Theory]
    [InlineData("{\"dailyLimit\": 0}", "policies[0].notification.dailyLimit", "must be at least 1")]
    [InlineData("{\"dailyLimit\": \"10\"}", "policies[0].notification.dailyLimit", "must be a whole number, not a string")]
    [InlineData("{\"recipients\": [\"\"]}", "policies[0].notification.recipients[0]", "must not be empty")]
    [InlineData("{\"recipients\": \"soc@contoso.com\"}", "policies[0].notification.recipients", "must be an array of strings, not a string")]
    [InlineData("{\"enabled\": \"true\"}", "policies[0].notification.enabled", "must be true or false, not a string")]
    [InlineData("[]", "policies[0].notification", "must be an object such as")]
    public void Notification_is_checked(string notification, string path, string message) =>
        SingleError(With("\"notification\": " + notification), path, message);
}
