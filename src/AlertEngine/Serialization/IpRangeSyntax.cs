using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace AlertEngine;

/// <summary>
/// Parses the entries of an <c>ipAddresses</c> condition: an IPv4 or IPv6 address, or a CIDR range
/// (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>), strictly.
/// </summary>
/// <remarks>
/// IPv4 must be four decimal parts without leading zeros (<c>010.0.0.1</c> would be octal to some parsers and
/// <c>10.1</c> shorthand to others, so both are rejected). IPv6 zone ids (<c>%eth0</c>) are rejected. A range whose
/// address has bits set beyond the prefix (<c>10.1.2.3/8</c>) is an error rather than silently widened, because it is
/// usually a mistake for <c>10.1.2.3</c> alone or for <c>10.0.0.0/8</c>; the message names both.
/// An address alone is the range of full prefix length (/32 or /128).
/// </remarks>
internal static class IpRangeSyntax
{
    /// <summary>Parses one entry.</summary>
    /// <param name="text">The text.</param>
    /// <param name="range">The network when valid.</param>
    /// <param name="error">Why the text is not valid.</param>
    /// <returns>Whether the text is valid.</returns>
    public static bool TryParse(string text, out IPNetwork range, out string error)
    {
        range = default;
        error = string.Empty;
        if (text.Length == 0)
        {
            error = "must not be empty; expected an IP address or a CIDR range such as 10.0.0.0/8";
            return false;
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var addressText = slash < 0 ? text.AsSpan() : text.AsSpan(0, slash);
        if (!TryParseAddress(addressText, out var address))
        {
            error = JsonPaths.Quote(text) + " is not an IP address or CIDR range; expected e.g. 10.1.2.3, 10.0.0.0/8 or 2001:db8::/32";
            return false;
        }

        var maxPrefix = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (slash < 0)
        {
            range = new IPNetwork(address, maxPrefix);
            return true;
        }

        var prefixText = text.AsSpan(slash + 1);
        if (prefixText.Length is 0 or > 3
            || (prefixText.Length > 1 && prefixText[0] == '0')
            || !int.TryParse(prefixText, NumberStyles.None, CultureInfo.InvariantCulture, out var prefix)
            || prefix > maxPrefix)
        {
            error = JsonPaths.Quote(text) + " has an invalid prefix length; expected /0 to /" + maxPrefix.ToString(CultureInfo.InvariantCulture);
            return false;
        }

        var network = Mask(address, prefix);
        if (!network.Equals(address))
        {
            error = JsonPaths.Quote(text) + " has host bits set beyond the /" + prefix.ToString(CultureInfo.InvariantCulture)
                + " prefix; write " + network + "/" + prefix.ToString(CultureInfo.InvariantCulture)
                + " for the range, or " + address + " for the single address";
            return false;
        }

        range = new IPNetwork(address, prefix);
        return true;
    }

    /// <summary>Writes a range as <see cref="TryParse"/> reads it: the address alone for a full-length prefix, else CIDR.</summary>
    /// <param name="range">The range.</param>
    /// <returns>The text.</returns>
    public static string Format(IPNetwork range)
    {
        var maxPrefix = range.BaseAddress.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        return range.PrefixLength == maxPrefix ? range.BaseAddress.ToString() : range.ToString();
    }

    private static bool TryParseAddress(ReadOnlySpan<char> text, out IPAddress address)
    {
        address = IPAddress.None;
        if (text.Contains(':'))
        {
            foreach (var c in text)
            {
                if (!char.IsAsciiHexDigit(c) && c is not ':' and not '.')
                {
                    return false;
                }
            }

            return IPAddress.TryParse(text, out address!) && address.AddressFamily == AddressFamily.InterNetworkV6;
        }

        var parts = 0;
        var digits = 0;
        var value = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i == text.Length || text[i] == '.')
            {
                if (digits == 0 || value > 255)
                {
                    return false;
                }

                parts++;
                digits = 0;
                value = 0;
                continue;
            }

            var c = text[i];
            if (!char.IsAsciiDigit(c) || (digits == 1 && value == 0))
            {
                return false; // not a digit, or a leading zero
            }

            if (++digits > 3)
            {
                return false;
            }

            value = (value * 10) + (c - '0');
        }

        return parts == 4 && IPAddress.TryParse(text, out address!);
    }

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var bitsHere = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - bitsHere));
        }

        return new IPAddress(bytes);
    }
}
