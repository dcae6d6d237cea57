using System.Globalization;

namespace AlertEngine;

/// <summary>
/// Reads a trigger's <c>field</c> from an activity as text, like a <c>property</c> condition does (a top-level field, or
/// a key of the properties), without allocating: <c>clientIp</c> is formatted into the caller's buffer in its normalised
/// form (IPv4-mapped IPv6 as IPv4), the same text as <see cref="ActivityFields.Read"/>. Resolved once; immutable.
/// </summary>
internal sealed class FieldText
{
    /// <summary>A buffer long enough for any address's text.</summary>
    public const int BufferLength = 64;

    private readonly ActivityField _field;

    public FieldText(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Name = name;
        _field = ActivityFields.Resolve(name);
    }

    /// <summary>The field name as given.</summary>
    public string Name { get; }

    /// <summary>Reads the value; false when the activity has none (missing or empty).</summary>
    /// <param name="activity">The activity.</param>
    /// <param name="buffer">At least <see cref="BufferLength"/> characters, for <c>clientIp</c>.</param>
    /// <param name="value">The value, valid while the buffer is.</param>
    public bool TryRead(Activity activity, Span<char> buffer, out ReadOnlySpan<char> value)
    {
        if (_field == ActivityField.ClientIp)
        {
            var ip = activity.ClientIp;
            if (ip is null)
            {
                value = default;
                return false;
            }

            if (ip.IsIPv4MappedToIPv6)
            {
                ip = ip.MapToIPv4();
            }

            value = ip.TryFormat(buffer, out var written) ? buffer[..written] : ip.ToString();
            return value.Length != 0;
        }

        var text = ActivityFields.Read(activity, _field, Name);
        value = text;
        return !string.IsNullOrEmpty(text);
    }

    /// <summary>Parses a sum value: a finite invariant-culture number (<see cref="NumberStyles.Float"/>).</summary>
    public static bool TryParseNumber(ReadOnlySpan<char> text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);
}
