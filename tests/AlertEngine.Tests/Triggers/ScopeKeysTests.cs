namespace AlertEngine.Tests.Triggers;

public class ScopeKeysTests
{
    private static readonly Activity Full = new("a1", DateTimeOffset.UnixEpoch, "MalwareDetected")
    {
        UserId = "alice@contoso.com",
        Workload = "Exchange",
        Properties = new Dictionary<string, string> { ["malwarefamily"] = "Emotet", ["Recipient"] = "bob@contoso.com", ["Empty"] = "" },
    };

    private static readonly Activity Bare = new("a2", DateTimeOffset.UnixEpoch, "MalwareDetected");

    [Theory]
    [InlineData("user", "alice@contoso.com")]
    [InlineData("organization", "")]
    [InlineData("allMessages", "")]
    [InlineData("malwareFamily", "Emotet")]
    [InlineData("recipient", "bob@contoso.com")]
    [InlineData("property:workload", "Exchange")]
    [InlineData("property:Recipient", "bob@contoso.com")]
    public void Reads_the_key_of_each_scope(string scope, string expected)
    {
        Assert.True(TriggerScope.TryParse(scope, out var parsed));
        Assert.Equal(expected, ScopeKeys.Reader(parsed)(Full));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("malwareFamily")]
    [InlineData("recipient")]
    [InlineData("property:workload")]
    [InlineData("property:Empty")]
    public void A_missing_or_empty_value_reads_as_null(string scope)
    {
        Assert.True(TriggerScope.TryParse(scope, out var parsed));
        Assert.Null(ScopeKeys.Reader(parsed)(scope == "property:Empty" ? Full : Bare));
    }

    [Fact]
    public void Single_key_scopes_never_read_null()
    {
        Assert.Equal(string.Empty, ScopeKeys.Reader(TriggerScope.Organization)(Bare));
        Assert.Equal(string.Empty, ScopeKeys.Reader(TriggerScope.AllMessages)(Bare));
    }
}
