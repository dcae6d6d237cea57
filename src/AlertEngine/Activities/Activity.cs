using System.Collections.Frozen;
using System.Net;

namespace AlertEngine;

/// <summary>
/// An audited user or admin action, shaped like a Microsoft 365 unified audit log record.
/// Immutable; safe to share between threads.
/// </summary>
/// <remarks>
/// <see cref="Time"/> is the event time: windows, baselines and aggregation run on it, never on the wall clock.
/// Property keys are matched case-insensitively.
/// </remarks>
public sealed class Activity
{
    private static readonly IReadOnlyDictionary<string, string> EmptyProperties =
        FrozenDictionary<string, string>.Empty;

    private readonly IReadOnlyList<string> _userTags = [];
    private readonly IReadOnlyDictionary<string, string> _properties = EmptyProperties;

    /// <summary>Creates an activity.</summary>
    /// <param name="id">The unique activity id (audit record id). Must not be empty.</param>
    /// <param name="time">The event time. Stored as UTC.</param>
    /// <param name="operation">The audited operation, e.g. <c>FileDeleted</c>. Must not be empty.</param>
    /// <exception cref="ArgumentException">An argument is null or empty.</exception>
    public Activity(string id, DateTimeOffset time, string operation)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        ArgumentException.ThrowIfNullOrEmpty(operation);
        Id = id;
        Time = time.ToUniversalTime();
        Operation = operation;
    }

    /// <summary>The unique activity id. Duplicates within the duplicate horizon are evaluated once.</summary>
    public string Id { get; }

    /// <summary>The event time, in UTC.</summary>
    public DateTimeOffset Time { get; }

    /// <summary>The audited operation, e.g. <c>FileDeleted</c> or <c>MailRedirect</c>.</summary>
    public string Operation { get; }

    /// <summary>The user who performed the action, usually a UPN; <see langword="null"/> when unknown.</summary>
    public string? UserId { get; init; }

    /// <summary>The client IP address (IPv4-mapped IPv6 addresses are stored as IPv4); <see langword="null"/> when unknown.</summary>
    public IPAddress? ClientIp { get; init; }

    /// <summary>The object acted on: a file path or URL, a mailbox, an eDiscovery case…</summary>
    public string? ObjectId { get; init; }

    /// <summary>The workload, e.g. <c>SharePoint</c> or <c>Exchange</c>.</summary>
    public string? Workload { get; init; }

    /// <summary>User tags, system or custom (e.g. <c>Priority account</c>). Never <see langword="null"/>.</summary>
    public IReadOnlyList<string> UserTags
    {
        get => _userTags;
        init => _userTags = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>
    /// Free-form properties (e.g. <c>MalwareFamily</c>, <c>Recipient</c>, <c>FileName</c>). Never <see langword="null"/>.
    /// Use <see cref="TryGetProperty"/> for a case-insensitive lookup whatever comparer the dictionary was built with.
    /// </summary>
    public IReadOnlyDictionary<string, string> Properties
    {
        get => _properties;
        init => _properties = value ?? throw new ArgumentNullException(nameof(value));
    }

    /// <summary>Looks up a property by name, case-insensitively.</summary>
    /// <param name="name">The property name.</param>
    /// <param name="value">The value when found.</param>
    /// <returns><see langword="true"/> when the property is present.</returns>
    public bool TryGetProperty(string name, out string value)
    {
        if (_properties.TryGetValue(name, out var v))
        {
            value = v;
            return true;
        }

        if (_properties.Count != 0 && !IsCaseInsensitive(_properties))
        {
            foreach (var pair in _properties)
            {
                if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    value = pair.Value;
                    return true;
                }
            }
        }

        value = string.Empty;
        return false;
    }

    private static bool IsCaseInsensitive(IReadOnlyDictionary<string, string> d) => d switch
    {
        Dictionary<string, string> x => ReferenceEquals(x.Comparer, StringComparer.OrdinalIgnoreCase),
        FrozenDictionary<string, string> f => ReferenceEquals(f.Comparer, StringComparer.OrdinalIgnoreCase),
        _ => false,
    };

    /// <inheritdoc />
    public override string ToString() => $"{Id} {Time:O} {Operation} {UserId}";
}
