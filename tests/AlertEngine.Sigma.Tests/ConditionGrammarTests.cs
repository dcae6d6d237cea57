namespace AlertEngine.Sigma.Tests;

public sealed class ConditionGrammarTests
{
    // Four search identifiers over properties A, B, C and the operation; each matches when its property is "1".
    private const string Searches = """
        op:
            Operation: Op
        sel_a:
            A: '1'
        sel_b:
            B: '1'
        _hidden:
            C: '1'
        """;

    private static bool Eval(string condition, bool a, bool b, bool c) =>
        Sigma.Compile(Searches + "\ncondition: " + condition)(
            Sigma.Audit("Op", properties: [("A", a ? "1" : "0"), ("B", b ? "1" : "0"), ("C", c ? "1" : "0")]));

    public static TheoryData<string, Func<bool, bool, bool, bool>> Forms => new()
    {
        { "op and sel_a", (a, _, _) => a },
        { "op and sel_a or op and sel_b", (a, b, _) => a || b },
        { "op and (sel_a or sel_b)", (a, b, _) => a || b },
        { "op and not sel_a", (a, _, _) => !a },
        { "op and not not sel_a", (a, _, _) => a },
        { "op and not sel_a and sel_b", (a, b, _) => !a && b },
        { "op and not (sel_a and sel_b)", (a, b, _) => !(a && b) },
        { "op and 1 of sel_*", (a, b, _) => a || b },
        { "op and all of sel_*", (a, b, _) => a && b },
        { "op and not 1 of sel_*", (a, b, _) => !(a || b) },
        { "all of them", (a, b, _) => a && b },
        { "op and 1 of s*", (a, b, _) => a || b },
        { "op and 1 of _hid*", (_, _, c) => c },
        { "op AND sel_a OR op AND _hidden", (a, _, c) => a || c },
        { "op and ((sel_a))", (a, _, _) => a },
    };

    [Theory]
    [MemberData(nameof(Forms))]
    public void Condition_forms(string condition, Func<bool, bool, bool, bool> expected)
    {
        foreach (var a in new[] { false, true })
        {
            foreach (var b in new[] { false, true })
            {
                foreach (var c in new[] { false, true })
                {
                    Assert.True(expected(a, b, c) == Eval(condition, a, b, c), $"{condition} with A={a} B={b} C={c}");
                }
            }
        }
    }

    [Fact]
    public void One_of_them_leaves_out_underscore_identifiers()
    {
        // 1 of them = op or sel_a or sel_b; "op" is true for every activity here, so only the operation pin matters:
        // with _hidden included the operations could not be pinned differently, so check the tree instead.
        var policy = Sigma.One(Sigma.Rule(Searches + "\ncondition: op and 1 of them"));
        var all = Assert.IsType<AllCondition>(policy.Conditions);
        Assert.Equal(3, Assert.IsType<AnyCondition>(all.Conditions[1]).Conditions.Count);
    }

    [Fact]
    public void A_list_of_conditions_is_an_or()
    {
        var f = Sigma.Compile(Searches + "\ncondition:\n    - op and sel_a\n    - op and sel_b");
        Assert.True(f(Sigma.Audit("Op", properties: ("B", "1"))));
        Assert.False(f(Sigma.Audit("Op", properties: ("C", "1"))));
    }

    [Fact]
    public void A_list_of_maps_is_an_or_and_a_map_is_an_and()
    {
        var f = Sigma.Compile("sel:\n    - Operation: Op\n      A: '1'\n    - Operation: Op\n      B: '1'\ncondition: sel");
        Assert.True(f(Sigma.Audit("Op", properties: ("B", "1"))));
        Assert.True(f(Sigma.Audit("Op", properties: ("A", "1"))));
        Assert.False(f(Sigma.Audit("Op", properties: ("A", "0"))));
    }

    [Theory]
    [InlineData("op and", "ends where")]
    [InlineData("op and nope", "'nope' is not a search identifier")]
    [InlineData("op and 1 of zzz*", "matches no search identifier")]
    [InlineData("op and (sel_a", "')' was expected")]
    [InlineData("op sel_a", "unexpected 'sel_a'")]
    [InlineData("op | count() > 5", "aggregations")]
    [InlineData("op and any of sel_*", "'1 of'")]
    public void Bad_conditions_are_errors(string condition, string message)
    {
        var error = Sigma.Error(Sigma.Rule(Searches + "\ncondition: " + condition));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(18, error.Line);
    }

    [Fact]
    public void Operations_come_from_the_operation_selection()
    {
        var policy = Sigma.One(Sigma.Rule("sel:\n    Operation: [New-InboxRule, Set-InboxRule]\n    A: x\ncondition: sel"));
        Assert.Equal(["New-InboxRule", "Set-InboxRule"], policy.Operations);
    }

    [Fact]
    public void A_rule_that_does_not_pin_operations_is_an_error()
    {
        var error = Sigma.Error(Sigma.Rule("sel:\n    Operation: Op\nother:\n    A: x\ncondition: sel or other"));
        Assert.Contains("does not pin its operations", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Keyword_searches_are_errors()
    {
        var error = Sigma.Error(Sigma.Rule("keywords:\n    - evil\ncondition: keywords"));
        Assert.Contains("keyword search", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(63, false)]
    [InlineData(64, true)]
    [InlineData(100_000, true)]
    public void Parentheses_nested_more_than_64_levels_are_a_load_error_not_a_stack_overflow(int extra, bool refused)
    {
        // "op and (" + extra more levels: extra + 1 levels in all.
        var condition = "op and " + new string('(', extra + 1) + "sel_a" + new string(')', extra + 1);
        if (refused)
        {
            Assert.Contains("more than 64 levels deep", Sigma.Error(Sigma.Rule(Searches + "\ncondition: " + condition)).Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.True(Eval(condition, a: true, b: false, c: false));
            Assert.False(Eval(condition, a: false, b: false, c: false));
        }
    }

    [Theory]
    [InlineData(30, false)]
    [InlineData(65, true)]
    [InlineData(100_000, true)]
    public void Not_chained_more_than_64_times_is_a_load_error_not_a_stack_overflow(int nots, bool refused)
    {
        var condition = "op and " + string.Concat(Enumerable.Repeat("not ", nots)) + "sel_a";
        if (refused)
        {
            Assert.Contains("more than 64 levels deep", Sigma.Error(Sigma.Rule(Searches + "\ncondition: " + condition)).Message, StringComparison.Ordinal);
        }
        else
        {
            Assert.Equal(nots % 2 == 0, Eval(condition, a: true, b: false, c: false));
        }
    }

    [Fact]
    public void A_condition_the_engine_would_refuse_is_a_load_error_naming_the_rule()
    {
        // 40 nested "(sel_b or …)" are within the parser's 64 levels but deeper than the engine's 32 condition levels.
        var condition = "op and " + string.Concat(Enumerable.Repeat("(sel_b or ", 40)) + "sel_a" + new string(')', 40);
        var error = Sigma.Error(Sigma.Rule(Searches + "\ncondition: " + condition));
        Assert.Equal("rule-1", error.RuleId);
        Assert.Contains("the engine refuses the policy this rule compiles to: conditions are nested more than 32 levels deep", error.Message, StringComparison.Ordinal);
    }
}
