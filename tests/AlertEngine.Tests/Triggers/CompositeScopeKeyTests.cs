using System.Net;

namespace AlertEngine.Tests.Triggers;

/// <summary>Composite scope keys (a Sigma group-by of several fields): the text, the missing-value rule, the same
/// string instance for the same key, no allocation in steady state, a bounded table.</summary>
public class CompositeScopeKeyTests
{
    private static Activity Make(string id, string? user, string? ip, string? target) => new(id, DateTimeOffset.UnixEpoch, "Op")
    {
        UserId = user,
        ClientIp = ip is null ? null : IPAddress.Parse(ip),
        Properties = target is null
            ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["Target"] = target },
    };

    private static readonly Func<Activity, string?> Reader = ScopeKeys.Reader(TriggerScope.Properties(["UserId", "ClientIP", "Target"]));

    [Theory]
    [InlineData("alice", "10.1.2.3", "mbx", "alice\u001f10.1.2.3\u001fmbx")]
    [InlineData("alice", "::ffff:10.1.2.3", "mbx", "alice\u001f10.1.2.3\u001fmbx")]
    [InlineData("alice", "2001:db8::1", "mbx", "alice\u001f2001:db8::1\u001fmbx")]
    [InlineData(null, "10.1.2.3", "mbx", null)]
    [InlineData("alice", null, "mbx", null)]
    [InlineData("alice", "10.1.2.3", "", null)]
    [InlineData("alice", "10.1.2.3", null, null)]
    public void The_key_is_the_values_joined_with_the_unit_separator_or_null_when_one_is_missing(string? user, string? ip, string? target, string? expected) =>
        Assert.Equal(expected, Reader(Make("a", user, ip, target)));

    [Fact]
    public void A_long_key_is_built_in_a_pooled_buffer()
    {
        var target = new string('x', 5000);
        Assert.Equal("alice\u001f10.1.2.3\u001f" + target, Reader(Make("a", "alice", "10.1.2.3", target)));
    }

    [Fact]
    public void The_same_key_is_the_same_string_instance()
    {
        var reader = ScopeKeys.Reader(TriggerScope.Properties(["UserId", "Target"]));
        var first = reader(Make("a", "alice", null, "mbx"));
        var second = reader(Make("b", new string("alice".AsSpan()), null, new string("mbx".AsSpan())));
        Assert.Same(first, second);
        Assert.NotSame(first, reader(Make("c", "alice", null, "MBX")));
    }

    [Fact]
    public void Reading_a_known_key_does_not_allocate()
    {
        var reader = ScopeKeys.Reader(TriggerScope.Properties(["UserId", "ClientIP", "Target"]));
        var activities = new Activity[64];
        for (var i = 0; i < activities.Length; i++)
        {
            activities[i] = Make("a" + i, "user" + (i % 8), "10.0.0." + (i % 4), "target" + (i % 16));
            _ = reader(activities[i]);
        }

        var bytes = Allocations.FewestBytesPerPass(pass =>
        {
            for (var round = 0; round < 100; round++)
            {
                foreach (var activity in activities)
                {
                    _ = reader(activity);
                }
            }
        });
        Assert.Equal(0, bytes);
    }

    [Fact]
    public void The_table_of_known_keys_is_bounded()
    {
        var key = new CompositeScopeKey(["UserId", "Target"]);
        for (var i = 0; i <= CompositeScopeKey.MaxKeys; i++)
        {
            Assert.Equal("u\u001f" + i, key.Read(Make("a", "u", null, i.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }

        Assert.True(key.KnownKeys <= CompositeScopeKey.MaxKeys, key.KnownKeys.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
