using System.Collections.Frozen;
using System.Net;
using System.Net.Sockets;

namespace AlertEngine;

/// <summary>
/// Compiles a condition tree once into a <see cref="Func{Activity, Boolean}"/> that evaluates an activity in
/// nanoseconds without allocating. No strings are parsed or generated at evaluation time.
/// </summary>
/// <remarks>
/// <para>The compiled delegate implements these rules (the JSON names are those of the policy format):</para>
/// <list type="bullet">
/// <item><description><b>No condition</b> (<see langword="null"/>): every activity matches.</description></item>
/// <item><description><b><c>all</c></b> (<see cref="AllCondition"/>): every child matches; an empty list matches every
/// activity. Children are evaluated in order and evaluation stops at the first that does not match.</description></item>
/// <item><description><b><c>any</c></b> (<see cref="AnyCondition"/>): at least one child matches; an empty list matches
/// no activity. Evaluation stops at the first child that matches.</description></item>
/// <item><description><b><c>not</c></b> (<see cref="NotCondition"/>): the child does not match. A missing value makes
/// the child not match, so <c>not</c> of it matches: <c>{"not": {"users": ["bob"]}}</c> matches activities without a
/// user id.</description></item>
/// <item><description><b><c>users</c></b> (<see cref="UsersCondition"/>): the user id equals one of the values,
/// compared with <see cref="StringComparison.OrdinalIgnoreCase"/>. No user id: no match.</description></item>
/// <item><description><b><c>ipAddresses</c></b> (<see cref="IpAddressesCondition"/>): the client IP lies in one of the
/// networks; a single address is a network of full prefix length (/32, /128). An IPv4-mapped IPv6 address
/// (<c>::ffff:10.1.2.3</c>), as an activity's address or as a network (<c>::ffff:10.0.0.0/104</c>), is treated as
/// the IPv4 address or network (<c>10.1.2.3</c>, <c>10.0.0.0/8</c>). Otherwise an address only lies in networks of its
/// own family: <c>::/0</c> holds every IPv6 address but no IPv4 address. IPv6 scope ids are ignored. No client IP: no
/// match.</description></item>
/// <item><description><b><c>fileNames</c></b> (<see cref="FileNamesCondition"/>): the file name matches one of the
/// globs. The file name is property <c>FileName</c> (key matched case-insensitively) when present and not empty;
/// otherwise the last path segment of the object id, segments separated by <c>/</c> or <c>\</c>, trailing separators
/// ignored. When the object id is a URL (contains <c>://</c>) its query string (<c>?…</c>) and fragment (<c>#…</c>)
/// are ignored, and a URL without a path (<c>https://contoso.com</c>) has no file name. No file name (or an empty
/// one): no match. Names are not URL-decoded.</description></item>
/// <item><description><b><c>urls</c></b> (<see cref="UrlsCondition"/>): the whole object id, query string included,
/// matches one of the globs (end a pattern with <c>*</c> to allow a query string). No object id: no
/// match.</description></item>
/// <item><description><b><c>userTags</c></b> (<see cref="UserTagsCondition"/>): at least one of the activity's tags
/// equals one of the values, compared with <see cref="StringComparison.OrdinalIgnoreCase"/>. No tags: no
/// match.</description></item>
/// <item><description><b><c>property</c></b> (<see cref="PropertyCondition"/>): the name is a top-level field when it is
/// <c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c> or <c>operation</c> (case-insensitive; a property
/// with one of these names is never consulted), and otherwise a key of the activity's properties (case-insensitive).
/// <c>equals</c> and <c>in</c>: the value equals the one value / one of the values, compared with
/// <see cref="StringComparison.OrdinalIgnoreCase"/> (an empty <c>in</c> list matches nothing). <c>matches</c>: the value
/// matches the glob. For <c>clientIp</c>, <c>equals</c> and <c>in</c> compare addresses, not text: each value is parsed
/// with <see cref="IPAddress.TryParse(string?, out IPAddress?)"/> (a value that is not an address never matches) and
/// compared as by <c>ipAddresses</c>, so <c>2001:DB8:0::1</c> equals <c>2001:db8::1</c>; <c>matches</c> globs the
/// address's text form as <see cref="IPAddress.ToString"/> writes it, an IPv4-mapped address written as IPv4. A
/// missing field or property never matches; an empty string is a value. A name with dots that is not a key of the
/// activity's properties is a dotted path into a property that holds JSON (<c>Parameters.Name</c>,
/// <c>ModifiedProperties.NewValue</c>): the first segment names the property, the others members inside it, matched
/// case-insensitively; a path through an array reaches every element; the condition holds when any value reached
/// matches (the full rule is on <c>docs/formats.md</c>, "Field names and dotted paths"). The property's JSON is parsed
/// once per activity, the first time a path reads it, and kept on the activity; evaluation then parses nothing and
/// allocates nothing.</description></item>
/// </list>
/// <para>
/// Globs (<c>fileNames</c>, <c>urls</c>, <c>matches</c>): <c>*</c> matches any run of characters, <c>/</c> included,
/// <c>?</c> exactly one character; every other character matches itself ignoring case (UTF-16 code units compared with
/// <see cref="StringComparison.OrdinalIgnoreCase"/>); the whole text must match; there is no escape character.
/// Matching never backtracks: its cost is bounded by text length × pattern length whatever the pattern.
/// </para>
/// <para>Strings compare with <see cref="StringComparison.OrdinalIgnoreCase"/> throughout: no culture is involved.</para>
/// <para>
/// Allocation: evaluation allocates nothing, with one exception outside this class's control. Properties are looked up
/// with <see cref="Activity.TryGetProperty"/>, which is allocation-free when the activity's property dictionary uses
/// <see cref="StringComparer.OrdinalIgnoreCase"/> or holds the key in exactly the case asked for; otherwise its
/// case-insensitive fallback enumerates the dictionary, and that enumerator is allocated. Build property dictionaries
/// with <see cref="StringComparer.OrdinalIgnoreCase"/>.
/// </para>
/// <para>
/// The compiled predicate is thread-safe and throws <see cref="ArgumentNullException"/> for a <see langword="null"/>
/// activity. Compile once per policy and reuse the predicate: compiling builds sets and globs.
/// </para>
/// </remarks>
public static class ConditionCompiler
{
    private static readonly Func<Activity, bool> Always = ConstantNode.True.Evaluate;

    // The name of the parameter a malformed tree is reported against.
    private static readonly string ConditionParameterName = "condition";

    /// <summary>Compiles <paramref name="condition"/> into a predicate; <see langword="null"/> matches every activity.</summary>
    /// <param name="condition">The condition tree, or <see langword="null"/>.</param>
    /// <returns>A thread-safe predicate that does not allocate. It throws <see cref="ArgumentNullException"/> for a
    /// <see langword="null"/> activity.</returns>
    /// <exception cref="ArgumentException">The tree is malformed: a <see langword="null"/> list, list element, child
    /// or property name, an <c>equals</c>/<c>matches</c> property condition without exactly one value, or an unknown
    /// operator. The message starts with the path of the problem, e.g. <c>condition.all[1].users[0]: must not be
    /// null.</c></exception>
    public static Func<Activity, bool> Compile(Condition? condition) =>
        condition is null ? Always : CompileNode(condition, "condition").Evaluate;

    private static ConditionNode CompileNode(Condition condition, string path) => condition switch
    {
        AllCondition all => CompileAll(CompileChildren(all.Conditions, path + ".all")),
        AnyCondition any => CompileAny(CompileChildren(any.Conditions, path + ".any")),
        NotCondition not => CompileNot(CompileNode(NotNull(not.Condition, path + ".not"), path + ".not")),
        UsersCondition users => InSet(ActivityField.UserId, "userId", CheckedStrings(users.Users, path + ".users")),
        IpAddressesCondition ips => CompileIpAddresses(ips.Ranges, path + ".ipAddresses"),
        FileNamesCondition files => NoneIfEmpty(Globs(files.Patterns, path + ".fileNames"), FileNameGlobs),
        UrlsCondition urls => NoneIfEmpty(Globs(urls.Patterns, path + ".urls"), globs => FieldGlob(ActivityField.ObjectId, "objectId", globs)),
        UserTagsCondition tags => CheckedStrings(tags.Tags, path + ".userTags") is { Count: > 0 } values
            ? new UserTagsNode(new CaseInsensitiveSet(values))
            : ConstantNode.False,
        PropertyCondition property => CompileProperty(property, path),
        RegexCondition regex => CompileRegex(regex, path),
        NumberCondition number => CompileNumber(number, path),
        FieldRefCondition fieldRef => CompileFieldRef(fieldRef, path),
        NetworkCondition network => CompileNetwork(network, path),
        _ => throw Malformed(path, $"unknown condition type {condition.GetType().Name}."),
    };

    private static ConditionNode[] CompileChildren(IReadOnlyList<Condition> children, string path)
    {
        NotNull(children, path);
        var compiled = new ConditionNode[children.Count];
        for (var i = 0; i < compiled.Length; i++)
        {
            var childPath = $"{path}[{i}]";
            compiled[i] = CompileNode(NotNull(children[i], childPath), childPath);
        }

        return compiled;
    }

    private static ConditionNode CompileAll(ConditionNode[] children) => children switch
    {
        [] => ConstantNode.True,
        [var only] => only,
        [LeafNode first, LeafNode second] => first.JoinWith(second, all: true),
        _ => new AllNode(children),
    };

    private static ConditionNode CompileAny(ConditionNode[] children) => children switch
    {
        [] => ConstantNode.False,
        [var only] => only,
        [LeafNode first, LeafNode second] => first.JoinWith(second, all: false),
        _ => new AnyNode(children),
    };

    private static ConditionNode CompileNot(ConditionNode child) =>
        child is ConstantNode constant ? (constant.Value ? ConstantNode.False : ConstantNode.True) : new NotNode(child);

    private static ConditionNode CompileIpAddresses(IReadOnlyList<IPNetwork> ranges, string path)
    {
        NotNull(ranges, path);
        var networks = new (IPAddress, int)[ranges.Count];
        for (var i = 0; i < networks.Length; i++)
        {
            networks[i] = (ranges[i].BaseAddress, ranges[i].PrefixLength);
        }

        return networks.Length == 0 ? ConstantNode.False : new LeafNode<ClientIpInRangesLeaf>(new(new IpRangeSet(networks)));
    }

    private static ConditionNode CompileProperty(PropertyCondition condition, string path)
    {
        if (string.IsNullOrWhiteSpace(condition.Property))
        {
            throw Malformed($"{path}.property", "must name a field or property.");
        }

        var valuesPath = $"{path}.{OperatorName(condition.Operator, path)}";
        var values = CheckedStrings(condition.Values, valuesPath);
        if (condition.Operator != PropertyOperator.In && values.Count != 1)
        {
            throw Malformed(valuesPath, $"needs exactly one value, got {values.Count}.");
        }

        var field = ActivityFields.Resolve(condition.Property);
        var fieldPath = FieldPath.Parse(condition.Property);
        if (fieldPath.IsDotted)
        {
            // A key with dots, else a dotted path into a property holding JSON.
            return condition.Operator == PropertyOperator.Matches
                ? new PathGlobNode(fieldPath, [GlobPattern.Create(values[0])])
                : values.Count == 0 ? ConstantNode.False : new PathInSetNode(fieldPath, new CaseInsensitiveSet(values));
        }

        if (condition.Operator == PropertyOperator.Matches)
        {
            var glob = GlobPattern.Create(values[0]);
            return field == ActivityField.ClientIp
                ? new ClientIpGlobNode(glob)
                : FieldGlob(field, condition.Property, [glob]);
        }

        if (field != ActivityField.ClientIp)
        {
            return InSet(field, condition.Property, values);
        }

        // equals / in on the client IP compare addresses: each value that parses is a one-address network.
        var addresses = new List<(IPAddress, int)>(values.Count);
        foreach (var value in values)
        {
            if (IPAddress.TryParse(value, out var address))
            {
                addresses.Add((address, address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128));
            }
        }

        return addresses.Count == 0 ? ConstantNode.False : new LeafNode<ClientIpInRangesLeaf>(new(new IpRangeSet(addresses)));
    }

    private static ConditionNode CompileRegex(RegexCondition condition, string path)
    {
        if (string.IsNullOrWhiteSpace(condition.Property))
        {
            throw Malformed($"{path}.property", "must name a field or property.");
        }

        NotNull(condition.Pattern, $"{path}.regex");
        System.Text.RegularExpressions.Regex regex;
        try
        {
            regex = condition.ToRegex();
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            throw Malformed($"{path}.regex", "is not a regular expression that runs without backtracking: " + e.Message);
        }

        // Dotted paths and the client IP (its text formatted on the stack) go through FieldPath, like property conditions.
        var fieldPath = FieldPath.Parse(condition.Property);
        return fieldPath.IsDotted || fieldPath.Field == ActivityField.ClientIp
            ? new PathRegexNode(fieldPath, regex)
            : new FieldRegexNode(fieldPath.Field, condition.Property, regex);
    }

    private static PathNumberNode CompileNumber(NumberCondition condition, string path)
    {
        if (string.IsNullOrWhiteSpace(condition.Property))
        {
            throw Malformed($"{path}.property", "must name a field or property.");
        }

        if (!double.IsFinite(condition.Value) || !Enum.IsDefined(condition.Comparison) || !Enum.IsDefined(condition.Part))
        {
            throw Malformed($"{path}.number", "must be a finite number with a known comparison and date part.");
        }

        return new PathNumberNode(FieldPath.Parse(condition.Property), condition.Comparison, condition.Value, condition.Part);
    }

    private static ConditionNode CompileNetwork(NetworkCondition condition, string path)
    {
        if (string.IsNullOrWhiteSpace(condition.Property))
        {
            throw Malformed($"{path}.property", "must name a field or property.");
        }

        var fieldPath = FieldPath.Parse(condition.Property);
        if (fieldPath.Field == ActivityField.ClientIp)
        {
            return CompileIpAddresses(condition.Ranges, path + ".cidr");
        }

        NotNull(condition.Ranges, path + ".cidr");
        var networks = new (IPAddress, int)[condition.Ranges.Count];
        for (var i = 0; i < networks.Length; i++)
        {
            networks[i] = (condition.Ranges[i].BaseAddress, condition.Ranges[i].PrefixLength);
        }

        return networks.Length == 0 ? ConstantNode.False : new PathInRangesNode(fieldPath, new IpRangeSet(networks));
    }

    private static FieldRefNode CompileFieldRef(FieldRefCondition condition, string path)
    {
        if (string.IsNullOrWhiteSpace(condition.Property))
        {
            throw Malformed($"{path}.property", "must name a field or property.");
        }

        if (string.IsNullOrWhiteSpace(condition.OtherProperty))
        {
            throw Malformed($"{path}.fieldRef", "must name a field or property.");
        }

        return new FieldRefNode(
            FieldPath.Parse(condition.Property),
            FieldPath.Parse(condition.OtherProperty),
            condition.Cased ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase);
    }

    // A string field (never the client IP) as a struct reader, so the leaf built over it reads the field inline.
    private static ConditionNode InSet(ActivityField field, string name, IReadOnlyList<string> values) =>
        values.Count == 0 ? ConstantNode.False : field switch
        {
            ActivityField.UserId => InSet(default(UserIdReader), values),
            ActivityField.ObjectId => InSet(default(ObjectIdReader), values),
            ActivityField.Workload => InSet(default(WorkloadReader), values),
            ActivityField.Operation => InSet(default(OperationReader), values),
            _ => InSet(new PropertyReader(name), values),
        };

    // One value is compared directly; more go into a frozen set.
    private static LeafNode InSet<TReader>(TReader reader, IReadOnlyList<string> values)
        where TReader : struct, IFieldReader =>
        values.Count == 1
            ? new LeafNode<FieldEqualsLeaf<TReader>>(new(reader, values[0]))
            : new LeafNode<FieldInSetLeaf<TReader>>(new(reader, values.ToFrozenSet(StringComparer.OrdinalIgnoreCase)));

    private static LeafNode FieldGlob(ActivityField field, string name, GlobPattern[] globs) => field switch
    {
        ActivityField.UserId => new LeafNode<FieldGlobLeaf<UserIdReader>>(new(default, globs)),
        ActivityField.ObjectId => globs is [{ AsciiSuffix: { } suffix }]
            ? new LeafNode<ObjectIdSuffixLeaf>(new(suffix))
            : new LeafNode<FieldGlobLeaf<ObjectIdReader>>(new(default, globs)),
        ActivityField.Workload => new LeafNode<FieldGlobLeaf<WorkloadReader>>(new(default, globs)),
        ActivityField.Operation => new LeafNode<FieldGlobLeaf<OperationReader>>(new(default, globs)),
        _ => new LeafNode<FieldGlobLeaf<PropertyReader>>(new(new PropertyReader(name), globs)),
    };

    private static LeafNode FileNameGlobs(GlobPattern[] globs) => globs is [{ AsciiSuffix: { } suffix }]
        ? new LeafNode<FileNameSuffixLeaf>(new(suffix))
        : new LeafNode<FileNameGlobLeaf>(new(globs));

    private static ConditionNode NoneIfEmpty(GlobPattern[] globs, Func<GlobPattern[], ConditionNode> make) =>
        globs.Length == 0 ? ConstantNode.False : make(globs);

    private static string OperatorName(PropertyOperator op, string path) => op switch
    {
        PropertyOperator.Equals => "equals",
        PropertyOperator.In => "in",
        PropertyOperator.Matches => "matches",
        _ => throw Malformed(path, $"unknown property operator {op}."),
    };

    private static GlobPattern[] Globs(IReadOnlyList<string> patterns, string path)
    {
        CheckedStrings(patterns, path);
        var globs = new GlobPattern[patterns.Count];
        for (var i = 0; i < globs.Length; i++)
        {
            globs[i] = GlobPattern.Create(patterns[i]);
        }

        return globs;
    }

    private static IReadOnlyList<string> CheckedStrings(IReadOnlyList<string> values, string path)
    {
        NotNull(values, path);
        for (var i = 0; i < values.Count; i++)
        {
            NotNull(values[i], $"{path}[{i}]");
        }

        return values;
    }

    private static T NotNull<T>(T? value, string path)
        where T : class =>
        value ?? throw Malformed(path, "must not be null.");

    private static ArgumentException Malformed(string path, string problem) => new($"{path}: {problem}", ConditionParameterName);
}
