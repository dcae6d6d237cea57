namespace AlertEngine;

/// <summary>The kind of key a trigger keeps its state per (every trigger type but every-time).</summary>
public enum TriggerScopeKind
{
    /// <summary>Per user id (default).</summary>
    User,
    /// <summary>One count for the whole organization.</summary>
    Organization,
    /// <summary>Per value of property <c>MalwareFamily</c>.</summary>
    MalwareFamily,
    /// <summary>Per value of property <c>Recipient</c>.</summary>
    Recipient,
    /// <summary>Over all messages; the same as <see cref="Organization"/>.</summary>
    AllMessages,
    /// <summary>Per value of a named field or property.</summary>
    Property,
    /// <summary>Per combination of the values of several fields or properties (Sigma's <c>group-by</c>); not part of
    /// the JSON policy format.</summary>
    Properties,
}

/// <summary>What a trigger keeps its state per (threshold, anomaly, distinct, newValue, absence, spike and sum; an
/// every-time trigger has no scope): <c>user</c>, <c>organization</c>, <c>malwareFamily</c>,
/// <c>recipient</c>, <c>allMessages</c> or <c>property:&lt;Name&gt;</c>.</summary>
public sealed record TriggerScope
{
    private TriggerScope(TriggerScopeKind kind, string? propertyName, IReadOnlyList<string>? propertyNames = null)
    {
        Kind = kind;
        PropertyName = propertyName;
        PropertyNames = propertyNames ?? (propertyName is null ? [] : [propertyName]);
    }

    /// <summary>Per user.</summary>
    public static TriggerScope User { get; } = new(TriggerScopeKind.User, null);

    /// <summary>The whole organization.</summary>
    public static TriggerScope Organization { get; } = new(TriggerScopeKind.Organization, null);

    /// <summary>Per malware family.</summary>
    public static TriggerScope MalwareFamily { get; } = new(TriggerScopeKind.MalwareFamily, null);

    /// <summary>Per recipient.</summary>
    public static TriggerScope Recipient { get; } = new(TriggerScopeKind.Recipient, null);

    /// <summary>All messages (same as organization).</summary>
    public static TriggerScope AllMessages { get; } = new(TriggerScopeKind.AllMessages, null);

    /// <summary>The scope kind.</summary>
    public TriggerScopeKind Kind { get; }

    /// <summary>The field or property name when <see cref="Kind"/> is <see cref="TriggerScopeKind.Property"/>.</summary>
    public string? PropertyName { get; }

    /// <summary>The field or property names the key is made of: one for <see cref="TriggerScopeKind.Property"/>, two or
    /// more for <see cref="TriggerScopeKind.Properties"/>, none otherwise.</summary>
    public IReadOnlyList<string> PropertyNames { get; }

    /// <summary>Whether every activity falls under one key.</summary>
    public bool IsSingleKey => Kind is TriggerScopeKind.Organization or TriggerScopeKind.AllMessages;

    /// <summary>Per value of a field (<c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>, <c>operation</c>) or property.</summary>
    /// <param name="name">The field or property name.</param>
    /// <returns>The scope.</returns>
    public static TriggerScope Property(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new(TriggerScopeKind.Property, name);
    }

    /// <summary>
    /// Per combination of the values of several fields or properties (each named as for <see cref="Property"/>): the
    /// key is the values joined with U+001F; an activity without a value for one of them has no key. One name gives
    /// <see cref="Property"/>. This scope has no form in the JSON policy format (it comes from Sigma's
    /// <c>group-by</c>); its <see cref="ToString"/> is <c>properties:A,B</c>, which <see cref="TryParse"/> does not read.
    /// </summary>
    /// <param name="names">The field or property names, at least one.</param>
    /// <returns>The scope.</returns>
    public static TriggerScope Properties(IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        if (names.Count == 0)
        {
            throw new ArgumentException("At least one name is needed.", nameof(names));
        }

        foreach (var name in names)
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(name, nameof(names));
        }

        return names.Count == 1 ? Property(names[0]) : new(TriggerScopeKind.Properties, null, names.ToArray());
    }

    /// <summary>Whether both scopes are of the same kind with the same names (compared exactly).</summary>
    /// <param name="other">The other scope.</param>
    /// <returns>Whether they are equal.</returns>
    public bool Equals(TriggerScope? other) =>
        other is not null
        && Kind == other.Kind
        && string.Equals(PropertyName, other.PropertyName, StringComparison.Ordinal)
        && PropertyNames.SequenceEqual(other.PropertyNames, StringComparer.Ordinal);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Kind, PropertyName, PropertyNames.Count);

    /// <summary>Parses the JSON form (<c>user</c>, <c>organization</c>, …, <c>property:Name</c>), case-insensitively.</summary>
    /// <param name="text">The text.</param>
    /// <param name="scope">The scope when valid.</param>
    /// <returns>Whether the text is a valid scope.</returns>
    public static bool TryParse(string? text, out TriggerScope scope)
    {
        scope = User;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        const string prefix = "property:";
        if (text.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            var name = text[prefix.Length..];
            if (string.IsNullOrWhiteSpace(name))
            {
                return false;
            }

            scope = Property(name);
            return true;
        }

        switch (text.ToUpperInvariant())
        {
            case "USER": scope = User; return true;
            case "ORGANIZATION": scope = Organization; return true;
            case "MALWAREFAMILY": scope = MalwareFamily; return true;
            case "RECIPIENT": scope = Recipient; return true;
            case "ALLMESSAGES": scope = AllMessages; return true;
            default: return false;
        }
    }

    /// <summary>The JSON form.</summary>
    /// <returns><c>user</c>, <c>organization</c>, …, or <c>property:Name</c>.</returns>
    public override string ToString() => Kind switch
    {
        TriggerScopeKind.User => "user",
        TriggerScopeKind.Organization => "organization",
        TriggerScopeKind.MalwareFamily => "malwareFamily",
        TriggerScopeKind.Recipient => "recipient",
        TriggerScopeKind.AllMessages => "allMessages",
        TriggerScopeKind.Properties => "properties:" + string.Join(',', PropertyNames),
        _ => "property:" + PropertyName,
    };
}
