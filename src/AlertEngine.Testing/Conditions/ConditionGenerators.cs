using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing;

/// <summary>
/// FsCheck generators for condition trees of bounded depth whose leaves use the values of the
/// <see cref="ActivityGenerators"/> pools (in random letter case, plus the odd value that matches nothing), so that
/// generated conditions match a good share of generated activities. Every condition kind is generated: all/any/not
/// (empty lists included), users, ipAddresses (IPv4, IPv6, single addresses, IPv4-mapped networks, <c>0.0.0.0/0</c>,
/// <c>::/0</c>), fileNames and urls globs, userTags, and property equals/in/matches on top-level fields and properties.
/// </summary>
/// <remarks>
/// Use <see cref="Conditions"/> (depth up to 3) or <see cref="ConditionsOfDepth"/>, or register the class with FsCheck
/// (<c>[Property(Arbitrary = [typeof(ConditionGenerators)])]</c>) to get <see cref="ArbitraryCondition"/>, which
/// shrinks a tree to its subtrees and shortens its lists.
/// </remarks>
public static class ConditionGenerators
{
    /// <summary>Networks <c>ipAddresses</c> leaves use, as CIDR text.</summary>
    public static IReadOnlyList<string> Networks { get; } =
    [
        "10.0.0.0/8", "10.1.0.0/16", "10.1.2.3/32", "192.168.0.0/24", "172.16.0.0/12", "0.0.0.0/0",
        "2001:db8::/32", "2001:db8:1::/48", "2001:db8::1/128", "fe80::/10", "::/0", "::1/128",
        "::ffff:10.0.0.0/104", "::ffff:192.168.0.7/128",
    ];

    /// <summary>Globs <c>fileNames</c> leaves use.</summary>
    public static IReadOnlyList<string> FileNamePatterns { get; } =
    [
        "*.xlsx", "*.PDF", "payroll*", "report?.pdf", "report*.pdf", "*", "?", "*.*", "*roll*", "budget.docx",
        "*.tar.gz", "README", "*e*e*", "notes.txt?", "",
    ];

    /// <summary>Globs <c>urls</c> leaves (and <c>matches</c> on <c>objectId</c>) use.</summary>
    public static IReadOnlyList<string> UrlPatterns { get; } =
    [
        "https://contoso.sharepoint.com/sites/hr/*", "*/sites/FINANCE/*", "*.xlsx", "*?web=1", "https://contoso.sharepoint.com*",
        @"C:\share\*", "/srv/*", "*@contoso.com", "*", "*#*", "https://contoso.sharepoint.com/sites/??/*",
    ];

    /// <summary>Property and field names <c>property</c> leaves use: the top-level fields (in various cases),
    /// properties that activities carry, and one they never carry.</summary>
    public static IReadOnlyList<string> PropertyNames { get; } =
        ["userId", "clientIp", "objectId", "workload", "operation", "Workload", "CLIENTIP", "FileName", "MalwareFamily", "recipient", "Missing"];

    /// <summary>Users, addresses, tags… that no generated activity has.</summary>
    private static readonly string Stranger = "mallory@fabrikam.com";

    /// <summary>Leaf conditions (every kind but all/any/not).</summary>
    public static Gen<Condition> Leaves { get; } = Gen.OneOf(
        ListOf(ActivityGenerators.FromPool(ActivityGenerators.Users)).Select(v => (Condition)new UsersCondition(v)),
        ListOf(Gen.Elements(Networks.ToArray()).Select(IPNetwork.Parse)).Select(v => (Condition)new IpAddressesCondition(v)),
        ListOf(Gen.Elements(FileNamePatterns.ToArray())).Select(v => (Condition)new FileNamesCondition(v)),
        ListOf(Gen.Elements(UrlPatterns.ToArray())).Select(v => (Condition)new UrlsCondition(v)),
        ListOf(ActivityGenerators.FromPool(ActivityGenerators.UserTags)).Select(v => (Condition)new UserTagsCondition(v)),
        Gen.Elements(PropertyNames.ToArray()).SelectMany(PropertyConditions));

    /// <summary>Condition trees of depth up to 3 (declared after <see cref="Leaves"/>, which it uses).</summary>
    public static Gen<Condition> Conditions { get; } = ConditionsOfDepth(3);

    /// <summary>Condition trees of depth up to <paramref name="maxDepth"/> (0: a single leaf).</summary>
    /// <param name="maxDepth">The maximum number of all/any/not levels above the leaves.</param>
    /// <returns>The generator.</returns>
    public static Gen<Condition> ConditionsOfDepth(int maxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxDepth);
        if (maxDepth == 0)
        {
            return Leaves;
        }

        var child = ConditionsOfDepth(maxDepth - 1);
        var children = Gen.Choose(0, 3).SelectMany(n => Gen.ArrayOf(child, n));
        return Gen.Frequency(
            (3, Leaves),
            (1, children.Select(c => (Condition)new AllCondition(c))),
            (1, children.Select(c => (Condition)new AnyCondition(c))),
            (1, child.Select(c => (Condition)new NotCondition(c))));
    }

    /// <summary>The FsCheck arbitrary: <see cref="Conditions"/> with <see cref="Shrink"/>.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<Condition> ArbitraryCondition() => Arb.From(Conditions, Shrink);

    /// <summary>
    /// Smaller versions of <paramref name="condition"/>: for all/any/not its children, then the list with one child
    /// removed, then the list with one child shrunk; for a leaf with several values, the leaf with one value removed.
    /// </summary>
    /// <param name="condition">The condition.</param>
    /// <returns>The shrink candidates.</returns>
    public static IEnumerable<Condition> Shrink(Condition condition)
    {
        ArgumentNullException.ThrowIfNull(condition);
        return condition switch
        {
            AllCondition all => ShrinkComposite(all.Conditions, c => new AllCondition(c)),
            AnyCondition any => ShrinkComposite(any.Conditions, c => new AnyCondition(c)),
            NotCondition not => [not.Condition, .. Shrink(not.Condition).Select(c => new NotCondition(c))],
            UsersCondition users => WithoutOne(users.Users).Select(v => new UsersCondition(v)),
            IpAddressesCondition ips => WithoutOne(ips.Ranges).Select(v => new IpAddressesCondition(v)),
            FileNamesCondition files => WithoutOne(files.Patterns).Select(v => new FileNamesCondition(v)),
            UrlsCondition urls => WithoutOne(urls.Patterns).Select(v => new UrlsCondition(v)),
            UserTagsCondition tags => WithoutOne(tags.Tags).Select(v => new UserTagsCondition(v)),
            PropertyCondition { Operator: PropertyOperator.In } p => WithoutOne(p.Values).Select(v => p with { Values = v }),
            _ => [],
        };
    }

    private static Gen<Condition> PropertyConditions(string name)
    {
        var values = ValuesFor(name);
        var globs = GlobsFor(name);
        return Gen.OneOf(
            values.Select(v => (Condition)new PropertyCondition(name, PropertyOperator.Equals, [v])),
            ListOf(values).Select(v => (Condition)new PropertyCondition(name, PropertyOperator.In, v)),
            globs.Select(v => (Condition)new PropertyCondition(name, PropertyOperator.Matches, [v])));
    }

    private static Gen<string> ValuesFor(string name) => name.ToUpperInvariant() switch
    {
        "USERID" or "RECIPIENT" => Sometimes(ActivityGenerators.FromPool(ActivityGenerators.Users), Stranger),
        "CLIENTIP" => Gen.Elements(
            [.. ActivityGenerators.IpAddresses, "2001:DB8:0:0::1", "::ffff:10.1.9.9", "10.1.2.4", "not-an-address", "10.1.2.3:443"]),
        "OBJECTID" => Sometimes(ActivityGenerators.ObjectIds, Stranger),
        "WORKLOAD" => Sometimes(ActivityGenerators.FromPool(ActivityGenerators.Workloads), "Teams"),
        "OPERATION" => Sometimes(ActivityGenerators.FromPool(ActivityGenerators.Operations), "FileRenamed"),
        "FILENAME" => Sometimes(ActivityGenerators.FromPool(ActivityGenerators.FileNames), string.Empty),
        "MALWAREFAMILY" => Sometimes(ActivityGenerators.FromPool(ActivityGenerators.MalwareFamilies), "Zeus"),
        _ => Gen.Elements("x", string.Empty),
    };

    private static Gen<string> GlobsFor(string name) => name.ToUpperInvariant() switch
    {
        "USERID" or "RECIPIENT" => Gen.Elements("*@contoso.com", "ALICE@*", "?ob@contoso.com", "*backup*", "*"),
        "CLIENTIP" => Gen.Elements("10.*", "10.1.?.3", "2001:db8:*", "*::1", "FE80::*", "*.7", "::ffff:*", "*"),
        "OBJECTID" => Gen.Elements(UrlPatterns.ToArray()),
        "FILENAME" => Gen.Elements(FileNamePatterns.ToArray()),
        _ => Gen.Elements("*", "?", "*e*", "E*", "*t", "*o*t*"),
    };

    /// <summary>Mostly a value from the pool; once in a while one that no activity has.</summary>
    private static Gen<string> Sometimes(Gen<string> pool, string other) =>
        Gen.Frequency((6, pool), (1, Gen.Constant(other)));

    /// <summary>Lists of 0 to 3 values (empty lists, which match nothing, are rare).</summary>
    private static Gen<IReadOnlyList<T>> ListOf<T>(Gen<T> value) =>
        Gen.Frequency((1, Gen.Constant(0)), (6, Gen.Choose(1, 3)))
            .SelectMany(n => Gen.ArrayOf(value, n))
            .Select(a => (IReadOnlyList<T>)a);

    private static IEnumerable<Condition> ShrinkComposite(IReadOnlyList<Condition> children, Func<IReadOnlyList<Condition>, Condition> make)
    {
        foreach (var child in children)
        {
            yield return child;
        }

        foreach (var fewer in WithoutOne(children))
        {
            yield return make(fewer);
        }

        for (var i = 0; i < children.Count; i++)
        {
            foreach (var smaller in Shrink(children[i]))
            {
                var copy = children.ToArray();
                copy[i] = smaller;
                yield return make(copy);
            }
        }
    }

    private static IEnumerable<IReadOnlyList<T>> WithoutOne<T>(IReadOnlyList<T> values)
    {
        for (var i = 0; i < values.Count; i++)
        {
            var copy = values.ToList();
            copy.RemoveAt(i);
            yield return copy;
        }
    }
}
