using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// The reader's fast paths against what they stand in for: <see cref="Iso8601FastPath"/> against System.Text.Json's
/// time parse (the general path), on times of every calendar day (leap years, month ends, days that do not exist) with
/// fractions and offsets; the byte form of <c>ClientIpParser.TryParseCanonicalDottedQuad</c> against its char form and
/// <see cref="IPAddress.TryParse(ReadOnlySpan{char}, out IPAddress?)"/>.
/// </summary>
public class ReaderFastPathProperties
{
    /// <summary>A time's text, and whether it is in the fast path's shapes (years 1000 to 9998, no second 60, no hour
    /// 24), where it must answer exactly when the general parse does.</summary>
    private static readonly Gen<(string Text, bool InShape)> Times =
        from year in Gen.OneOf(Gen.Choose(1000, 9998), Gen.Elements(1600, 1700, 1900, 2000, 2024, 2100, 2400, 999, 9999))
        from month in Gen.Frequency((9, Gen.Choose(1, 12)), (1, Gen.Elements(0, 13)))
        from day in Gen.Frequency((6, Gen.Choose(1, 28)), (4, Gen.Choose(28, 31)), (1, Gen.Elements(0, 32)))
        from hour in Gen.Frequency((9, Gen.Choose(0, 23)), (1, Gen.Elements(24)))
        from minute in Gen.Choose(0, 59)
        from second in Gen.Frequency((9, Gen.Choose(0, 59)), (1, Gen.Elements(60)))
        from fraction in Gen.Elements("", ".5", ".123", ".1234567", ".9999999")
        from offset in Gen.Elements("", "Z", "+01:00", "-05:30", "+13:59", "-00:00")
        select (string.Create(CultureInfo.InvariantCulture, $"{year:D4}-{month:D2}-{day:D2}T{hour:D2}:{minute:D2}:{second:D2}{fraction}{offset}"),
            year is >= 1000 and <= 9998 && hour < 24 && second < 60);

    [Property(MaxTest = 3000)]
    public Property The_fast_time_parse_gives_the_general_parses_instant_and_answers_whenever_it_does_in_its_shapes() =>
        Prop.ForAll(Arb.From(Times), time =>
        {
            var (text, inShape) = time;
            var fast = Iso8601FastPath.TryParse(Encoding.ASCII.GetBytes(text), out var utc);
            var reader = new Utf8JsonReader(Encoding.ASCII.GetBytes("\"" + text + "\""));
            reader.Read();
            var general = reader.TryGetDateTimeOffset(out var expected);
            if (!fast)
            {
                return (!general || !inShape).Label($"{text}: the general parse reads {expected:O}, the fast one refused it");
            }

            if (!general)
            {
                return false.Label($"{text}: the general parse refuses it, the fast one gave {utc:O}");
            }

            // A time without an offset is UTC (the reader's rule); the JSON reader reads it as local time.
            if (!text.EndsWith('Z') && !text.Contains('+', StringComparison.Ordinal) && text.LastIndexOf('-') < 10)
            {
                expected = new DateTimeOffset(DateTime.SpecifyKind(expected.DateTime, DateTimeKind.Utc));
            }

            return (utc.UtcTicks == expected.UtcTicks && utc.Offset == TimeSpan.Zero).Label($"{text}: fast {utc:O}, general {expected:O}");
        });

    private static readonly Gen<string> Part = Gen.OneOf(
        Gen.Choose(0, 255).Select(p => p.ToString(CultureInfo.InvariantCulture)), Gen.Elements("", "0", "00", "01", "256", "999", "1000", "a", " 1"));

    private static readonly Gen<string> Addresses =
        from count in Gen.Frequency((8, Gen.Constant(4)), (2, Gen.Choose(1, 6)))
        from p1 in Part
        from p2 in Part
        from p3 in Part
        from p4 in Part
        from p5 in Part
        from p6 in Part
        from separator in Gen.Frequency((9, Gen.Constant(".")), (1, Gen.Elements(":", "..", " ")))
        select string.Join(separator, new[] { p1, p2, p3, p4, p5, p6 }.Take(count));

    [Property(MaxTest = 2000)]
    public Property The_byte_dotted_quad_parse_is_the_char_parse_and_agrees_with_IPAddress() =>
        Prop.ForAll(Arb.From(Addresses), text =>
        {
            var fromBytes = ClientIpParser.TryParseCanonicalDottedQuad(Encoding.ASCII.GetBytes(text).AsSpan(), out var a);
            var fromChars = ClientIpParser.TryParseCanonicalDottedQuad(text.AsSpan(), out var b);
            if (fromBytes != fromChars || !Equals(a, b))
            {
                return false.Label($"{text}: bytes {fromBytes} {a}, chars {fromChars} {b}");
            }

            return (!fromBytes || (IPAddress.TryParse(text, out var c) && c.Equals(a))).Label($"{text}: {a} is not IPAddress's");
        });
}
