using System.Text.Json;
using System.Text.Json.Nodes;

namespace AlertEngine.Replay.Tests;

public class SystemPoliciesTests
{
    private static List<string> Ids(string policiesJson)
    {
        using var doc = JsonDocument.Parse(policiesJson);
        return doc.RootElement.EnumerateArray().Select(p => p.GetProperty("id").GetString()!).ToList();
    }

    [Fact]
    public void System_policies_alone_list_the_catalog_for_the_plan()
    {
        var advanced = ReplayHost.Run("--list-policies", "--system-policies");
        var standard = ReplayHost.Run("--list-policies", "--system-policies", "--plan", "E3");

        Assert.Equal(0, advanced.ExitCode);
        Assert.Equal(SystemPolicyCatalog.All.Select(p => p.Id), Ids(advanced.Stdout));
        Assert.Equal(0, standard.ExitCode);
        Assert.Equal(SystemPolicyCatalog.ForPlan(Plan.E3).Select(p => p.Id), Ids(standard.Stdout));
        Assert.True(Ids(standard.Stdout).Count < Ids(advanced.Stdout).Count);
    }

    [Fact]
    public void System_policies_are_added_after_the_files_policies_and_the_listing_round_trips()
    {
        using var dir = new TempDir();

        var first = ReplayHost.Run("--list-policies", "--policies", ReplayHost.SamplePolicies, "--system-policies");
        var listed = dir.File("listed.json", first.Stdout);
        var again = ReplayHost.Run("--list-policies", "--policies", listed, "--system-policies");
        var withoutFlag = ReplayHost.Run("--list-policies", "--policies", listed);

        Assert.Equal(0, first.ExitCode);
        var ids = Ids(first.Stdout);
        Assert.Equal("forwarding-rule", ids[0]);
        Assert.Equal(7 + SystemPolicyCatalog.All.Count, ids.Count);
        Assert.Equal(first.Stdout, again.Stdout);
        Assert.Equal(first.Stdout, withoutFlag.Stdout);
    }

    [Fact]
    public void Replay_with_system_policies_keeps_the_custom_alerts()
    {
        var custom = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities);
        var withCatalog = ReplayHost.Run("--policies", ReplayHost.SamplePolicies, "--activities", ReplayHost.SampleActivities, "--system-policies");

        Assert.Equal(0, withCatalog.ExitCode);
        var customIds = custom.Alerts.Select(a => a.GetProperty("id").GetString()).ToList();
        Assert.Equal(customIds, withCatalog.Alerts.Select(a => a.GetProperty("id").GetString()).Where(customIds.Contains));
        Assert.Matches(@"^activities read: 3977, duplicates: 12, late: 0, invalid: 0, detections: \d+, alerts: \d+$", withCatalog.SummaryLine);
    }

    [Fact]
    public void A_custom_policy_with_a_built_in_id_is_an_error_with_system_policies()
    {
        using var dir = new TempDir();
        var id = SystemPolicyCatalog.All[0].Id;
        var policies = dir.File("p.json", $$"""[{"id":"{{id}}","name":"Mine","category":"Others","severity":"Low","activities":["X"]}]""");

        var run = ReplayHost.Run("--list-policies", "--policies", policies, "--system-policies");

        Assert.Equal(2, run.ExitCode);
        Assert.Empty(run.Stdout);
        Assert.Contains(run.ErrorLines, l => l.StartsWith(policies + ": policies[0].id: ", StringComparison.Ordinal));
    }

    [Fact]
    public void A_system_policy_in_the_file_may_not_change_read_only_fields()
    {
        using var dir = new TempDir();
        var listed = JsonNode.Parse(ReplayHost.Run("--list-policies", "--system-policies").Stdout)!.AsArray();
        var policy = listed[0]!.AsObject();
        policy["severity"] = policy["severity"]!.GetValue<string>() == "High" ? "Low" : "High";
        var edited = new JsonArray(policy.DeepClone()).ToJsonString();
        var policies = dir.File("p.json", edited);

        var run = ReplayHost.Run(["--policies", policies, "--activities", "-"], "");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(run.ErrorLines, l => l.StartsWith(policies + ": policies[0].", StringComparison.Ordinal));
    }

    [Fact]
    public void The_catalog_extensions_are_listed_with_their_triggers_round_trip_and_fire_in_a_replay()
    {
        using var dir = new TempDir();
        var extensions = SystemPolicyCatalog.All.Where(p => SystemPolicyCatalog.IsExtension(p.Id)).Select(p => p.Id).ToList();

        var listed = ReplayHost.Run("--list-policies", "--system-policies");
        var standard = ReplayHost.Run("--list-policies", "--system-policies", "--plan", "E3");
        var file = dir.File("listed.json", listed.Stdout);
        var again = ReplayHost.Run("--list-policies", "--policies", file, "--system-policies");

        Assert.Equal(["admin-activity-from-new-ip-address", "sign-ins-from-many-ip-addresses", "audit-events-stopped-for-workload"], extensions);
        Assert.Equal(0, listed.ExitCode);
        using var doc = JsonDocument.Parse(listed.Stdout);
        var triggers = doc.RootElement.EnumerateArray()
            .Where(p => extensions.Contains(p.GetProperty("id").GetString()!))
            .Select(p => (p.GetProperty("type").GetString(), p.GetProperty("trigger").GetProperty("type").GetString()))
            .ToList();
        Assert.Equal([("System", "newValue"), ("System", "distinct"), ("System", "absence")], triggers);
        Assert.Equal(listed.Stdout, again.Stdout);
        Assert.DoesNotContain(Ids(standard.Stdout), extensions.Contains);

        var signIns = string.Join("\n", Enumerable.Range(0, 5).Select(i =>
            $$"""{"id":"s{{i}}","time":"2026-03-02T09:0{{i}}:00Z","operation":"UserLoggedIn","userId":"bob@contoso.com","clientIp":"10.9.0.{{i}}","workload":"AzureActiveDirectory"}"""));
        var run = ReplayHost.Run(["--system-policies", "--activities", "-"], signIns);

        Assert.Equal(0, run.ExitCode);
        var alert = Assert.Single(run.Alerts);
        Assert.Equal("sign-ins-from-many-ip-addresses", alert.GetProperty("policyId").GetString());
    }
}
