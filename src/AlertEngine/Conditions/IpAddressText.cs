using System.Net;

namespace AlertEngine;

/// <summary>Writes an address's text form without allocating.</summary>
internal static class IpAddressText
{
    /// <summary>Room for any address text, IPv6 with a scope id included.</summary>
    public const int MaxLength = 64;

    /// <summary>
    /// Writes the text <see cref="IPAddress.ToString"/> gives, except that an IPv4-mapped IPv6 address is written as
    /// IPv4 (<c>::ffff:10.1.2.3</c> → <c>10.1.2.3</c>), and returns the written part of <paramref name="buffer"/>.
    /// </summary>
    /// <param name="address">The address.</param>
    /// <param name="buffer">At least <see cref="MaxLength"/> characters.</param>
    public static ReadOnlySpan<char> Format(IPAddress address, Span<char> buffer)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            Span<byte> bytes = stackalloc byte[16];
            _ = address.TryWriteBytes(bytes, out _);
            var written = 0;
            for (var i = 12; i < 16; i++)
            {
                if (i > 12)
                {
                    buffer[written++] = '.';
                }

                _ = bytes[i].TryFormat(buffer[written..], out var n, provider: System.Globalization.CultureInfo.InvariantCulture);
                written += n;
            }

            return buffer[..written];
        }

        return address.TryFormat(buffer, out var length) ? buffer[..length] : throw new ArgumentException("The buffer is too small.", nameof(buffer));
    }
}
