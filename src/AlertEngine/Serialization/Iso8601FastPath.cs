namespace AlertEngine;

/// <summary>
/// Parses the common shapes of an ISO-8601 time straight from UTF-8 bytes, for the activity reader's hot path:
/// <c>yyyy-MM-ddTHH:mm:ss</c>, optionally followed by <c>.</c> and 1 to 7 fraction digits, optionally followed by
/// <c>Z</c> or an offset <c>+HH:mm</c> / <c>-HH:mm</c>. It answers only when sure: any other shape (a lower-case
/// <c>t</c> or <c>z</c>, more fraction digits, second 60, an offset of 14 hours or more, years before 1000 or after
/// 9998, and everything that is not a time) returns <see langword="false"/> and the caller falls back to the general
/// System.Text.Json parse, which decides. Stateless; thread-safe.
/// </summary>
internal static class Iso8601FastPath
{
    private const long TicksPerSecond = TimeSpan.TicksPerSecond;

    /// <summary>Parses <paramref name="text"/>; a time without an offset is UTC.</summary>
    /// <param name="text">The JSON string's content (no escapes).</param>
    /// <param name="utc">The time, converted to UTC (offset zero).</param>
    /// <returns>Whether the text had one of the shapes handled here and was a valid time.</returns>
    public static bool TryParse(ReadOnlySpan<byte> text, out DateTimeOffset utc)
    {
        utc = default;
        if (text.Length < 19
            || text[4] != (byte)'-' || text[7] != (byte)'-' || text[10] != (byte)'T' || text[13] != (byte)':' || text[16] != (byte)':'
            || !Digits(text, 0, 4, out var year) || !Digits(text, 5, 2, out var month) || !Digits(text, 8, 2, out var day)
            || !Digits(text, 11, 2, out var hour) || !Digits(text, 14, 2, out var minute) || !Digits(text, 17, 2, out var second))
        {
            return false;
        }

        if (year is < 1000 or > 9998 || month is < 1 or > 12 || day < 1 || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        // The day's number as DateTime counts it, without DateTime's constructor (which checks every part again).
        var daysToMonth = (year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)) ? DaysToMonth366 : DaysToMonth365;
        if (day > daysToMonth[month] - daysToMonth[month - 1])
        {
            return false;
        }

        var y = year - 1;
        var days = (y * 365L) + (y / 4) - (y / 100) + (y / 400) + daysToMonth[month - 1] + day - 1;

        var i = 19;
        long fraction = 0;
        if (i < text.Length && text[i] == (byte)'.')
        {
            i++;
            var digits = 0;
            while (i < text.Length && (uint)(text[i] - '0') <= 9)
            {
                if (++digits > 7)
                {
                    return false;
                }

                fraction = (fraction * 10) + (text[i] - '0');
                i++;
            }

            if (digits == 0)
            {
                return false;
            }

            for (; digits < 7; digits++)
            {
                fraction *= 10;
            }
        }

        long offsetTicks = 0;
        if (i < text.Length)
        {
            if (text[i] == (byte)'Z')
            {
                i++;
            }
            else if (text[i] is (byte)'+' or (byte)'-' && text.Length - i == 6 && text[i + 3] == (byte)':'
                && Digits(text, i + 1, 2, out var offsetHours) && Digits(text, i + 4, 2, out var offsetMinutes)
                && offsetHours < 14 && offsetMinutes < 60)
            {
                offsetTicks = ((offsetHours * 60L) + offsetMinutes) * TimeSpan.TicksPerMinute;
                if (text[i] == (byte)'-')
                {
                    offsetTicks = -offsetTicks;
                }

                i += 6;
            }
            else
            {
                return false;
            }
        }

        if (i != text.Length)
        {
            return false;
        }

        var ticks = (days * TimeSpan.TicksPerDay) + ((((hour * 60L) + minute) * 60) + second) * TicksPerSecond + fraction - offsetTicks;
        utc = new DateTimeOffset(ticks, TimeSpan.Zero);
        return true;
    }

    private static ReadOnlySpan<short> DaysToMonth365 => [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334, 365];

    private static ReadOnlySpan<short> DaysToMonth366 => [0, 31, 60, 91, 121, 152, 182, 213, 244, 274, 305, 335, 366];

    private static bool Digits(ReadOnlySpan<byte> text, int start, int count, out int value)
    {
        value = 0;
        for (var i = start; i < start + count; i++)
        {
            var d = (uint)(text[i] - '0');
            if (d > 9)
            {
                return false;
            }

            value = (value * 10) + (int)d;
        }

        return true;
    }
}
