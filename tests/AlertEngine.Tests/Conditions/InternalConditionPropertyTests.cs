using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Conditions;

/// <summary>
/// The internal conditions rule formats produce (<see cref="RegexCondition"/>, <see cref="NumberCondition"/>,
/// <see cref="NetworkCondition"/>, <see cref="FieldRefCondition"/>) against a naive oracle: the values a name reaches are
/// the top-level field's text, the property's whole value, or <see cref="ConditionOracle.PathValues"/> (a
/// <c>JsonDocument</c> walk), and each value is tested with plain library calls (a backtracking <see cref="Regex"/>,
/// <see cref="IPAddress.TryParse(string?, out IPAddress?)"/>, string equality).
/// </summary>
public class InternalConditionPropertyTests
{
    private static readonly string[] Texts =
    [
        "x", "X", "", "é", "10", "2.5", "-3", "1e1", "abc", "2026-03-01T03:15:00Z", "2026-12-31T23:59:00+05:00", "2026-03-01",
        "10.1.2.3", "11.0.0.1", "::ffff:10.1.2.3", "2001:db8::5", "2001:DB8:0:0:0:0:0:9", "2001:db8::1%eth0", "1.2.3", "256.1.1.1",
        "1::2::3", "host", "10.1.2.3:80", "::", "::1", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:1.2.3.4",
    ];

    private static readonly Gen<string> JsonText =
        from size in Gen.Choose(0, 8)
        from json in Gen.OneOf(
            DottedPathPropertyTests.Json(size),
            Gen.Elements(Texts).ListOf().Select(l => "[" + string.Join(",", l.Take(3).Select(t => "{\"a\":\"" + t + "\"}")) + "]"))
        select json;

    private static readonly Gen<Activity> Activities =
        from user in Gen.Elements<string?>(null, "x", "X", "10", "10.1.2.3", "2026-03-01T03:15:00Z")
        from ip in Gen.Elements<string?>(null, "10.1.2.3", "2001:db8::5", "::ffff:10.1.2.3")
        from n in Gen.Elements(Texts)
        from json in JsonText
        select new Activity("x", TestData.T0, "Op")
        {
            UserId = user,
            ClientIp = ip is null ? null : IPAddress.Parse(ip),
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["N"] = n, ["P"] = json },
        };

    private static readonly string[] Names = ["userId", "clientIp", "N", "n", "P", "P.a", "P.A", "P.b", "Missing", "Q.a"];

    private static readonly Gen<Condition> Conditions = Gen.OneOf(
        from name in Gen.Elements(Names)
        from pattern in Gen.Elements("^x", "x$", "a", "^$", "[0-9]", "é", "^10\\.", ":", "^2026-03")
        from ignoreCase in Gen.Elements(false, true)
        select (Condition)new RegexCondition(name, pattern, ignoreCase, false, true),
        from name in Gen.Elements(Names)
        from comparison in Gen.Elements(Enum.GetValues<NumberComparison>())
        from part in Gen.Elements(Enum.GetValues<DatePart>())
        from value in Gen.Elements(-3.0, 2.5, 3, 10, 15, 2026, 53)
        select (Condition)new NumberCondition(name, comparison, value, part),
        from name in Gen.Elements(Names)
        from networks in Gen.Elements("10.0.0.0/8", "10.1.2.3/32", "2001:db8::/32", "::/0", "0.0.0.0/0", "::ffff:10.0.0.0/104").NonEmptyListOf()
        select (Condition)new NetworkCondition(name, [.. networks.Take(2).Select(IPNetwork.Parse)]),
        from name in Gen.Elements(Names)
        from other in Gen.Elements(Names)
        from cased in Gen.Elements(false, true)
        select (Condition)new FieldRefCondition(name, other, cased));

    [Property(MaxTest = 3000)]
    public Property Compiled_internal_condition_agrees_with_the_oracle() =>
        Prop.ForAll(Activities.ToArbitrary(), Conditions.ToArbitrary(), (activity, condition) =>
        {
            var compiled = condition.Compile();
            var first = compiled(activity);
            var second = compiled(activity);
            var expected = Oracle(condition, activity);
            return (first == expected && second == expected).Label(
                $"compiled {first}/{second}, oracle {expected}; {condition}; user {activity.UserId}, ip {activity.ClientIp}, N = {activity.Properties["N"]}, P = {activity.Properties["P"]}");
        });

    [Fact]
    public void A_regex_on_a_dotted_path_or_the_client_ip_does_not_allocate()
    {
        var activity = new Activity("x", TestData.T0, "Op")
        {
            ClientIp = IPAddress.Parse("10.1.2.3"),
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["Parameters"] = """[{"Name":"Identity","Value":"alice"},{"Name":"ForwardTo","Value":"x@evil.com"}]""",
            },
        };
        var onPath = new RegexCondition("Parameters.Value", "@evil\\.com$", true, false, true).Compile();
        var onIp = new RegexCondition("ClientIP", "^10\\.", false, false, true).Compile();
        var number = new NumberCondition("Parameters.Value", NumberComparison.Greater, 1, DatePart.None).Compile();
        var network = new NetworkCondition("Parameters.Value", [IPNetwork.Parse("10.0.0.0/8")]).Compile();
        var fieldRef = new FieldRefCondition("Parameters.Value", "Parameters.Name", false).Compile();
        Assert.True(onPath(activity) && onIp(activity));
        Assert.False(number(activity) || network(activity) || fieldRef(activity));
        var bytes = Allocations.FewestBytesPerPass(pass =>
        {
            for (var i = 0; i < 1000; i++)
            {
                _ = onPath(activity) & onIp(activity) & number(activity) & network(activity) & fieldRef(activity);
            }
        });
        Assert.Equal(0, bytes);
    }

    private static bool Oracle(Condition condition, Activity activity) => condition switch
    {
        RegexCondition r => Reached(activity, r.Property).Any(v => new Regex(r.Pattern, (r.IgnoreCase ? RegexOptions.IgnoreCase : RegexOptions.None) | RegexOptions.CultureInvariant | RegexOptions.Singleline).IsMatch(v)),
        NumberCondition n => Reached(activity, n.Property).Any(v => Number(v, n.Part) is { } x && n.Comparison switch
        {
            NumberComparison.Less => x < n.Value,
            NumberComparison.LessOrEqual => x <= n.Value,
            NumberComparison.Greater => x > n.Value,
            NumberComparison.GreaterOrEqual => x >= n.Value,
            _ => x == n.Value,
        }),
        NetworkCondition c => string.Equals(c.Property, "clientIp", StringComparison.OrdinalIgnoreCase)
            ? activity.ClientIp is { } ip && c.Ranges.Any(r => InNetwork(ip, r))
            : Reached(activity, c.Property).Any(v => Address(v) is { } a && c.Ranges.Any(r => InNetwork(a, r))),
        FieldRefCondition f => Reached(activity, f.Property).Any(a => Reached(activity, f.OtherProperty).Any(b =>
            string.Equals(a, b, f.Cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase))),
        _ => throw new ArgumentException(condition.ToString()),
    };

    private static List<string> Reached(Activity activity, string name)
    {
        if (string.Equals(name, "userId", StringComparison.OrdinalIgnoreCase))
        {
            return activity.UserId is { } u ? [u] : [];
        }

        if (string.Equals(name, "clientIp", StringComparison.OrdinalIgnoreCase))
        {
            return activity.ClientIp is { } ip ? [(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip).ToString()] : [];
        }

        return activity.Properties.TryGetValue(name, out var whole) ? [whole] : [.. ConditionOracle.PathValues(activity, name)];
    }

    private static double? Number(string text, DatePart part)
    {
        if (part == DatePart.None)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && double.IsFinite(x) ? x : null;
        }

        // Dates only with a full ISO 8601 date: nothing taken from the wall clock.
        if (!System.Text.RegularExpressions.Regex.IsMatch(text, @"^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ]|$)")
            || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var d))
        {
            return null;
        }

        return part switch
        {
            DatePart.Minute => d.Minute,
            DatePart.Hour => d.Hour,
            DatePart.Day => d.Day,
            DatePart.Week => ISOWeek.GetWeekOfYear(d.DateTime),
            DatePart.Month => d.Month,
            _ => d.Year,
        };
    }

    /// <summary>An address in its plain text: four decimal octets, or IPv6 (colons); IPAddress.TryParse's other forms
    /// (1.2.3, hexadecimal, brackets, ports) are not addresses here.</summary>
    private static IPAddress? Address(string text)
    {
        var ipv6 = text.Contains(':', StringComparison.Ordinal);
        if (!ipv6 && (text.Split('.') is not { Length: 4 } parts || parts.Any(p => p.Length is 0 or > 3 || !p.All(char.IsAsciiDigit))))
        {
            return null;
        }

        // No brackets, and an IPv4 tail is the last group (a ':port' after a dotted address is not an address).
        if (ipv6 && (text.Contains('[', StringComparison.Ordinal) || text.Contains(']', StringComparison.Ordinal)
            || (text.Contains('.', StringComparison.Ordinal) && text.LastIndexOf(':') > text.IndexOf('.', StringComparison.Ordinal))))
        {
            return null;
        }

        return IPAddress.TryParse(text, out var address) ? address : null;
    }

    private static bool InNetwork(IPAddress address, IPNetwork network)
    {
        var a = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        var n = network.BaseAddress;
        var prefix = network.PrefixLength;
        if (n.IsIPv4MappedToIPv6)
        {
            n = n.MapToIPv4();
            prefix = Math.Max(0, prefix - 96);
        }

        if (a.AddressFamily != n.AddressFamily)
        {
            return false;
        }

        var x = a.GetAddressBytes();
        var y = n.GetAddressBytes();
        for (var bit = 0; bit < prefix; bit++)
        {
            var mask = 0x80 >> (bit % 8);
            if ((x[bit / 8] & mask) != (y[bit / 8] & mask))
            {
                return false;
            }
        }

        return true;
    }
}
