using System.Security.Claims;
using static AlertEngine.StoreContracts.StoreContractData;
using static AlertEngine.Tests.Management.Principals;

namespace AlertEngine.Tests.Management;

/// <summary>Every role group of the default table against every alert category, for reading and for changing.</summary>
public class PermissionMatrixTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The documented expectations: which categories each role group sees.</summary>
    private static readonly Dictionary<string, AlertCategory[]> Expected = new()
    {
        [OrgManagement] = Enum.GetValues<AlertCategory>(),
        [SecurityAdministrator] = Enum.GetValues<AlertCategory>(),
        [ComplianceAdministrator] = Enum.GetValues<AlertCategory>().Where(c => c != AlertCategory.ThreatManagement).ToArray(),
        ["Compliance Data Administrator"] = Enum.GetValues<AlertCategory>().Where(c => c != AlertCategory.ThreatManagement).ToArray(),
        [RecordsManagement] = [AlertCategory.InformationGovernance],
        [EDiscoveryManager] = [],
        ["Some Unknown Group"] = [],
    };

    public static TheoryData<string, AlertCategory> EveryRoleAndCategory()
    {
        var data = new TheoryData<string, AlertCategory>();
        foreach (var role in Expected.Keys)
        {
            foreach (var category in Enum.GetValues<AlertCategory>())
            {
                data.Add(role, category);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(EveryRoleAndCategory))]
    public async Task A_role_reads_and_changes_exactly_the_alerts_of_its_categories(string role, AlertCategory category)
    {
        var store = new InMemoryAlertStore();
        var manager = new AlertManager(store);
        await store.UpsertAsync(MakeAlert("x", category: category), Ct);
        var caller = Caller("user@contoso.com", role);
        var allowed = Expected[role].Contains(category);

        var get = await manager.GetAsync(caller, "x", Ct);
        var query = await manager.QueryAsync(caller, AlertQuery.All, Ct);
        var queryForCategory = await manager.QueryAsync(caller, new AlertQuery { Categories = [category] }, Ct);
        var count = await manager.CountAsync(caller, AlertQuery.All, Ct);
        var status = await manager.ChangeStatusAsync(caller, "x", AlertStatus.Investigating, cancellationToken: Ct);
        var suppress = await manager.SetNotificationsSuppressedAsync(caller, "x", true, Ct);

        Assert.Equal(allowed ? ManagementOutcome.Succeeded : ManagementOutcome.NotFound, get.Outcome);
        Assert.Equal(allowed ? 1 : 0, query.Value.Alerts.Count);
        Assert.Equal(allowed ? 1 : 0, queryForCategory.Value.Alerts.Count);
        Assert.Equal(allowed ? 1 : 0, count.Value.Total);
        Assert.Equal(allowed ? ManagementOutcome.Succeeded : ManagementOutcome.NotFound, status.Outcome);
        Assert.Equal(allowed ? ManagementOutcome.Succeeded : ManagementOutcome.NotFound, suppress.Outcome);

        var stored = (await store.GetAsync("x", Ct))!;
        Assert.Equal(allowed ? AlertStatus.Investigating : AlertStatus.Active, stored.Status);
        Assert.Equal(allowed, stored.NotificationsSuppressed);
    }

    [Theory]
    [MemberData(nameof(EveryRoleAndCategory))]
    public void A_role_sees_and_manages_policies_of_its_categories_when_it_holds_the_alert_roles(string role, AlertCategory category)
    {
        using var pipeline = new AlertPipeline([Policy("p", category)]);
        var manager = new AlertPolicyManager(pipeline);
        var caller = Caller("user@contoso.com", role);
        var visible = Expected[role].Contains(category);
        var canView = AlertRoleTable.Default.TryGetGroup(role, out var group) && group.Roles != AlertRoles.None;
        var canManage = canView && group!.Roles.HasFlag(AlertRoles.ManageAlerts);

        var list = manager.GetPolicies(caller);
        var get = manager.GetPolicy(caller, "p");
        var disable = manager.SetEnabled(caller, "p", false);
        var create = manager.Create(caller, Policy("new", category));

        Assert.Equal(canView ? ManagementOutcome.Succeeded : ManagementOutcome.Forbidden, list.Outcome);
        if (canView)
        {
            Assert.Equal(visible ? 1 : 0, list.Value.Count);
        }

        Assert.Equal(!canView ? ManagementOutcome.Forbidden : visible ? ManagementOutcome.Succeeded : ManagementOutcome.NotFound, get.Outcome);
        Assert.Equal(!canManage ? ManagementOutcome.Forbidden : visible ? ManagementOutcome.Succeeded : ManagementOutcome.NotFound, disable.Outcome);
        Assert.Equal(canManage && visible ? ManagementOutcome.Succeeded : ManagementOutcome.Forbidden, create.Outcome);
        Assert.Equal(!(canManage && visible), pipeline.Policies.Single(p => p.Id == "p").Enabled);
        Assert.Equal(canManage && visible ? 2 : 1, pipeline.Policies.Count);
    }

    [Fact]
    public void The_default_table_reproduces_the_documented_examples()
    {
        var table = AlertRoleTable.Default;
        Assert.Equal([AlertCategory.InformationGovernance], table.Resolve(Caller("r", RecordsManagement)).Categories);
        Assert.DoesNotContain(AlertCategory.ThreatManagement, table.Resolve(Caller("c", ComplianceAdministrator)).Categories);
        Assert.Equal(5, table.Resolve(Caller("c", ComplianceAdministrator)).Categories.Count);
        Assert.Empty(table.Resolve(Caller("e", EDiscoveryManager)).Categories);
        Assert.Equal(6, table.Resolve(Caller("o", OrgManagement)).Categories.Count);
        Assert.Equal(6, table.Resolve(Caller("s", SecurityAdministrator)).Categories.Count);
        Assert.True(table.Resolve(Caller("r", RecordsManagement)).CanViewPolicies);
        Assert.False(table.Resolve(Caller("r", RecordsManagement)).CanManagePolicies);
    }

    [Fact]
    public void Permissions_are_the_union_of_the_callers_role_groups_matched_case_insensitively()
    {
        var permissions = AlertRoleTable.Default.Resolve(Caller("x", "records management", "ediscovery MANAGER", "Not A Group"));

        Assert.Equal([AlertCategory.InformationGovernance], permissions.Categories);
        Assert.Equal(["Records Management", "eDiscovery Manager"], permissions.RoleGroups);
        Assert.Equal("x", permissions.Name);
    }

    [Fact]
    public async Task An_unauthenticated_caller_sees_and_changes_nothing_whatever_its_claims()
    {
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("x"), Ct);
        var manager = new AlertManager(store);
        var caller = Unauthenticated("mallory", OrgManagement);

        Assert.Equal(ManagementOutcome.NotFound, (await manager.GetAsync(caller, "x", Ct)).Outcome);
        Assert.Equal(ManagementOutcome.NotFound, (await manager.ChangeStatusAsync(caller, "x", AlertStatus.Dismissed, cancellationToken: Ct)).Outcome);
        Assert.Empty(AlertRoleTable.Default.Resolve(caller).Categories);
    }

    [Fact]
    public void Role_claims_of_a_custom_role_claim_type_are_honoured()
    {
        var identity = new ClaimsIdentity([new Claim("name", "n"), new Claim("groups", RecordsManagement)], "test", "name", "groups");
        var permissions = AlertRoleTable.Default.Resolve(new ClaimsPrincipal(identity));

        Assert.Equal([AlertCategory.InformationGovernance], permissions.Categories);
        Assert.Equal("n", permissions.Name);
    }

    [Fact]
    public async Task The_role_table_is_configurable()
    {
        var table = AlertRoleTable.Default
            .With(new AlertRoleGroup("SOC Analysts", [AlertCategory.ThreatManagement], AlertRoles.ViewOnlyManageAlerts))
            .With(new AlertRoleGroup(EDiscoveryManager, [AlertCategory.Others], AlertRoles.None))
            .Without(RecordsManagement);
        var store = new InMemoryAlertStore();
        await store.UpsertAsync(MakeAlert("t", category: AlertCategory.ThreatManagement), Ct);
        await store.UpsertAsync(MakeAlert("o", category: AlertCategory.Others), Ct);
        await store.UpsertAsync(MakeAlert("g", category: AlertCategory.InformationGovernance), Ct);
        var manager = new AlertManager(store, table);

        Assert.True((await manager.GetAsync(Caller("a", "SOC Analysts"), "t", Ct)).Succeeded);
        Assert.True((await manager.GetAsync(Caller("e", EDiscoveryManager), "o", Ct)).Succeeded);
        Assert.Equal(ManagementOutcome.NotFound, (await manager.GetAsync(Caller("r", RecordsManagement), "g", Ct)).Outcome);
        Assert.False(table.TryGetGroup(RecordsManagement, out _));
    }

    [Fact]
    public void A_role_table_refuses_duplicate_blank_or_undefined_entries()
    {
        Assert.Throws<ArgumentException>(() => new AlertRoleTable([new("A", [], AlertRoles.None), new("a", [], AlertRoles.None)]));
        Assert.Throws<ArgumentException>(() => new AlertRoleTable([new(" ", [], AlertRoles.None)]));
        Assert.Throws<ArgumentException>(() => new AlertRoleTable([new("A", [(AlertCategory)99], AlertRoles.None)]));
        Assert.Throws<ArgumentException>(() => new AlertRoleTable([new("A", [], (AlertRoles)8)]));
    }

    private static AlertPolicy Policy(string id, AlertCategory category) => new()
    {
        Id = id,
        Name = "Policy " + id,
        Category = category,
        Operations = ["FileDeleted"],
    };
}
