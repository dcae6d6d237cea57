namespace AlertEngine;

/// <summary>
/// A field name as conditions (and Sigma rules) use it, resolved once: a top-level field, a key of the properties, or a
/// dotted path into a property that holds JSON. Immutable; <see cref="AnyValue{TMatcher}"/> is thread-safe and does
/// not allocate once the activity's JSON property has been parsed (the first time any path reads it).
/// </summary>
/// <remarks>
/// <para>The rule, in order:</para>
/// <list type="number">
/// <item><description><c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>, <c>operation</c>
/// (case-insensitive) name the top-level field; a property of that name is never consulted. <c>clientIp</c> is its
/// text form, an IPv4-mapped IPv6 address written as IPv4.</description></item>
/// <item><description>Otherwise, when the activity has a property whose key is the whole name (case-insensitive, dots
/// included), its value is the one value reached, even when it holds JSON.</description></item>
/// <item><description>Otherwise, when the name has dots and no empty segment (<c>Parameters.Name</c>), the first
/// segment names a property (case-insensitive) whose value is JSON text of an object or array, and the other segments
/// name members inside it: member names match case-insensitively (every member of that name when an object repeats
/// one); a path through an array reaches every element (nested arrays too) without using up a segment; a path that
/// ends on an array reaches every element; a path that ends on an object reaches its raw JSON text; strings are
/// reached unescaped, numbers and booleans as their JSON text; JSON null and a segment that meets a string, number
/// or boolean reach nothing. A property that is not JSON of an object or array reaches nothing.</description></item>
/// </list>
/// <para>A condition on the path holds when any value reached matches.</para>
/// </remarks>
internal sealed class FieldPath
{
    private readonly string[] _segments;

    private FieldPath(string name, ActivityField field, string? root, string[] segments)
    {
        Name = name;
        Field = field;
        Root = root;
        _segments = segments;
    }

    /// <summary>The name as given.</summary>
    public string Name { get; }

    /// <summary>The top-level field, or <see cref="ActivityField.Property"/>.</summary>
    public ActivityField Field { get; }

    /// <summary>The property a dotted path starts from (its first segment); <see langword="null"/> when the name is not a dotted path.</summary>
    public string? Root { get; }

    /// <summary>Whether the name is a dotted path (besides being a possible property key).</summary>
    public bool IsDotted => Root is not null;

    /// <summary>The member names after <see cref="Root"/>; empty when the name is not a dotted path.</summary>
    public ReadOnlySpan<string> Segments => _segments;

    /// <summary>Resolves a name once.</summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is null or empty.</exception>
    public static FieldPath Parse(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        var field = ActivityFields.Resolve(name);
        if (field != ActivityField.Property || name.IndexOf('.', StringComparison.Ordinal) < 0)
        {
            return new FieldPath(name, field, null, []);
        }

        var parts = name.Split('.');
        foreach (var part in parts)
        {
            if (part.Length == 0)
            {
                return new FieldPath(name, field, null, []);
            }
        }

        return new FieldPath(name, field, parts[0], parts[1..]);
    }

    /// <summary>Whether any value the name reaches in <paramref name="activity"/> satisfies <paramref name="matcher"/>.</summary>
    public bool AnyValue<TMatcher>(Activity activity, ref TMatcher matcher)
        where TMatcher : struct, IFieldValueMatcher, allows ref struct
    {
        switch (Field)
        {
            case ActivityField.Property:
                break;
            case ActivityField.ClientIp:
                if (activity.ClientIp is not { } ip)
                {
                    return false;
                }

                Span<char> buffer = stackalloc char[IpAddressText.MaxLength];
                return matcher.Matches(IpAddressText.Format(ip, buffer));
            default:
                return ActivityFields.Read(activity, Field, Name) is { } text && matcher.Matches(text);
        }

        if (activity.TryGetProperty(Name, out var value))
        {
            return matcher.Matches(value);
        }

        if (Root is null || activity.JsonProperty(Root) is not { Entries.Length: > 0 } tree)
        {
            return false;
        }

        return Walk(tree, 0, 0, ref matcher);
    }

    /// <summary>Walks entry <paramref name="index"/> with the segments from <paramref name="segment"/> on.</summary>
    private bool Walk<TMatcher>(JsonPropertyTree tree, int index, int segment, ref TMatcher matcher)
        where TMatcher : struct, IFieldValueMatcher, allows ref struct
    {
        var entries = tree.Entries;
        ref readonly var entry = ref entries[index];
        if (entry.Kind == System.Text.Json.JsonValueKind.Array)
        {
            for (var child = index + 1; child < entry.End; child = entries[child].End)
            {
                if (Walk(tree, child, segment, ref matcher))
                {
                    return true;
                }
            }

            return false;
        }

        if (segment == _segments.Length)
        {
            return entry.Kind switch
            {
                System.Text.Json.JsonValueKind.Null => false,
                _ => matcher.Matches(tree.Text(entry)),
            };
        }

        if (entry.Kind != System.Text.Json.JsonValueKind.Object)
        {
            return false;
        }

        var name = _segments[segment];
        for (var child = index + 1; child < entry.End; child = entries[child].End)
        {
            if (string.Equals(entries[child].Name, name, StringComparison.OrdinalIgnoreCase) && Walk(tree, child, segment + 1, ref matcher))
            {
                return true;
            }
        }

        return false;
    }
}
