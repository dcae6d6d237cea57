using static AlertEngine.Tests.Management.Principals;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Management;

public class AlertPolicyManagerTests
{
    /// <summary>A built-in policy without conditions (so this test does not depend on the condition compiler).</summary>
    private static AlertPolicy BuiltIn(string id = "elevation-of-exchange-admin-privilege")
    {
        Assert.True(SystemPolicyCatalog.TryGet(id, out var policy));
        Assert.Null(policy.Conditions);
        return policy;
    }

    [Fact]
    public void A_created_policy_detects_from_the_next_activity()
    {
        using var pipeline = new AlertPipeline([]);
        var manager = new AlertPolicyManager(pipeline);
        Assert.Empty(pipeline.Process(Act("a1", 0)));

        var result = manager.Create(Admin, EveryTime("del"));

        Assert.True(result.Succeeded);
        Assert.Single(pipeline.Process(Act("a2", 1)));
    }

    [Fact]
    public void A_disabled_policy_stops_detecting_and_re_enabling_resumes_its_open_alert()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var manager = new AlertPolicyManager(pipeline);
        Assert.Equal(AlertChangeKind.Created, Assert.Single(pipeline.Process(Act("a1", 0))).Kind);

        Assert.True(manager.SetEnabled(Admin, "p", false).Succeeded);
        Assert.Empty(pipeline.Process(Act("a2", 5)));
        Assert.True(manager.SetEnabled(Admin, "p", true).Succeeded);

        var change = Assert.Single(pipeline.Process(Act("a3", 10)));
        Assert.Equal(AlertChangeKind.Updated, change.Kind);
        Assert.Equal("p:a1", change.Alert.Id);
        Assert.Equal(2, change.Alert.HitCount);
    }

    [Fact]
    public void Only_enabled_and_notification_settings_of_a_built_in_policy_may_change()
    {
        var builtIn = BuiltIn();
        using var pipeline = new AlertPipeline([builtIn]);
        var manager = new AlertPolicyManager(pipeline);

        var allowed = manager.Update(Admin, builtIn with { Enabled = false, Notification = new(true, ["soc@contoso.com"], 5) });
        var refused = manager.Update(Admin, builtIn with { Severity = AlertSeverity.High, Name = "Mine", Operations = ["Other"] });

        Assert.True(allowed.Succeeded);
        Assert.Equal(ManagementOutcome.Invalid, refused.Outcome);
        Assert.Equal(["policy.name", "policy.severity", "policy.activities"], refused.Errors.Select(e => e.Path));
        Assert.All(refused.Errors, e => Assert.Contains("read-only", e.Message, StringComparison.Ordinal));
        var running = Assert.Single(pipeline.Policies);
        Assert.False(running.Enabled);
        Assert.Equal(AlertSeverity.Low, running.Severity);
        Assert.Equal(["soc@contoso.com"], running.Notification!.Recipients);
    }

    [Fact]
    public void Built_in_policies_cannot_be_created_or_deleted_here()
    {
        using var pipeline = new AlertPipeline([BuiltIn()]);
        var manager = new AlertPolicyManager(pipeline);

        var delete = manager.Delete(Admin, BuiltIn().Id);
        var create = manager.Create(Admin, BuiltIn("email-sending-limit-exceeded"));

        Assert.Equal(ManagementOutcome.Invalid, delete.Outcome);
        Assert.Contains("disable", delete.Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal(ManagementOutcome.Invalid, create.Outcome);
        Assert.Equal("policy.type", create.Errors[0].Path);
        Assert.Single(pipeline.Policies);
    }

    [Fact]
    public void A_deleted_policy_stops_detecting()
    {
        using var pipeline = new AlertPipeline([EveryTime("p"), EveryTime("q")]);
        var manager = new AlertPolicyManager(pipeline);

        var result = manager.Delete(Admin, "p");

        Assert.Equal("p", result.Value.Id);
        Assert.Equal(["q"], pipeline.Policies.Select(p => p.Id));
        Assert.Equal(["q"], pipeline.Process(Act("a1", 0)).Select(c => c.Alert.PolicyId));
        Assert.Equal(ManagementOutcome.NotFound, manager.Delete(Admin, "p").Outcome);
    }

    [Fact]
    public void An_invalid_policy_is_refused_with_every_problem_at_its_policy_path()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")], new AlertEngineOptions { Plan = Plan.E3 });
        var manager = new AlertPolicyManager(pipeline);

        var result = manager.Create(Admin, EveryTime("q") with
        {
            Name = "",
            Operations = [],
            Trigger = new ThresholdTrigger(5, TimeSpan.FromHours(1), TriggerScope.User), // needs an advanced plan
        });

        Assert.Equal(ManagementOutcome.Invalid, result.Outcome);
        Assert.Contains(result.Errors, e => e.Path == "policy.name");
        Assert.Contains(result.Errors, e => e.Path == "policy.activities");
        Assert.Contains(result.Errors, e => e.Path.StartsWith("policy.trigger", StringComparison.Ordinal));
        Assert.All(result.Errors, e => Assert.StartsWith("policy.", e.Path, StringComparison.Ordinal));
        Assert.Equal(["p"], pipeline.Policies.Select(p => p.Id));
    }

    [Fact]
    public void A_duplicate_id_is_refused()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var manager = new AlertPolicyManager(pipeline);

        var result = manager.Create(Admin, EveryTime("p"));

        Assert.Equal(ManagementOutcome.Invalid, result.Outcome);
        Assert.Equal("policy.id", result.Errors[0].Path);
    }

    [Fact]
    public void A_custom_policy_may_change_anything_but_its_id_and_type()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var manager = new AlertPolicyManager(pipeline);

        Assert.True(manager.Update(Admin, EveryTime("p", "MailRedirect") with { Severity = AlertSeverity.Low, Name = "Renamed" }).Succeeded);
        var toSystem = manager.Update(Admin, EveryTime("p") with { Type = PolicyType.System });

        Assert.Equal(ManagementOutcome.Invalid, toSystem.Outcome);
        Assert.Equal("policy.type", toSystem.Errors[0].Path);
        Assert.Equal("Renamed", Assert.Single(pipeline.Policies).Name);
    }

    [Fact]
    public void Moving_a_policy_to_a_category_the_caller_may_not_see_is_forbidden()
    {
        using var pipeline = new AlertPipeline([EveryTime("p") with { Category = AlertCategory.DataLossPrevention }]);
        var manager = new AlertPolicyManager(pipeline);
        var compliance = Caller("c", ComplianceAdministrator);

        var result = manager.Update(compliance, EveryTime("p") with { Category = AlertCategory.ThreatManagement });

        Assert.Equal(ManagementOutcome.Forbidden, result.Outcome);
        Assert.Equal(AlertCategory.DataLossPrevention, Assert.Single(pipeline.Policies).Category);
    }

    [Fact]
    public void Replacing_the_whole_set_checks_system_policies_against_the_catalog()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var manager = new AlertPolicyManager(pipeline);

        var invalid = manager.ReplaceAll([EveryTime("p"), BuiltIn() with { Severity = AlertSeverity.High }, EveryTime("fake") with { Type = PolicyType.System }]);
        Assert.Equal(ManagementOutcome.Invalid, invalid.Outcome);
        Assert.Equal(["policies[1].severity", "policies[2].type"], invalid.Errors.Select(e => e.Path));
        Assert.Equal(["p"], pipeline.Policies.Select(p => p.Id));

        var valid = manager.ReplaceAll([BuiltIn() with { Enabled = false }, EveryTime("q")]);
        Assert.True(valid.Succeeded);
        Assert.Equal([BuiltIn().Id, "q"], valid.Value.Added);
        Assert.Equal(["p"], valid.Value.Removed);
    }

    [Fact]
    public void Unchanged_edits_succeed_without_touching_the_pipeline()
    {
        using var pipeline = new AlertPipeline([EveryTime("p")]);
        var manager = new AlertPolicyManager(pipeline);
        var before = pipeline.Policies;

        Assert.True(manager.SetEnabled(Admin, "p", true).Succeeded);
        Assert.Same(before, pipeline.Policies);
    }
}
