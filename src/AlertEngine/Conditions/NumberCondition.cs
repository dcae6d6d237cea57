using System.Globalization;

namespace AlertEngine;

/// <summary>
/// A field or property (named as by <see cref="PropertyCondition"/>: top-level field, key of the properties, or dotted
/// path) read as a number and compared with <paramref name="Value"/>; the condition holds when any value reached
/// compares true. With <see cref="DatePart.None"/> the value must be a finite invariant-culture number
/// (<see cref="NumberStyles.Float"/>, as the <c>sum</c> trigger reads numbers); otherwise it must parse as a date
/// (<see cref="DateTimeOffset.TryParse(ReadOnlySpan{char}, IFormatProvider?, DateTimeStyles, out DateTimeOffset)"/>,
/// invariant culture, UTC when it has no offset) and the part is taken as written, without converting time zones
/// (weeks are ISO-8601 weeks). A value that is missing or does not parse never matches. Not part of the JSON policy
/// format: it exists for Sigma's <c>lt</c>, <c>lte</c>, <c>gt</c>, <c>gte</c> and time modifiers, so it is internal.
/// </summary>
/// <param name="Property">The field or property name.</param>
/// <param name="Comparison">How the number compares with <paramref name="Value"/>.</param>
/// <param name="Value">The number to compare with (finite).</param>
/// <param name="Part">What number to take from the value.</param>
internal sealed record NumberCondition(string Property, NumberComparison Comparison, double Value, DatePart Part) : Condition
{
    /// <summary>Reads the number of one value, as <see cref="Part"/> says; false when it does not parse.</summary>
    public static bool TryRead(ReadOnlySpan<char> text, DatePart part, out double number)
    {
        if (part == DatePart.None)
        {
            return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);
        }

        // Only ISO 8601 text with a full date (yyyy-MM-dd…): DateTimeOffset.TryParse fills in a missing date or year from
        // the wall clock ("10:30" is today, "1.5" is 5 January of this year), which would make a replay depend on when
        // it runs.
        if (!HasIsoDate(text) || !DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            number = 0;
            return false;
        }

        number = part switch
        {
            DatePart.Minute => date.Minute,
            DatePart.Hour => date.Hour,
            DatePart.Day => date.Day,
            DatePart.Week => ISOWeek.GetWeekOfYear(date.DateTime),
            DatePart.Month => date.Month,
            _ => date.Year,
        };
        return true;
    }

    private static bool HasIsoDate(ReadOnlySpan<char> text) =>
        text.Length >= 10
        && char.IsAsciiDigit(text[0]) && char.IsAsciiDigit(text[1]) && char.IsAsciiDigit(text[2]) && char.IsAsciiDigit(text[3])
        && text[4] == '-' && char.IsAsciiDigit(text[5]) && char.IsAsciiDigit(text[6])
        && text[7] == '-' && char.IsAsciiDigit(text[8]) && char.IsAsciiDigit(text[9])
        && (text.Length == 10 || text[10] is 'T' or 't' or ' ');

    /// <summary>Whether <paramref name="number"/> compares true with <paramref name="value"/>.</summary>
    public static bool Compare(double number, NumberComparison comparison, double value) => comparison switch
    {
        NumberComparison.Less => number < value,
        NumberComparison.LessOrEqual => number <= value,
        NumberComparison.Greater => number > value,
        NumberComparison.GreaterOrEqual => number >= value,
        _ => number == value,
    };
}
