namespace AlertEngine.Tests.Triggers;

public class TriggerScopeTests
{
    [Theory]
    [InlineData("user", TriggerScopeKind.User)]
    [InlineData("USER", TriggerScopeKind.User)]
    [InlineData("organization", TriggerScopeKind.Organization)]
    [InlineData("malwareFamily", TriggerScopeKind.MalwareFamily)]
    [InlineData("recipient", TriggerScopeKind.Recipient)]
    [InlineData("allMessages", TriggerScopeKind.AllMessages)]
    public void Parses_named_scopes_case_insensitively(string text, TriggerScopeKind kind)
    {
        Assert.True(TriggerScope.TryParse(text, out var scope));
        Assert.Equal(kind, scope.Kind);
    }

    [Fact]
    public void Parses_property_scope_and_keeps_the_name()
    {
        Assert.True(TriggerScope.TryParse("property:Recipient", out var scope));
        Assert.Equal(TriggerScopeKind.Property, scope.Kind);
        Assert.Equal("Recipient", scope.PropertyName);
        Assert.Equal("property:Recipient", scope.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("property:")]
    [InlineData("property:  ")]
    [InlineData("tenant")]
    [InlineData(null)]
    public void Rejects_unknown_or_empty_scopes(string? text) => Assert.False(TriggerScope.TryParse(text, out _));

    [Fact]
    public void Organization_and_all_messages_are_single_key_scopes()
    {
        Assert.True(TriggerScope.Organization.IsSingleKey);
        Assert.True(TriggerScope.AllMessages.IsSingleKey);
        Assert.False(TriggerScope.User.IsSingleKey);
    }
}
