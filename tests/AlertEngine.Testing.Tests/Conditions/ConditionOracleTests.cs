using System.Net;

namespace AlertEngine.Testing.Tests.Conditions;

public class ConditionOracleTests
{
    private static Activity Make(string? objectId = null, string? clientIp = null, Dictionary<string, string>? properties = null) =>
        new("a1", ActivityGenerators.Epoch, "FileDeleted")
        {
            UserId = "alice@contoso.com",
            ObjectId = objectId,
            ClientIp = clientIp is null ? null : IPAddress.Parse(clientIp),
            Properties = properties ?? [],
        };

    [Theory]
    [InlineData("*.xlsx", "PAYROLL.xlsx", true)]
    [InlineData("report?.pdf", "report12.pdf", false)]
    [InlineData("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", false)]
    [InlineData("", "", true)]
    [InlineData("*", "", true)]
    public void Glob_follows_the_documented_rules(string pattern, string text, bool expected) =>
        Assert.Equal(expected, ConditionOracle.GlobMatches(pattern, text));

    [Theory]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx?web=1", "payroll.xlsx")]
    [InlineData("https://contoso.sharepoint.com/sites/hr/", "hr")]
    [InlineData("https://contoso.sharepoint.com", "")]
    [InlineData(@"C:\share\C#\notes.txt", "notes.txt")]
    [InlineData("/srv/a?b.txt", "a?b.txt")]
    [InlineData(null, "")]
    public void File_name_comes_from_the_object_id(string? objectId, string expected) =>
        Assert.Equal(expected, ConditionOracle.FileName(Make(objectId)));

    [Fact]
    public void File_name_property_wins()
    {
        var activity = Make("/srv/x.bin", properties: new(StringComparer.Ordinal) { ["FILENAME"] = "y.txt" });
        Assert.Equal("y.txt", ConditionOracle.FileName(activity));
    }

    [Fact]
    public void Evaluates_composites_and_ip_leaves()
    {
        var condition = new AllCondition(
        [
            new IpAddressesCondition([IPNetwork.Parse("::ffff:10.0.0.0/104")]),
            new NotCondition(new UsersCondition(["BOB@contoso.com"])),
            new AnyCondition([new FileNamesCondition(["*.txt"]), new PropertyCondition("clientIp", PropertyOperator.Equals, ["::ffff:10.1.2.3"])]),
        ]);
        Assert.True(ConditionOracle.Evaluate(condition, Make("/srv/x.bin", "10.1.2.3")));
        Assert.False(ConditionOracle.Evaluate(condition, Make("/srv/x.bin", "10.1.2.4")));
        Assert.True(ConditionOracle.Evaluate(condition, Make("/srv/x.txt", "10.1.2.4")));
        Assert.False(ConditionOracle.Evaluate(condition, Make("/srv/x.txt", null)));
        Assert.True(ConditionOracle.Evaluate(null, Make()));
    }

    [Fact]
    public void Describe_writes_conditions_in_the_policy_format()
    {
        var condition = new AllCondition(
        [
            new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]),
            new NotCondition(new UsersCondition(["svc-backup@contoso.com"])),
            new PropertyCondition("Workload", PropertyOperator.In, ["Exchange"]),
        ]);
        Assert.Equal(
            """{"all": [{"ipAddresses": ["10.0.0.0/8"]}, {"not": {"users": ["svc-backup@contoso.com"]}}, {"property": "Workload", "in": ["Exchange"]}]}""",
            Describe.Of(condition));
        Assert.Contains("\"clientIp\": \"10.1.2.3\"", Describe.Of(Make(clientIp: "10.1.2.3")), StringComparison.Ordinal);
    }
}
