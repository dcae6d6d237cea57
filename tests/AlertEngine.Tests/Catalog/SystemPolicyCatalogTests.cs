using System.Text.RegularExpressions;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Catalog;

public partial class SystemPolicyCatalogTests
{
    /// <summary>The built-in policies domain.md requires, with the category and severity it gives.</summary>
    public static TheoryData<string, string, AlertCategory, AlertSeverity> Required() => new()
    {
        { "elevation-of-exchange-admin-privilege", "Elevation of Exchange admin privilege", AlertCategory.Permissions, AlertSeverity.Low },
        { "forwarding-redirect-rule-created", "Creation of forwarding/redirect rule", AlertCategory.ThreatManagement, AlertSeverity.Informational },
        { "suspicious-email-forwarding", "Suspicious email forwarding activity", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "suspicious-email-sending-patterns", "Suspicious email sending patterns detected", AlertCategory.ThreatManagement, AlertSeverity.Medium },
        { "email-sending-limit-exceeded", "Email sending limit exceeded", AlertCategory.ThreatManagement, AlertSeverity.Medium },
        { "messages-have-been-delayed", "Messages have been delayed", AlertCategory.MailFlow, AlertSeverity.High },
        { "reply-all-storm-detected", "Reply-all storm detected", AlertCategory.MailFlow, AlertSeverity.High },
        { "malicious-url-click", "A potentially malicious URL click was detected", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "malware-phish-campaign-removed-after-delivery", "Malware/Phish campaign removed after delivery", AlertCategory.ThreatManagement, AlertSeverity.Informational },
        { "malicious-entity-not-removed-after-delivery", "Email messages containing malicious entity not removed after delivery", AlertCategory.ThreatManagement, AlertSeverity.Medium },
        { "ediscovery-search-started-or-exported", "eDiscovery search started or exported", AlertCategory.ThreatManagement, AlertSeverity.Medium },
        { "admin-triggered-user-compromise-investigation", "Admin triggered user compromise investigation", AlertCategory.ThreatManagement, AlertSeverity.Medium },
        { "remediation-action-taken-by-admin", "Remediation action taken by admin", AlertCategory.ThreatManagement, AlertSeverity.Informational },
        { "user-restricted-from-sending-email", "User restricted from sending email", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "user-restricted-from-sharing-forms", "User restricted from sharing forms and collecting responses", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "tenant-restricted-from-sending-email", "Tenant restricted from sending email", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "suspicious-connector-activity", "Suspicious connector activity", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "potential-nation-state-activity", "Potential nation-state activity", AlertCategory.ThreatManagement, AlertSeverity.High },
        { "unusual-external-file-sharing", "Unusual external file sharing volume", AlertCategory.InformationGovernance, AlertSeverity.Medium },
        { "unusual-file-deletion", "Unusual volume of file deletion", AlertCategory.InformationGovernance, AlertSeverity.Medium },
    };

    [Theory]
    [MemberData(nameof(Required))]
    public void Every_required_built_in_policy_is_in_the_catalog_as_documented(string id, string name, AlertCategory category, AlertSeverity severity)
    {
        Assert.True(SystemPolicyCatalog.TryGet(id, out var policy));
        Assert.Equal(name, policy.Name);
        Assert.Equal(category, policy.Category);
        Assert.Equal(severity, policy.Severity);
        Assert.Equal(PolicyType.System, policy.Type);
        Assert.True(policy.Enabled);
    }

    [Fact]
    public void The_catalog_also_has_the_reported_email_and_tenant_allow_block_list_policies()
    {
        foreach (var id in new[]
        {
            "email-reported-by-user-as-malware-or-phish", "email-reported-by-user-as-not-junk",
            "tenant-allow-block-list-entry-found-malicious", "tenant-allow-block-list-entry-removed", "tenant-allow-block-list-entry-about-to-expire",
        })
        {
            Assert.True(SystemPolicyCatalog.TryGet(id, out _), id);
        }

        Assert.Contains("7 days", SystemPolicyCatalog.All.Single(p => p.Id == "tenant-allow-block-list-entry-about-to-expire").Description, StringComparison.Ordinal);
    }

    [Fact]
    public void Ids_are_unique_stable_kebab_case_and_every_policy_is_complete()
    {
        Assert.Equal(SystemPolicyCatalog.All.Count, SystemPolicyCatalog.All.Select(p => p.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.All(SystemPolicyCatalog.All, p =>
        {
            Assert.Matches(KebabCase(), p.Id);
            Assert.False(string.IsNullOrWhiteSpace(p.Description));
            Assert.NotEmpty(p.Operations);
            Assert.All(p.Operations, o => Assert.False(string.IsNullOrWhiteSpace(o)));
            Assert.Null(p.Notification);
        });
    }

    [Fact]
    public void Automated_investigation_is_flagged_where_the_domain_says()
    {
        foreach (var id in new[] { "malicious-url-click", "malicious-entity-not-removed-after-delivery", "remediation-action-taken-by-admin" })
        {
            Assert.True(SystemPolicyCatalog.All.Single(p => p.Id == id).AutomatedInvestigation, id);
        }

        Assert.False(SystemPolicyCatalog.All.Single(p => p.Id == "elevation-of-exchange-admin-privilege").AutomatedInvestigation);
    }

    [Fact]
    public void The_malicious_url_click_policy_is_never_aggregated_and_the_others_follow_the_plan()
    {
        Assert.All(SystemPolicyCatalog.All, p =>
            Assert.Equal(p.Id == "malicious-url-click" ? AggregationMode.None : AggregationMode.Policy, p.Aggregation?.Mode ?? AggregationMode.Policy));
        Assert.All(SystemPolicyCatalog.All, p => Assert.Null(p.Aggregation?.Interval));
    }

    [Fact]
    public void The_unusual_activity_policies_learn_a_per_user_baseline_and_the_volume_ones_count_thresholds()
    {
        foreach (var id in new[] { "unusual-external-file-sharing", "unusual-file-deletion" })
        {
            var trigger = Assert.IsType<AnomalyTrigger>(SystemPolicyCatalog.All.Single(p => p.Id == id).Trigger);
            Assert.Equal(TriggerScope.User, trigger.Scope);
            Assert.Equal(TimeSpan.FromDays(7), trigger.LearningPeriod);
        }

        var delayed = Assert.IsType<ThresholdTrigger>(SystemPolicyCatalog.All.Single(p => p.Id == "messages-have-been-delayed").Trigger);
        Assert.Equal(2000, delayed.Count);
        Assert.Equal(TimeSpan.FromHours(1), delayed.Window);
        Assert.Equal(TriggerScope.Organization, delayed.Scope);
        Assert.Contains("FileDeleted", SystemPolicyCatalog.All.Single(p => p.Id == "unusual-file-deletion").Operations);
        Assert.Contains("Add-RoleGroupMember", SystemPolicyCatalog.All.Single(p => p.Id == "elevation-of-exchange-admin-privilege").Operations);
    }

    [Theory]
    [InlineData(Plan.E1)]
    [InlineData(Plan.F1)]
    [InlineData(Plan.G1)]
    [InlineData(Plan.E3)]
    [InlineData(Plan.F3)]
    [InlineData(Plan.G3)]
    public void A_standard_plan_gets_only_the_every_time_policies(Plan plan)
    {
        var policies = SystemPolicyCatalog.ForPlan(plan);

        Assert.All(policies, p => Assert.IsType<EveryTimeTrigger>(p.Trigger));
        Assert.Equal(SystemPolicyCatalog.All.Count(p => !p.Trigger.RequiresAdvancedPlan), policies.Count);
        Assert.DoesNotContain(policies, p => p.Id == "unusual-file-deletion");
        Assert.Contains(policies, p => p.Id == "malicious-url-click");
    }

    [Theory]
    [InlineData(Plan.E5)]
    [InlineData(Plan.G5)]
    public void An_advanced_plan_gets_the_whole_catalog(Plan plan) =>
        Assert.Equal(SystemPolicyCatalog.All, SystemPolicyCatalog.ForPlan(plan));

    [Fact]
    public void An_undefined_plan_is_an_argument_error() =>
        Assert.Throws<ArgumentOutOfRangeException>(() => SystemPolicyCatalog.ForPlan((Plan)99));

    [Fact]
    public void AddTo_appends_the_plans_built_in_policies_after_the_given_ones()
    {
        var result = SystemPolicyCatalog.AddTo([EveryTime("mine")], Plan.E3);

        Assert.True(result.IsValid);
        Assert.Equal("mine", result.Value[0].Id);
        Assert.Equal(SystemPolicyCatalog.ForPlan(Plan.E3).Select(p => p.Id), result.Value.Skip(1).Select(p => p.Id));
        Assert.Equal(SystemPolicyCatalog.All, SystemPolicyCatalog.AddTo([], Plan.E5).Value);
    }

    [Fact]
    public void AddTo_keeps_a_given_edit_of_a_built_in_policy_in_place_of_the_built_in_one()
    {
        var edited = SystemPolicyCatalog.All[3] with { Enabled = false, Notification = new(true, ["soc@contoso.com"], 10) };

        var result = SystemPolicyCatalog.AddTo([edited], Plan.E5);

        Assert.True(result.IsValid);
        Assert.Equal(SystemPolicyCatalog.All.Count, result.Value.Count);
        Assert.Same(edited, result.Value[0]);
        Assert.Single(result.Value, p => p.Id == edited.Id);
    }

    [Fact]
    public void AddTo_lists_every_conflict_with_the_catalog()
    {
        var result = SystemPolicyCatalog.AddTo(
            [
                SystemPolicyCatalog.All[0] with { Severity = AlertSeverity.High },
                EveryTime("malicious-url-click"),
                EveryTime("made-up") with { Type = PolicyType.System },
            ],
            Plan.E5);

        Assert.False(result.IsValid);
        Assert.Equal(["policies[0].severity", "policies[2].type", "policies[1].id"], result.Errors.Select(e => e.Path));
    }

    [Fact]
    public void Built_in_policies_without_conditions_raise_alerts_in_the_engine()
    {
        var remediation = SystemPolicyCatalog.All.Single(p => p.Id == "remediation-action-taken-by-admin");
        using var pipeline = new AlertPipeline([remediation]);

        var change = Assert.Single(pipeline.Process(Act("a1", 0, "AirAdminActionInvestigationData")));

        Assert.Equal("remediation-action-taken-by-admin:a1", change.Alert.Id);
        Assert.Equal(AlertSeverity.Informational, change.Alert.Severity);
    }

    [Theory]
    [InlineData(Plan.E1)]
    [InlineData(Plan.E3)]
    [InlineData(Plan.E5)]
    [InlineData(Plan.G5)]
    public void The_catalog_for_each_plan_is_valid_under_that_plan(Plan plan) =>
        Assert.Empty(PolicyValidator.Validate(SystemPolicyCatalog.ForPlan(plan), plan));

    [Fact]
    public void The_catalog_round_trips_through_the_policy_json_and_stays_consistent_with_itself()
    {
        var json = PolicySerializer.Save(SystemPolicyCatalog.All);

        var loaded = PolicySerializer.Load(json);

        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        Assert.Empty(SystemPolicyCatalog.Validate(loaded.Value));
        Assert.Equal(SystemPolicyCatalog.All.Count, loaded.Value.Count);
        Assert.All(loaded.Value.Zip(SystemPolicyCatalog.All), pair => Assert.True(PolicyEquality.Same(pair.First, pair.Second), pair.Second.Id));
        Assert.Equal(json, PolicySerializer.Save(loaded.Value));
        Assert.True(SystemPolicyCatalog.AddTo(loaded.Value, Plan.E5).IsValid);
    }

    [Fact]
    public void An_exported_built_in_policy_with_new_recipients_loads_and_merges()
    {
        var edited = SystemPolicyCatalog.All[0] with { Enabled = false, Notification = new(true, ["soc@contoso.com"], 5) };

        var loaded = PolicySerializer.Load(PolicySerializer.Save([edited]), new PolicyLoadOptions { Plan = Plan.E3 });
        var merged = SystemPolicyCatalog.AddTo(loaded.Value, Plan.E3);

        Assert.True(merged.IsValid);
        Assert.False(merged.Value[0].Enabled);
        Assert.Equal(SystemPolicyCatalog.ForPlan(Plan.E3).Count, merged.Value.Count);
    }

    [Fact]
    public void The_catalog_documentation_lists_every_policy_as_it_is()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "AlertEngine.sln")))
        {
            dir = dir.Parent;
        }

        Assert.NotNull(dir);
        var rows = File.ReadAllLines(Path.Combine(dir.FullName, "docs", "catalog.md"))
            .Where(l => l.StartsWith("| `", StringComparison.Ordinal))
            .Select(l => l.Split('|', StringSplitOptions.TrimEntries))
            .ToDictionary(cells => cells[1].Trim('`'));

        Assert.Equal(SystemPolicyCatalog.All.Select(p => p.Id).Order(), rows.Keys.Order());
        foreach (var policy in SystemPolicyCatalog.All)
        {
            var cells = rows[policy.Id];
            Assert.Equal(policy.Name, cells[2]);
            Assert.Equal(policy.Category.ToString(), cells[3].Replace(" ", string.Empty, StringComparison.Ordinal), ignoreCase: true);
            Assert.Equal(policy.Severity.ToString(), cells[4]);
            Assert.Equal(policy.AutomatedInvestigation ? "yes" : string.Empty, cells[5]);
            Assert.Equal(policy.Operations.Select(o => "`" + o + "`"), cells[7].Split(", "));
        }
    }

    [GeneratedRegex("^[a-z0-9]+(-[a-z0-9]+)*$")]
    private static partial Regex KebabCase();
}
