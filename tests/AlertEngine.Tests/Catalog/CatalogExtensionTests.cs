using System.Net;

namespace AlertEngine.Tests.Catalog;

/// <summary>The extensions of the catalog: built-in policies with the newer trigger types (docs/catalog.md).</summary>
public class CatalogExtensionTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static readonly string[] ExtensionIds = ["admin-activity-from-new-ip-address", "sign-ins-from-many-ip-addresses", "audit-events-stopped-for-workload"];

    private static AlertPolicy Get(string id) => SystemPolicyCatalog.All.Single(p => p.Id == id);

    private static Activity Act(string id, TimeSpan at, string operation, string? user = "admin@contoso.com", string? ip = null, string? workload = null) =>
        new(id, T0 + at, operation) { UserId = user, ClientIp = ip is null ? null : IPAddress.Parse(ip), Workload = workload };

    private static List<AlertChange> Run(AlertPolicy policy, params Activity[] activities)
    {
        using var pipeline = new AlertPipeline([policy]);
        return activities.SelectMany(pipeline.Process).ToList();
    }

    [Fact]
    public void The_extensions_are_marked_last_in_catalog_order_and_only_they_are_marked()
    {
        Assert.Equal(ExtensionIds, SystemPolicyCatalog.All.Where(p => SystemPolicyCatalog.IsExtension(p.Id)).Select(p => p.Id));
        Assert.Equal(ExtensionIds, SystemPolicyCatalog.All.TakeLast(ExtensionIds.Length).Select(p => p.Id));
        Assert.All(ExtensionIds, id => Assert.StartsWith("Catalog extension (not a Microsoft 365 default policy). ", Get(id).Description, StringComparison.Ordinal));
        Assert.DoesNotContain(SystemPolicyCatalog.All.SkipLast(ExtensionIds.Length), p =>
        {
            Assert.NotNull(p.Description);
            return p.Description.Contains("Catalog extension", StringComparison.Ordinal);
        });
        Assert.False(SystemPolicyCatalog.IsExtension("malicious-url-click"));
        Assert.False(SystemPolicyCatalog.IsExtension("made-up"));
        Assert.Throws<ArgumentNullException>(() => SystemPolicyCatalog.IsExtension(null!));
    }

    [Fact]
    public void The_extensions_have_the_documented_triggers()
    {
        var admin = Assert.IsType<NewValueTrigger>(Get("admin-activity-from-new-ip-address").Trigger);
        Assert.Equal(new NewValueTrigger("clientIp", TriggerScope.User, TimeSpan.FromDays(30), TimeSpan.FromDays(7)), admin);
        Assert.Contains("Add-RoleGroupMember", Get("admin-activity-from-new-ip-address").Operations);
        Assert.DoesNotContain("UserLoggedIn", Get("admin-activity-from-new-ip-address").Operations);

        Assert.Equal(new DistinctTrigger("clientIp", 5, TimeSpan.FromHours(1), TriggerScope.User), Get("sign-ins-from-many-ip-addresses").Trigger);
        Assert.Equal(["UserLoggedIn"], Get("sign-ins-from-many-ip-addresses").Operations);

        Assert.Equal(new AbsenceTrigger(TimeSpan.FromHours(24), TriggerScope.Property("workload")), Get("audit-events-stopped-for-workload").Trigger);
        Assert.All(ExtensionIds, id => Assert.Null(Get(id).Conditions));
    }

    [Theory]
    [InlineData(Plan.E1)]
    [InlineData(Plan.E3)]
    [InlineData(Plan.G3)]
    public void A_standard_plan_leaves_the_extensions_out(Plan plan)
    {
        Assert.All(ExtensionIds, id => Assert.DoesNotContain(SystemPolicyCatalog.ForPlan(plan), p => p.Id == id));
        Assert.All(ExtensionIds, id => Assert.True(Get(id).Trigger.RequiresAdvancedPlan));
    }

    [Fact]
    public void The_extensions_load_from_json_validate_and_allow_only_the_enabled_flag_and_notifications_to_change()
    {
        var extensions = ExtensionIds.Select(Get).ToList();
        var json = PolicySerializer.Save(extensions);

        var loaded = PolicySerializer.Load(json, new PolicyLoadOptions { Plan = Plan.E5 });

        Assert.True(loaded.IsValid, string.Join("\n", loaded.Errors));
        Assert.All(loaded.Value.Zip(extensions), pair => Assert.True(PolicyEquality.Same(pair.First, pair.Second), pair.Second.Id));
        Assert.Equal(json, PolicySerializer.Save(loaded.Value));
        Assert.Empty(PolicyValidator.Validate(extensions, Plan.E5));
        Assert.Empty(SystemPolicyCatalog.Validate(loaded.Value));
        Assert.Empty(SystemPolicyCatalog.Validate([extensions[0] with { Enabled = false, Notification = new(true, ["soc@contoso.com"], 5) }]));

        var edited = SystemPolicyCatalog.Validate(
            [
                extensions[0] with { Trigger = new NewValueTrigger("clientIp", TriggerScope.User, TimeSpan.FromDays(1), TimeSpan.FromDays(1)) },
                extensions[1] with { Operations = ["UserLoggedIn", "UserLoginFailed"] },
                extensions[2] with { Severity = AlertSeverity.High },
            ]);
        Assert.Equal(["policies[0].trigger", "policies[1].activities", "policies[2].severity"], edited.Select(e => e.Path));
    }

    [Fact]
    public void A_new_ip_address_for_an_admins_administrative_action_raises_an_alert_after_the_learning_period()
    {
        var changes = Run(
            Get("admin-activity-from-new-ip-address"),
            Act("a", TimeSpan.Zero, "Add-RoleGroupMember", ip: "203.0.113.1"),                          // learning starts
            Act("b", TimeSpan.FromDays(1), "New-ManagementRoleAssignment", ip: "203.0.113.2"),          // new, but still learning
            Act("c", TimeSpan.FromDays(8), "Add-RoleGroupMember", ip: "203.0.113.1"),                   // seen
            Act("d", TimeSpan.FromDays(8) + TimeSpan.FromMinutes(1), "UserLoggedIn", ip: "198.51.100.7"), // not an admin operation
            Act("e", TimeSpan.FromDays(9), "add member to role.", ip: "198.51.100.7"),                 // new for admin actions
            Act("f", TimeSpan.FromDays(9), "Set-TransportRule", user: "other-admin@contoso.com", ip: "198.51.100.7")); // other admin: learning

        var change = Assert.Single(changes);
        Assert.Equal("admin-activity-from-new-ip-address", change.Alert.PolicyId);
        Assert.Equal(["e"], change.Detection.Activities.Select(a => a.Id));
        Assert.Equal(new NewValueSeen("198.51.100.7", T0), change.Detection.Reason);
        Assert.Equal(AlertSeverity.Medium, change.Alert.Severity);
    }

    [Fact]
    public void Sign_ins_from_five_ip_addresses_within_an_hour_raise_an_alert()
    {
        var policy = Get("sign-ins-from-many-ip-addresses");
        Activity SignIn(string id, int minutes, string ip) => Act(id, TimeSpan.FromMinutes(minutes), "UserLoggedIn", user: "alice@contoso.com", ip: ip);

        var four = Run(policy, SignIn("a", 0, "10.0.0.1"), SignIn("b", 10, "10.0.0.2"), SignIn("c", 20, "10.0.0.2"), SignIn("d", 30, "10.0.0.3"), SignIn("e", 40, "10.0.0.4"));
        var late = Run(policy, SignIn("a", 0, "10.0.0.1"), SignIn("b", 10, "10.0.0.2"), SignIn("c", 20, "10.0.0.3"), SignIn("d", 30, "10.0.0.4"), SignIn("e", 60, "10.0.0.5"));
        var five = Run(policy, SignIn("a", 0, "10.0.0.1"), SignIn("b", 10, "10.0.0.2"), SignIn("c", 20, "10.0.0.3"), SignIn("d", 30, "10.0.0.4"), SignIn("e", 59, "10.0.0.5"));

        Assert.Empty(four);
        Assert.Empty(late); // "a" left the window at minute 60
        var change = Assert.Single(five);
        Assert.Equal("sign-ins-from-many-ip-addresses", change.Alert.PolicyId);
        Assert.Equal(5, Assert.IsType<DistinctValues>(change.Detection.Reason).Count);
        Assert.Equal(["a", "b", "c", "d", "e"], change.Detection.Activities.Select(a => a.Id));
    }

    [Fact]
    public void A_workload_silent_for_24_hours_raises_an_alert_when_the_clock_passes_the_silence()
    {
        var changes = Run(
            Get("audit-events-stopped-for-workload"),
            Act("x", TimeSpan.Zero, "MailItemsAccessed", workload: "Exchange"),
            Act("s1", TimeSpan.Zero, "FileAccessed", workload: "SharePoint"),
            Act("s2", TimeSpan.FromHours(20), "FileModified", workload: "SharePoint"),
            Act("t", TimeSpan.FromHours(23), "SomethingUntracked", workload: "Teams"),   // moves the clock, watched for nothing
            Act("y", TimeSpan.FromHours(25), "UserLoggedIn", workload: "AzureActiveDirectory"));

        var change = Assert.Single(changes);
        Assert.Equal("audit-events-stopped-for-workload", change.Alert.PolicyId);
        Assert.Equal("Exchange", change.Detection.ScopeKey);
        Assert.Equal(T0 + TimeSpan.FromHours(24), change.Detection.Time);
        Assert.Equal(new SilenceObserved(TimeSpan.FromHours(24), T0), change.Detection.Reason);
        Assert.Equal(["x"], change.Detection.Activities.Select(a => a.Id));
    }

    [Fact]
    public void The_whole_catalog_runs_in_one_pipeline_and_only_the_matching_extension_fires()
    {
        using var pipeline = new AlertPipeline(SystemPolicyCatalog.ForPlan(Plan.E5), new AlertEngineOptions { Plan = Plan.E5 });
        var changes = new List<AlertChange>();
        for (var i = 0; i < 5; i++)
        {
            changes.AddRange(pipeline.Process(Act("s" + i, TimeSpan.FromMinutes(i), "UserLoggedIn", user: "bob@contoso.com", ip: "10.1.0." + i, workload: "AzureActiveDirectory")));
        }

        Assert.Equal(["sign-ins-from-many-ip-addresses"], changes.Select(c => c.Alert.PolicyId).Distinct());
    }
}
