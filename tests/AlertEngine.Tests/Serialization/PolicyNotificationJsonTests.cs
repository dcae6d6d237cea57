using AlertEngine.Testing;
using static AlertEngine.Tests.Serialization.PolicyJson;

namespace AlertEngine.Tests.Serialization;

/// <summary>The notification extension fields: <c>earlyWarning</c> and <c>throttle</c>.</summary>
public class PolicyNotificationJsonTests
{
    private const string Threshold = "\"trigger\": {\"type\": \"threshold\", \"count\": 5, \"window\": \"PT10M\"}";

    private static readonly AlertPolicy Warned = new()
    {
        Id = "p",
        Name = "P",
        Operations = ["FileDeleted"],
        Trigger = new ThresholdTrigger(5, TimeSpan.FromMinutes(10), TriggerScope.User),
        Notification = new NotificationSettings(true, ["soc@contoso.com"], 10)
        {
            EarlyWarning = true,
            Throttle = new NotificationThrottle(3, TimeSpan.FromMinutes(90)),
        },
    };

    private static string Notification(string notification, string? trigger = null) =>
        With((trigger is null ? string.Empty : trigger + ", ") + "\"notification\": " + notification);

    private static void AssertErrors(string json, params string[] expected) =>
        Assert.Equal(expected, Errors(json).Select(e => e.ToString()));

    [Fact]
    public void Early_warning_and_throttle_load_on_a_threshold_policy()
    {
        var n = LoadOne(Notification("{\"enabled\": true, \"earlyWarning\": true, \"throttle\": {\"count\": 3, \"window\": \"PT1H30M\"}}", Threshold)).Notification;
        Assert.NotNull(n);
        Assert.True(n.EarlyWarning);
        Assert.Equal(new NotificationThrottle(3, TimeSpan.FromMinutes(90)), n.Throttle);
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"earlyWarning\": null, \"throttle\": null}")]
    [InlineData("{\"earlyWarning\": false}")]
    public void Absent_null_or_false_means_no_early_warning_and_no_throttle(string notification)
    {
        var n = LoadOne(Notification(notification)).Notification;
        Assert.NotNull(n);
        Assert.False(n.EarlyWarning);
        Assert.Null(n.Throttle);
    }

    [Fact]
    public void Names_match_case_insensitively()
    {
        var n = LoadOne(Notification("{\"EARLYWARNING\": true, \"Throttle\": {\"COUNT\": 1, \"Window\": \"pt1h\"}}", Threshold)).Notification;
        Assert.NotNull(n);
        Assert.True(n.EarlyWarning);
        Assert.Equal(new NotificationThrottle(1, TimeSpan.FromHours(1)), n.Throttle);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("\"trigger\": {\"type\": \"everyTime\"}")]
    [InlineData("\"trigger\": {\"type\": \"anomaly\"}")]
    public void Early_warning_applies_only_to_threshold_triggers(string? trigger) =>
        AssertErrors(
            Notification("{\"earlyWarning\": true}", trigger),
            "policies[0].notification.earlyWarning: applies only to threshold triggers");

    [Fact]
    public void Early_warning_is_checked_against_a_trigger_that_has_other_errors() =>
        AssertErrors(
            Notification("{\"earlyWarning\": true}", "\"trigger\": {\"type\": \"anomaly\", \"bucket\": \"PT0S\"}"),
            "policies[0].trigger.bucket: must be greater than zero",
            "policies[0].notification.earlyWarning: applies only to threshold triggers");

    [Fact]
    public void Early_warning_is_not_checked_against_a_trigger_of_unknown_type() =>
        AssertErrors(
            Notification("{\"earlyWarning\": true}", "\"trigger\": {\"type\": \"sometimes\"}"),
            "policies[0].trigger.type: \"sometimes\" is not a valid trigger type; expected one of everyTime, threshold, anomaly, distinct, newValue, absence, spike, sum");

    [Fact]
    public void Early_warning_must_be_a_boolean() =>
        AssertErrors(
            Notification("{\"earlyWarning\": \"true\"}", Threshold),
            "policies[0].notification.earlyWarning: must be true or false, not a string");

    [Theory]
    [InlineData("{\"count\": 0, \"window\": \"PT1H\"}", "policies[0].notification.throttle.count: must be at least 1")]
    [InlineData("{\"count\": -5, \"window\": \"PT1H\"}", "policies[0].notification.throttle.count: must be at least 1")]
    [InlineData("{\"count\": \"10\", \"window\": \"PT1H\"}", "policies[0].notification.throttle.count: must be a whole number, not a string")]
    [InlineData("{\"count\": 1.5, \"window\": \"PT1H\"}", "policies[0].notification.throttle.count: must be a whole number")]
    [InlineData("{\"count\": 2147483648, \"window\": \"PT1H\"}", "policies[0].notification.throttle.count: is too large (the maximum is 2147483647)")]
    [InlineData("{\"window\": \"PT1H\"}", "policies[0].notification.throttle.count: is required")]
    [InlineData("{\"count\": 1}", "policies[0].notification.throttle.window: is required")]
    [InlineData("{\"count\": 1, \"window\": \"PT0S\"}", "policies[0].notification.throttle.window: must be greater than zero")]
    [InlineData("{\"count\": 1, \"window\": \"-PT1H\"}", "policies[0].notification.throttle.window: \"-PT1H\" is negative; durations must be positive")]
    [InlineData("{\"count\": 1, \"window\": \"P1M\"}", "policies[0].notification.throttle.window: \"P1M\" uses years or months, which have no fixed length; use days (e.g. P30D)")]
    [InlineData("{\"count\": 1, \"window\": \"1 hour\"}", "policies[0].notification.throttle.window: \"1 hour\" is not a duration; expected an ISO-8601 duration such as PT10M, PT1H30M or P7D")]
    [InlineData("{\"count\": 1, \"window\": 3600}", "policies[0].notification.throttle.window: must be an ISO-8601 duration string such as \"PT10M\", not a number")]
    [InlineData("{\"count\": 1, \"window\": \"PT1H\", \"burst\": 2}", "policies[0].notification.throttle.burst: is not a property of a throttle; expected one of count, window")]
    [InlineData("{\"count\": 1, \"window\": \"PT1H\", \"Count\": 2}", "policies[0].notification.throttle.count: is given more than once (property names are case-insensitive)")]
    [InlineData("10", "policies[0].notification.throttle: must be an object such as {\"count\": 10, \"window\": \"PT1H\"}, not a number")]
    [InlineData("[]", "policies[0].notification.throttle: must be an object such as {\"count\": 10, \"window\": \"PT1H\"}, not an array")]
    public void Throttle_is_checked(string throttle, string expected) =>
        AssertErrors(Notification("{\"throttle\": " + throttle + "}"), expected);

    [Fact]
    public void Unknown_notification_properties_name_the_new_fields()
    {
        AssertErrors(
            Notification("{\"earlyWarnings\": true}", Threshold),
            "policies[0].notification.earlyWarnings: is not a property of notification; did you mean \"earlyWarning\"?");
        AssertErrors(
            Notification("{\"colour\": 1}"),
            "policies[0].notification.colour: is not a property of notification; expected one of enabled, recipients, dailyLimit, earlyWarning, throttle");
    }

    [Fact]
    public void Every_notification_error_is_listed_at_once_with_its_path() =>
        AssertErrors(
            Notification("{\"dailyLimit\": 0, \"earlyWarning\": true, \"throttle\": {\"count\": 0, \"windw\": \"PT1H\"}}"),
            "policies[0].notification.dailyLimit: must be at least 1",
            "policies[0].notification.earlyWarning: applies only to threshold triggers",
            "policies[0].notification.throttle.windw: is not a property of a throttle; did you mean \"window\"?",
            "policies[0].notification.throttle.window: is required",
            "policies[0].notification.throttle.count: must be at least 1");

    [Fact]
    public void Loader_and_validator_report_the_early_warning_rule_alike()
    {
        var policy = Warned with { Trigger = EveryTimeTrigger.Instance, Notification = Warned.Notification! with { Throttle = null } };
        var json = Notification("{\"enabled\": true, \"recipients\": [\"soc@contoso.com\"], \"dailyLimit\": 10, \"earlyWarning\": true}");
        Assert.Equal(PolicyValidator.Validate([policy], Plan.E5), PolicySerializer.Load(json).Errors);
    }

    [Fact]
    public void Save_writes_early_warning_then_throttle_after_daily_limit()
    {
        var json = PolicySerializer.Save([Warned]);
        Assert.EndsWith(
            """
                "automatedInvestigation": false,
                "notification": {
                  "enabled": true,
                  "recipients": [
                    "soc@contoso.com"
                  ],
                  "dailyLimit": 10,
                  "earlyWarning": true,
                  "throttle": {
                    "count": 3,
                    "window": "PT1H30M"
                  }
                }
              }
            ]
            """.ReplaceLineEndings("\n"),
            json,
            StringComparison.Ordinal);
    }

    [Fact]
    public void Save_leaves_out_an_early_warning_that_is_off_and_a_throttle_that_is_not_set()
    {
        var json = PolicySerializer.Save([Warned with { Notification = new NotificationSettings(true, ["soc@contoso.com"], 10) }]);
        Assert.EndsWith("\"dailyLimit\": 10\n    }\n  }\n]", json, StringComparison.Ordinal);
        Assert.DoesNotContain("earlyWarning", json, StringComparison.Ordinal);
        Assert.DoesNotContain("throttle", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Early_warning_and_throttle_survive_a_round_trip()
    {
        var policies = new[]
        {
            Warned,
            Warned with
            {
                Id = "q",
                Trigger = EveryTimeTrigger.Instance,
                Notification = new NotificationSettings(false, []) { Throttle = new NotificationThrottle(int.MaxValue, TimeSpan.FromTicks(5_000_001)) },
            },
        };
        var json = PolicySerializer.Save(policies);
        var loaded = PolicySerializer.Load(json);
        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        Assert.Equal(policies, loaded.Value, PolicyComparer.Instance);
        Assert.True(loaded.Value[0].Notification!.EarlyWarning);
        Assert.Equal(new NotificationThrottle(int.MaxValue, TimeSpan.FromTicks(5_000_001)), loaded.Value[1].Notification!.Throttle);
        Assert.Equal(json, PolicySerializer.Save(loaded.Value));
    }

    [Fact]
    public void Comparer_tells_policies_apart_by_early_warning_and_throttle()
    {
        var n = Warned.Notification!;
        Assert.False(PolicyComparer.Instance.Equals(Warned, Warned with { Notification = n with { EarlyWarning = false } }));
        Assert.False(PolicyComparer.Instance.Equals(Warned, Warned with { Notification = n with { Throttle = null } }));
        Assert.False(PolicyComparer.Instance.Equals(Warned, Warned with { Notification = n with { Throttle = new NotificationThrottle(3, TimeSpan.FromHours(1)) } }));
        Assert.True(PolicyComparer.Instance.Equals(Warned, Warned with { Notification = n with { Throttle = new NotificationThrottle(3, TimeSpan.FromMinutes(90)) } }));
    }

    [Fact]
    public void Save_refuses_an_early_warning_on_a_policy_without_a_threshold_trigger()
    {
        var ex = Assert.Throws<ArgumentException>(() => PolicySerializer.Save([Warned with { Trigger = EveryTimeTrigger.Instance }]));
        Assert.Contains("policies[0].notification.earlyWarning: applies only to threshold triggers", ex.Message, StringComparison.Ordinal);
    }
}
