namespace AlertEngine;

/// <summary>
/// The field a trigger reads its value from (<c>field</c> of <c>distinct</c>, <c>newValue</c>, <c>sum</c>): a top-level
/// field or a key of the properties, resolved once. Reads without allocating: <c>clientIp</c> is formatted into the
/// caller's buffer in its normalised text form (an IPv4-mapped IPv6 address as IPv4).
/// </summary>
internal sealed class TriggerField
{
    /// <summary>A buffer long enough for any address's text (IPv6 with a scope id is at most 65 characters).</summary>
    public const int BufferLength = 80;

    private readonly ActivityField _field;

    public TriggerField(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _field = ActivityFields.Resolve(name);
    }

    /// <summary>The field name as given.</summary>
    public string Name { get; }

    /// <summary>Whether the field is read as text as it is (every field but <c>clientIp</c>): then <see cref="ReadText"/> applies.</summary>
    public bool IsText => _field != ActivityField.ClientIp;

    /// <summary>The value of a text field (<see cref="IsText"/>), <see langword="null"/> or empty when it has none.</summary>
    public string? ReadText(Activity activity) => ActivityFields.Read(activity, _field, Name);

    /// <summary>The activity's value, or an empty span when it has none (missing or empty).</summary>
    /// <param name="activity">The activity.</param>
    /// <param name="buffer">At least <see cref="BufferLength"/> characters, used for <c>clientIp</c>.</param>
    public ReadOnlySpan<char> Read(Activity activity, Span<char> buffer)
    {
        if (_field != ActivityField.ClientIp)
        {
            return ActivityFields.Read(activity, _field, Name);
        }

        if (activity.ClientIp is not { } ip)
        {
            return default;
        }

        if (ip.IsIPv4MappedToIPv6)
        {
            ip = ip.MapToIPv4();
        }

        return ip.TryFormat(buffer, out var written) ? buffer[..written] : ip.ToString();
    }
}
