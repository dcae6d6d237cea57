using System.Globalization;
using System.Text;

namespace AlertEngine;

/// <summary>
/// Parses and formats the fixed-length subset of ISO-8601 durations: <c>PnW</c>, <c>PnD</c> and the time part
/// <c>TnHnMnS</c> (<c>PT10M</c>, <c>P7D</c>, <c>P1DT12H</c>, <c>PT1H30M</c>, <c>PT0.5S</c>).
/// </summary>
/// <remarks>
/// Years and months are rejected because they have no fixed length. Designators are matched case-insensitively and
/// must appear in the order W, D, T, H, M, S, each at most once. Only the seconds may have a fraction (<c>.</c> or
/// <c>,</c>, at most 7 digits: TimeSpan's 100 ns resolution). Signs are rejected. <see cref="Format"/> writes the
/// canonical form (days, hours, minutes, seconds; never weeks), which <see cref="TryParse"/> reads back exactly.
/// </remarks>
internal static class IsoDuration
{
    private const string Expected = "expected an ISO-8601 duration such as PT10M, PT1H30M or P7D";
    private const int MaxIntegerDigits = 18;
    private const int MaxFractionDigits = 7;

    /// <summary>Parses a duration.</summary>
    /// <param name="text">The text.</param>
    /// <param name="value">The duration when valid.</param>
    /// <param name="error">Why the text is not valid, as a message for a validation error.</param>
    /// <returns>Whether the text is valid.</returns>
    public static bool TryParse(string text, out TimeSpan value, out string error)
    {
        value = TimeSpan.Zero;
        error = string.Empty;
        if (text.Length == 0)
        {
            error = "must not be empty; " + Expected;
            return false;
        }

        if (text[0] == '-')
        {
            error = JsonPaths.Quote(text) + " is negative; durations must be positive";
            return false;
        }

        if (text[0] is not ('P' or 'p'))
        {
            error = JsonPaths.Quote(text) + " is not a duration; " + Expected;
            return false;
        }

        Int128 ticks = 0;
        var i = 1;
        var order = -1;
        var components = 0;
        var inTime = false;
        var timeComponents = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (c is 'T' or 't')
            {
                if (inTime)
                {
                    return Fail(text, out error);
                }

                inTime = true;
                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && char.IsAsciiDigit(text[i]))
            {
                i++;
            }

            var integerDigits = i - start;
            if (integerDigits == 0)
            {
                return Fail(text, out error);
            }

            var integerPart = text.AsSpan(start, integerDigits);
            var fractionPart = ReadOnlySpan<char>.Empty;
            if (i < text.Length && text[i] is '.' or ',')
            {
                var fractionStart = ++i;
                while (i < text.Length && char.IsAsciiDigit(text[i]))
                {
                    i++;
                }

                fractionPart = text.AsSpan(fractionStart, i - fractionStart);
                if (fractionPart.IsEmpty)
                {
                    return Fail(text, out error);
                }
            }

            if (i == text.Length)
            {
                return Fail(text, out error);
            }

            var designator = char.ToUpperInvariant(text[i++]);
            int position;
            long unit;
            if (!inTime)
            {
                switch (designator)
                {
                    case 'Y':
                    case 'M':
                        error = JsonPaths.Quote(text) + " uses years or months, which have no fixed length; use days (e.g. P30D)";
                        return false;
                    case 'W': position = 0; unit = TimeSpan.TicksPerDay * 7; break;
                    case 'D': position = 1; unit = TimeSpan.TicksPerDay; break;
                    default: return Fail(text, out error);
                }
            }
            else
            {
                switch (designator)
                {
                    case 'H': position = 2; unit = TimeSpan.TicksPerHour; break;
                    case 'M': position = 3; unit = TimeSpan.TicksPerMinute; break;
                    case 'S': position = 4; unit = TimeSpan.TicksPerSecond; break;
                    default: return Fail(text, out error);
                }

                timeComponents++;
            }

            if (position <= order)
            {
                return Fail(text, out error);
            }

            if (!fractionPart.IsEmpty && designator != 'S')
            {
                error = JsonPaths.Quote(text) + " has a fraction on a component other than seconds; write e.g. PT1H30M instead of PT1.5H";
                return false;
            }

            if (fractionPart.Length > MaxFractionDigits)
            {
                error = JsonPaths.Quote(text) + " has more than 7 fractional digits of seconds (the resolution is 100 ns)";
                return false;
            }

            if (integerDigits > MaxIntegerDigits)
            {
                return TooLarge(text, out error);
            }

            order = position;
            components++;
            ticks += (Int128)long.Parse(integerPart, NumberStyles.None, CultureInfo.InvariantCulture) * unit;
            if (!fractionPart.IsEmpty)
            {
                var fraction = long.Parse(fractionPart, NumberStyles.None, CultureInfo.InvariantCulture);
                for (var k = fractionPart.Length; k < MaxFractionDigits; k++)
                {
                    fraction *= 10;
                }

                ticks += fraction;
            }

            if (ticks > TimeSpan.MaxValue.Ticks)
            {
                return TooLarge(text, out error);
            }
        }

        if (components == 0 || (inTime && timeComponents == 0))
        {
            return Fail(text, out error);
        }

        value = new TimeSpan((long)ticks);
        return true;
    }

    /// <summary>Formats a duration canonically: <c>PT0S</c>, <c>P7D</c>, <c>PT1H30M</c>, <c>P1DT0.5S</c>.</summary>
    /// <param name="value">The duration.</param>
    /// <returns>The ISO-8601 text (with a leading <c>-</c> when negative, which <see cref="TryParse"/> rejects).</returns>
    public static string Format(TimeSpan value)
    {
        if (value == TimeSpan.Zero)
        {
            return "PT0S";
        }

        var sb = new StringBuilder(16);
        var ticks = (Int128)value.Ticks;
        if (ticks < 0)
        {
            sb.Append('-');
            ticks = -ticks;
        }

        sb.Append('P');
        var days = ticks / TimeSpan.TicksPerDay;
        var rest = (long)(ticks % TimeSpan.TicksPerDay);
        if (days > 0)
        {
            sb.Append(days.ToString(CultureInfo.InvariantCulture)).Append('D');
        }

        if (rest > 0)
        {
            sb.Append('T');
            var hours = rest / TimeSpan.TicksPerHour;
            var minutes = rest % TimeSpan.TicksPerHour / TimeSpan.TicksPerMinute;
            var seconds = rest % TimeSpan.TicksPerMinute / TimeSpan.TicksPerSecond;
            var fraction = rest % TimeSpan.TicksPerSecond;
            if (hours > 0)
            {
                sb.Append(hours.ToString(CultureInfo.InvariantCulture)).Append('H');
            }

            if (minutes > 0)
            {
                sb.Append(minutes.ToString(CultureInfo.InvariantCulture)).Append('M');
            }

            if (seconds > 0 || fraction > 0)
            {
                sb.Append(seconds.ToString(CultureInfo.InvariantCulture));
                if (fraction > 0)
                {
                    sb.Append('.').Append(fraction.ToString("D7", CultureInfo.InvariantCulture).TrimEnd('0'));
                }

                sb.Append('S');
            }
        }

        return sb.ToString();
    }

    private static bool Fail(string text, out string error)
    {
        error = JsonPaths.Quote(text) + " is not a valid duration; " + Expected;
        return false;
    }

    private static bool TooLarge(string text, out string error)
    {
        error = JsonPaths.Quote(text) + " is too large (the maximum is about 29,000 years)";
        return false;
    }
}
