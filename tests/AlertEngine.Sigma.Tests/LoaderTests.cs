namespace AlertEngine.Sigma.Tests;

public sealed class LoaderTests
{
    private const string Detection = "sel:\n    Operation: Op\ncondition: sel";

    [Theory]
    [InlineData("informational", AlertSeverity.Informational)]
    [InlineData("low", AlertSeverity.Low)]
    [InlineData("medium", AlertSeverity.Medium)]
    [InlineData("high", AlertSeverity.High)]
    [InlineData("critical", AlertSeverity.High)]
    public void Level_maps_to_severity(string level, AlertSeverity severity)
    {
        var policy = Sigma.One(Sigma.Rule(Detection).Replace("level: high", "level: " + level, StringComparison.Ordinal));
        Assert.Equal(severity, policy.Severity);
    }

    [Fact]
    public void A_detection_rule_is_an_every_time_threat_management_policy()
    {
        var policy = Sigma.One(Sigma.Rule(Detection, "description: Something bad"));
        Assert.Equal(("rule-1", "Test rule", "Something bad", true), (policy.Id, policy.Name, policy.Description, policy.Enabled));
        Assert.Equal(AlertCategory.ThreatManagement, policy.Category);
        Assert.Same(EveryTimeTrigger.Instance, policy.Trigger);
        Assert.Null(policy.Aggregation);
        Assert.Empty(PolicyValidator.Validate([policy], Plan.E5));
    }

    [Theory]
    [InlineData("deprecated", false)]
    [InlineData("unsupported", false)]
    [InlineData("experimental", true)]
    [InlineData("stable", true)]
    public void Deprecated_and_unsupported_rules_load_disabled(string status, bool enabled) =>
        Assert.Equal(enabled, Sigma.One(Sigma.Rule(Detection).Replace("status: test", "status: " + status, StringComparison.Ordinal)).Enabled);

    [Fact]
    public void Bad_yaml_names_the_file_and_line()
    {
        var result = SigmaRuleLoader.LoadText("title: x\ndetection: [a\n", "bad.yml");
        var error = Assert.Single(result.Errors);
        Assert.Equal("bad.yml", error.File);
        Assert.NotNull(error.Line);
        Assert.StartsWith("bad.yml:", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Another_product_is_an_error()
    {
        var error = Sigma.Error(Sigma.Rule(Detection).Replace("product: m365", "product: windows", StringComparison.Ordinal));
        Assert.Contains("'windows' is not served", error.Message, StringComparison.Ordinal);
        Assert.Equal("rule.yml:6: rule rule-1 \"Test rule\": " + error.Message, error.ToString());
    }

    [Fact]
    public void A_bad_rule_does_not_stop_the_good_ones_and_nothing_is_half_loaded()
    {
        var yaml = Sigma.Rule(Detection) + "\n---\n" + Sigma.Rule("sel:\n    Operation: Op\n    A|bogus: x\ncondition: sel").Replace("rule-1", "rule-2", StringComparison.Ordinal);
        var result = SigmaRuleLoader.LoadText(yaml, "two.yml");
        Assert.Equal("rule-1", Assert.Single(result.Policies).Id);
        Assert.Equal("rule-2", Assert.Single(result.Errors).RuleId);
    }

    [Fact]
    public void Duplicate_ids_are_errors() =>
        Assert.Contains("used by another rule", Assert.Single(SigmaRuleLoader.LoadText(Sigma.Rule(Detection) + "\n---\n" + Sigma.Rule(Detection)).Errors).Message, StringComparison.Ordinal);

    [Fact]
    public void Field_mappings_rename_fields()
    {
        var options = new SigmaLoadOptions { FieldMappings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["user.name"] = "UserId" } };
        var f = Sigma.Compile("sel:\n    Operation: Op\n    user.name: bob\ncondition: sel", options);
        Assert.True(f(Sigma.Audit("Op", "BOB")));
    }

    [Fact]
    public void Options_file_is_read()
    {
        var options = SigmaLoadOptions.Parse("placeholders:\n  admins: [a, 'b*']\nfieldmappings:\n  SourceIp: ClientIP\nproducts: [m365]\n");
        Assert.Equal(["a", "b*"], options.Placeholders["ADMINS"]);
        Assert.Equal("ClientIP", options.FieldMappings["sourceip"]);
        Assert.Equal(["m365"], options.Products);
        Assert.Throws<InvalidDataException>(() => SigmaLoadOptions.Parse("bogus: 1"));
    }

    [Fact]
    public void Paths_load_every_yaml_file_under_a_folder()
    {
        var dir = Directory.CreateTempSubdirectory("sigma");
        try
        {
            File.WriteAllText(Path.Combine(dir.FullName, "a.yml"), Sigma.Rule(Detection));
            Directory.CreateDirectory(Path.Combine(dir.FullName, "sub"));
            File.WriteAllText(Path.Combine(dir.FullName, "sub", "b.yaml"), Sigma.Rule(Detection).Replace("rule-1", "rule-2", StringComparison.Ordinal));
            File.WriteAllText(Path.Combine(dir.FullName, "c.txt"), "not yaml [");
            var result = SigmaRuleLoader.LoadPaths([dir.FullName, Path.Combine(dir.FullName, "missing.yml")]);
            Assert.Equal(["rule-1", "rule-2"], result.Policies.Select(p => p.Id));
            Assert.Contains("no such file", Assert.Single(result.Errors).Message, StringComparison.Ordinal);
        }
        finally
        {
            dir.Delete(recursive: true);
        }
    }
}
