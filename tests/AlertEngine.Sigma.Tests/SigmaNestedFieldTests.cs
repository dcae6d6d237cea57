namespace AlertEngine.Sigma.Tests;

/// <summary>
/// Rules that name nested fields with dotted paths (<c>Parameters.Name</c>, <c>ModifiedProperties.NewValue</c>), the
/// way SigmaHQ's Microsoft 365 rules do. They need the dotted paths of <c>property</c> conditions (interchange spec,
/// conditions: "a dotted path into a property that holds JSON"), which land separately (branch activity-input): until
/// then these tests fail, because a dotted name is looked up as a plain property key.
/// </summary>
public sealed class SigmaNestedFieldTests
{
    private static Func<Activity, bool> Rule(string detection) => Sigma.Compile(detection);

    [Fact]
    public void Forwarding_rule_by_parameter_name()
    {
        var f = Rule("""
            selection:
                Operation: [New-InboxRule, Set-InboxRule]
                Parameters.Name: [ForwardTo, ForwardAsAttachmentTo, RedirectTo]
            condition: selection
            """);
        var activities = M365RuleTests.Activities();
        Assert.True(f(activities[0]));
        Assert.True(f(activities[1]));
        Assert.False(f(activities[2]));
    }

    [Fact]
    public void Forwarding_to_an_outside_address_by_parameter_value()
    {
        var f = Rule("""
            selection:
                Operation: New-InboxRule
                Parameters.Value|endswith: '@evil.example'
            condition: selection
            """);
        var activities = M365RuleTests.Activities();
        Assert.True(f(activities[0]));
        Assert.False(f(activities[2]));
    }

    [Fact]
    public void Mfa_removed_by_modified_property()
    {
        var f = Rule("""
            selection:
                Operation: Update user.
                ModifiedProperties.Name: StrongAuthenticationRequirement
                ModifiedProperties.NewValue: '[]'
            condition: selection
            """);
        var activities = M365RuleTests.Activities();
        Assert.True(f(activities[3]));
        Assert.False(f(activities[4]));
    }

    [Fact]
    public void Actor_and_target_ids()
    {
        var f = Rule("""
            selection:
                Operation: Update user.
                Target.ID: bob@contoso.com
                Actor.ID|startswith: admin@
            condition: selection
            """);
        var activities = M365RuleTests.Activities();
        Assert.True(f(activities[3]));
        Assert.False(f(activities[4]));
    }
}
