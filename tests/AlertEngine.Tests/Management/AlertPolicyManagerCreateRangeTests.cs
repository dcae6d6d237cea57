using static AlertEngine.Tests.Management.Principals;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Management;

/// <summary><see cref="AlertPolicyManager.CreateRange"/>: several policies at once, all or nothing.</summary>
public class AlertPolicyManagerCreateRangeTests
{
    [Fact]
    public void All_the_policies_are_created_and_detect_from_the_next_activity()
    {
        using var pipeline = new AlertPipeline([EveryTime("existing", "Other")]);
        var manager = new AlertPolicyManager(pipeline);

        var result = manager.CreateRange(Admin, [EveryTime("a"), EveryTime("b")]);

        Assert.True(result.Succeeded);
        Assert.Equal(["a", "b"], result.Value.Select(p => p.Id));
        Assert.Equal(["existing", "a", "b"], pipeline.Policies.Select(p => p.Id));
        Assert.Equal(2, pipeline.Process(Act("x1", 0)).Count);
    }

    [Fact]
    public void One_invalid_policy_creates_none_and_its_errors_index_the_callers_list()
    {
        using var pipeline = new AlertPipeline([EveryTime("existing")]);
        var manager = new AlertPolicyManager(pipeline);
        var before = pipeline.Policies;

        var duplicate = manager.CreateRange(Admin, [EveryTime("a"), EveryTime("existing")]);
        var invalid = manager.CreateRange(Admin, [EveryTime("a"), EveryTime("b") with { Operations = [] }]);
        var twice = manager.CreateRange(Admin, [EveryTime("a"), EveryTime("a")]);

        Assert.Equal(ManagementOutcome.Invalid, duplicate.Outcome);
        Assert.Equal(["policies[1].id"], duplicate.Errors.Select(e => e.Path));
        Assert.Equal(ManagementOutcome.Invalid, invalid.Outcome);
        Assert.All(invalid.Errors, e => Assert.StartsWith("policies[1].", e.Path, StringComparison.Ordinal));
        Assert.Equal(ManagementOutcome.Invalid, twice.Outcome);
        Assert.Contains(twice.Errors, e => e.Path.StartsWith("policies[1]", StringComparison.Ordinal));
        Assert.Same(before, pipeline.Policies);
    }

    [Fact]
    public void System_policies_cannot_be_created()
    {
        using var pipeline = new AlertPipeline([]);
        var manager = new AlertPolicyManager(pipeline);

        var result = manager.CreateRange(Admin, [EveryTime("a"), EveryTime("b") with { Type = PolicyType.System }]);

        Assert.Equal(ManagementOutcome.Invalid, result.Outcome);
        Assert.Equal(["policies[1].type"], result.Errors.Select(e => e.Path));
        Assert.Empty(pipeline.Policies);
    }

    [Fact]
    public void The_caller_needs_Manage_Alerts_and_every_category()
    {
        using var pipeline = new AlertPipeline([]);
        var manager = new AlertPolicyManager(pipeline);
        var compliance = Caller("c@contoso.com", ComplianceAdministrator);

        var viewer = manager.CreateRange(Caller("r@contoso.com", RecordsManagement), [EveryTime("a") with { Category = AlertCategory.InformationGovernance }]);
        var hidden = manager.CreateRange(compliance, [EveryTime("a") with { Category = AlertCategory.MailFlow }, EveryTime("b")]);

        Assert.Equal(ManagementOutcome.Forbidden, viewer.Outcome);
        Assert.Equal(ManagementOutcome.Forbidden, hidden.Outcome);
        Assert.Equal(["policies[1].category"], hidden.Errors.Select(e => e.Path));
        Assert.Empty(pipeline.Policies);
    }

    [Fact]
    public void An_empty_list_or_null_is_a_programmer_error()
    {
        using var pipeline = new AlertPipeline([]);
        var manager = new AlertPolicyManager(pipeline);

        Assert.Throws<ArgumentException>(() => manager.CreateRange(Admin, []));
        Assert.Throws<ArgumentException>(() => manager.CreateRange(Admin, [EveryTime("a"), null!]));
        Assert.Throws<ArgumentNullException>(() => manager.CreateRange(Admin, null!));
    }
}
