using System.Net;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Management;

public class PolicyChangeTests
{
    private static AlertPolicy System => SystemPolicyCatalog.All[0];

    [Fact]
    public void Enabled_and_notification_settings_of_a_system_policy_may_change()
    {
        var proposed = System with { Enabled = false, Notification = new(true, ["soc@contoso.com", "ciso@contoso.com"], 3) };

        Assert.Empty(PolicyChange.Validate(System, proposed));
        var applied = PolicyChange.Apply(System, proposed);
        Assert.True(applied.IsValid);
        Assert.Same(proposed, applied.Value);
    }

    [Fact]
    public void Every_read_only_field_changed_on_a_system_policy_is_listed()
    {
        var proposed = System with
        {
            Type = PolicyType.Custom,
            Name = "x",
            Description = "x",
            Category = AlertCategory.Others,
            Severity = AlertSeverity.High,
            Operations = ["Other"],
            Conditions = new UsersCondition(["bob"]),
            Trigger = new ThresholdTrigger(2, TimeSpan.FromMinutes(5), TriggerScope.User),
            Aggregation = new(AggregationMode.None),
            AutomatedInvestigation = true,
        };

        var errors = PolicyChange.Validate(System, proposed, "policies[4]");

        Assert.Equal(
            ["type", "name", "description", "category", "severity", "activities", "conditions", "trigger", "aggregation", "automatedInvestigation"],
            errors.Select(e => e.Path["policies[4].".Length..]));
        Assert.All(errors, e => Assert.Contains("read-only on built-in (System) policies", e.Message, StringComparison.Ordinal));
        Assert.False(PolicyChange.Apply(System, proposed).IsValid);
    }

    [Fact]
    public void Equivalent_values_are_not_changes()
    {
        var withConditions = System with
        {
            Conditions = new AllCondition([new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]), new UserTagsCondition(["VIP"])]),
        };
        var same = withConditions with
        {
            Operations = [.. System.Operations.Select(o => o.ToUpperInvariant()).Reverse()],
            Conditions = new AllCondition([new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]), new UserTagsCondition(["vip"])]),
            Aggregation = new AggregationSettings(),
        };

        Assert.Empty(PolicyChange.Validate(withConditions, same));
    }

    [Fact]
    public void Missing_lists_in_unvalidated_input_are_compared_as_empty_instead_of_crashing()
    {
        var proposed = System with { Operations = null!, Conditions = new AllCondition(null!) };

        var errors = PolicyChange.Validate(System, proposed);

        Assert.Equal(["policy.activities", "policy.conditions"], errors.Select(e => e.Path));
    }

    [Fact]
    public void The_id_never_changes_and_a_custom_policy_cannot_become_system()
    {
        var custom = EveryTime("p");

        Assert.Empty(PolicyChange.Validate(custom, custom with { Severity = AlertSeverity.Low, Operations = ["X"] }));
        Assert.Equal(["policy.id"], PolicyChange.Validate(custom, custom with { Id = "q" }).Select(e => e.Path));
        Assert.Equal(["type"], PolicyChange.Validate(custom, custom with { Type = PolicyType.System }, path: "").Select(e => e.Path));
    }
}
