using System.Net;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// The internal extension of the policy JSON (engine checkpoints, the Orleans definition hash) for what Sigma rules
/// produce and the public format does not define: the public format refuses it, the extension round-trips it exactly
/// and reports bad values with their JSON paths.
/// </summary>
public class ExtendedPolicyJsonTests
{
    private static AlertPolicy Policy(Condition condition) => new()
    {
        Id = "s",
        Name = "s",
        Operations = ["Set-Mailbox"],
        Conditions = condition,
    };

    public static TheoryData<string> Conditions() =>
    [
        nameof(NumberCondition),
        nameof(NumberCondition) + "/hour",
        nameof(NetworkCondition),
        nameof(FieldRefCondition),
        nameof(FieldRefCondition) + "/cased",
        nameof(RegexCondition),
    ];

    private static Condition Make(string name) => name switch
    {
        nameof(NumberCondition) => new NumberCondition("Count", NumberComparison.GreaterOrEqual, 2.5, DatePart.None),
        nameof(NumberCondition) + "/hour" => new NumberCondition("Seen", NumberComparison.Less, 6, DatePart.Hour),
        nameof(NetworkCondition) => new NetworkCondition("Parameters.Value", [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("2001:db8::/32")]),
        nameof(FieldRefCondition) => new FieldRefCondition("Target", "UserId", false),
        nameof(FieldRefCondition) + "/cased" => new FieldRefCondition("Target", "UserId", true),
        _ => new RegexCondition("Parameters.Value", "^x", true, false, true),
    };

    [Theory]
    [MemberData(nameof(Conditions))]
    public void The_extension_round_trips_exactly_and_the_public_format_refuses_it(string name)
    {
        var policy = Policy(new AllCondition([new NotCondition(Make(name))]));
        var json = PolicySerializer.SaveExtended(policy);
        var loaded = PolicySerializer.LoadExtended(json);
        Assert.True(loaded.IsValid, string.Join("; ", loaded.Errors));
        var again = Assert.Single(loaded.Value);
        Assert.Equal(policy.Conditions, again.Conditions, new ConditionRecordComparer());
        Assert.True(PolicyEquality.SameDetection(policy, again));
        Assert.Equal(json, PolicySerializer.SaveExtended(again));
        Assert.Throws<NotSupportedException>(() => PolicySerializer.Save([policy]));
        Assert.False(PolicySerializer.Load(json).IsValid);
    }

    [Theory]
    [InlineData("""{"property": "Count", "compare": "lt"}""", "[0].conditions.number", "is required")]
    [InlineData("""{"property": "Count", "compare": "less", "number": 1}""", "[0].conditions.compare", "")]
    [InlineData("""{"property": "Count", "compare": "lt", "number": "1"}""", "[0].conditions.number", "must be a number")]
    [InlineData("""{"property": "Seen", "compare": "lt", "number": 1, "datePart": "fortnight"}""", "[0].conditions.datePart", "")]
    [InlineData("""{"property": "Ip", "cidr": ["10.0.0.0/33"]}""", "[0].conditions.cidr[0]", "")]
    [InlineData("""{"property": "Ip", "cidr": []}""", "[0].conditions.cidr", "")]
    [InlineData("""{"fieldRef": "UserId"}""", "[0].conditions", "need a property")]
    [InlineData("""{"property": "Target", "fieldRef": "UserId", "cased": "yes"}""", "[0].conditions.cased", "must be true or false")]
    public void Bad_extension_values_are_reported_with_their_paths(string condition, string pathEnd, string message)
    {
        var json = $$"""[{"id": "s", "name": "s", "activities": ["X"], "conditions": {{condition}}}]""";
        var loaded = PolicySerializer.LoadExtended(json);
        Assert.False(loaded.IsValid);
        Assert.Contains(loaded.Errors, e => e.Path.EndsWith(pathEnd, StringComparison.Ordinal) && e.Message.Contains(message, StringComparison.Ordinal));
    }

    /// <summary>Record equality, with lists compared by their elements.</summary>
    private sealed class ConditionRecordComparer : IEqualityComparer<Condition?>
    {
        public bool Equals(Condition? x, Condition? y) => (x, y) switch
        {
            (AllCondition a, AllCondition b) => a.Conditions.SequenceEqual(b.Conditions, this),
            (NotCondition a, NotCondition b) => Equals(a.Condition, b.Condition),
            (NetworkCondition a, NetworkCondition b) => a.Property == b.Property && a.Ranges.SequenceEqual(b.Ranges),
            _ => object.Equals(x, y),
        };

        public int GetHashCode(Condition? obj) => 0;
    }
}
