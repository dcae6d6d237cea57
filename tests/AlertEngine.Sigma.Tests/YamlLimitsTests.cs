using System.Text;

namespace AlertEngine.Sigma.Tests;

/// <summary>The bounds of <see cref="YamlLimits"/>: nesting depth, and what aliases can multiply.</summary>
public sealed class YamlLimitsTests
{
    [Fact]
    public void A_rule_that_uses_aliases_modestly_loads_and_matches()
    {
        var policy = Sigma.One(Sigma.Rule("sel:\n    Operation: FileRecycled\n    UserId: &users [alice@contoso.com, bob@contoso.com]\nother:\n    UserId: *users\ncondition: sel and other"));
        var matches = ConditionCompiler.Compile(policy.Conditions);
        Assert.True(matches(Sigma.Audit("FileRecycled", "bob@contoso.com")));
        Assert.False(matches(Sigma.Audit("FileRecycled", "eve@contoso.com")));
    }

    [Fact]
    public void Nested_aliases_that_would_expand_to_billions_of_values_are_a_load_error_naming_the_line()
    {
        // 9 levels of 10 references: 10^9 values from a few hundred bytes of text (the "billion laughs").
        var yaml = "title: Laughs\nid: laughs\nstatus: test\nlogsource:\n    product: m365\n" + Laughs(9)
            + "detection:\n    sel:\n        UserId: *l8\n    condition: sel\n";
        var error = Sigma.Error(yaml);
        Assert.Equal(1, error.Line);
        Assert.Contains("YAML aliases (*name) repeat nodes", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void One_large_list_referenced_many_times_is_refused_even_without_nesting()
    {
        // 2,000 values referenced by 100 search identifiers: 200,000 value visits from ~20 KB of text.
        var values = string.Join(", ", Enumerable.Range(0, 2000).Select(i => "op" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var detection = new StringBuilder("s0:\n    UserId: &users [" + values + "]\n");
        for (var i = 1; i < 100; i++)
        {
            detection.Append(System.Globalization.CultureInfo.InvariantCulture, $"s{i}:\n    UserId: *users\n");
        }

        detection.Append("condition: 1 of s*");
        Assert.Contains("at most 100,000 repetitions", Sigma.Error(Sigma.Rule(detection.ToString())).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_large_rule_without_aliases_is_not_limited_by_the_bound()
    {
        var values = string.Join(", ", Enumerable.Range(0, 150_000).Select(i => "op" + i.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        var policy = Sigma.One(Sigma.Rule("sel:\n    Operation: FileRecycled\n    UserId: [" + values + "]\ncondition: sel"));
        var matches = ConditionCompiler.Compile(policy.Conditions);
        Assert.True(matches(Sigma.Audit("FileRecycled", "op149999")));
        Assert.False(matches(Sigma.Audit("FileRecycled", "op150000")));
    }

    [Fact]
    public void The_options_file_is_bounded_the_same_way()
    {
        var yaml = Laughs(7) + "placeholders:\n    Admins: *l6\n";
        var error = Assert.Throws<InvalidDataException>(() => SigmaLoadOptions.Parse(yaml));
        Assert.Contains("YAML aliases (*name) repeat nodes", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(64, false)]
    [InlineData(65, true)]
    [InlineData(500_000, true)]
    public void Nesting_deeper_than_64_levels_is_a_load_error_not_a_stack_overflow(int depth, bool refused)
    {
        // Inside the rule's mapping (one level), a flow sequence nested depth - 1 more levels.
        var yaml = "title: x\nid: deep\nlogsource:\n    product: m365\ndeep: " + new string('[', depth - 1) + new string(']', depth - 1) + "\n";
        var result = SigmaRuleLoader.LoadText(yaml, "deep.yml");
        if (refused)
        {
            var error = Assert.Single(result.Errors);
            Assert.Equal(("deep.yml", 5), (error.File, error.Line));
            Assert.Contains("nests more than 64 levels", error.Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.DoesNotContain(result.Errors, e => e.Message.Contains("nests", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_deeply_nested_options_file_is_refused()
    {
        var error = Assert.Throws<InvalidDataException>(() => SigmaLoadOptions.Parse("placeholders: " + new string('[', 200_000)));
        Assert.Contains("nests more than 64 levels", error.Message, StringComparison.Ordinal);
    }

    /// <summary>Top-level attributes l0 … l(levels − 1): l0 a list of 10 values, each next one a list of 10 aliases of
    /// the one before, so l(k) stands for 10^(k + 1) values (the "billion laughs" shape).</summary>
    private static string Laughs(int levels)
    {
        var yaml = new StringBuilder("l0: &l0 [a, a, a, a, a, a, a, a, a, a]\n");
        for (var level = 1; level < levels; level++)
        {
            yaml.Append(System.Globalization.CultureInfo.InvariantCulture, $"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        return yaml.ToString();
    }
}
