using System.Globalization;
using System.Text;

namespace AlertEngine;

/// <summary>
/// A position in the alert order (<see cref="AlertOrder"/>: created time, then policy id, then id), for keyset paging
/// with <see cref="AlertQuery.After"/>. <see cref="ToString"/> gives an opaque, URL-safe continuation token that
/// <see cref="TryParse"/> reads back.
/// </summary>
public sealed record AlertCursor
{
    /// <summary>Creates a cursor.</summary>
    /// <param name="createdAt">The alert's creation time.</param>
    /// <param name="policyId">The alert's policy id.</param>
    /// <param name="id">The alert id.</param>
    public AlertCursor(DateTimeOffset createdAt, string policyId, string id)
    {
        ArgumentNullException.ThrowIfNull(policyId);
        ArgumentNullException.ThrowIfNull(id);
        CreatedAt = createdAt;
        PolicyId = policyId;
        Id = id;
    }

    /// <summary>The creation time.</summary>
    public DateTimeOffset CreatedAt { get; }

    /// <summary>The policy id.</summary>
    public string PolicyId { get; }

    /// <summary>The alert id.</summary>
    public string Id { get; }

    /// <summary>The position of an alert: the next page starts after it.</summary>
    /// <param name="alert">The alert (usually the last of a page).</param>
    /// <returns>The cursor.</returns>
    public static AlertCursor From(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        return new(alert.CreatedAt, alert.PolicyId, alert.Id);
    }

    /// <summary>Compares this position with an alert's, in <see cref="AlertOrder"/>.</summary>
    /// <param name="alert">The alert.</param>
    /// <returns>Negative when this cursor is before the alert, zero at it, positive after it.</returns>
    public int CompareTo(Alert alert)
    {
        ArgumentNullException.ThrowIfNull(alert);
        var c = CreatedAt.UtcTicks.CompareTo(alert.CreatedAt.UtcTicks);
        if (c != 0)
        {
            return c;
        }

        c = string.CompareOrdinal(PolicyId, alert.PolicyId);
        return c != 0 ? c : string.CompareOrdinal(Id, alert.Id);
    }

    /// <summary>The continuation token: URL-safe base64 of the created time's UTC ticks, the policy id and the id.</summary>
    /// <returns>The token.</returns>
    public override string ToString()
    {
        var text = string.Create(CultureInfo.InvariantCulture, $"{CreatedAt.UtcTicks}:{PolicyId.Length}:{PolicyId}{Id}");
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>Reads a continuation token written by <see cref="ToString"/>.</summary>
    /// <param name="token">The token.</param>
    /// <param name="cursor">The cursor when the token is valid.</param>
    /// <returns>Whether the token is valid.</returns>
    public static bool TryParse(string? token, out AlertCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(token) || token.Length > 8192)
        {
            return false;
        }

        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        var bytes = new byte[base64.Length];
        if (!Convert.TryFromBase64String(base64, bytes, out var written))
        {
            return false;
        }

        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(bytes, 0, written);
        }
        catch (DecoderFallbackException)
        {
            return false;
        }

        var first = text.IndexOf(':', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf(':', first + 1);
        if (second < 0
            || !long.TryParse(text.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var ticks)
            || ticks > DateTimeOffset.MaxValue.UtcTicks
            || !int.TryParse(text.AsSpan(first + 1, second - first - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var policyLength)
            || policyLength > text.Length - second - 1)
        {
            return false;
        }

        var policyId = text.Substring(second + 1, policyLength);
        var id = text[(second + 1 + policyLength)..];
        cursor = new AlertCursor(new DateTimeOffset(ticks, TimeSpan.Zero), policyId, id);
        return true;
    }
}
