using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// The fast activity line parser (issue 16) against the straightforward one it replaced
/// (<see cref="ReferenceActivityLineParser"/>, kept unchanged as the oracle): on generated lines in both formats, with
/// field names in any case and escaped, duplicates, unknown fields, values of every JSON type, strings with escapes and
/// non-ASCII text, times with and without offsets and fraction digits (and many that are not valid or not in the fast
/// path's shapes), client IPs in every audit form and broken ones, BOM, trailing CR and broken JSON, both give the same
/// result: the same errors in the same order, the same notes, and the same activity (every field, the tags, and the
/// properties in order, looked up in any case).
/// </summary>
public class ActivityLineParserOracleProperties
{
    public sealed record Line(byte[] Bytes)
    {
        public override string ToString() => Encoding.UTF8.GetString(Bytes);
    }

    private static readonly string[] Texts =
    [
        "", " ", "a1", "FileDeleted", "alice@contoso.com", "SharePoint", "jos\\u00e9", "tab\\there", "quote\\\"d", "back\\\\slash",
        "é ü 😀", "\\ud83d\\ude00", "\\uD800", "\\/slash", "x\\u0000y", "https://contoso.sharepoint.com/sites/hr/a b.docx",
        "{\\\"UserType\\\":\\\"Member\\\"}", "  padded  ",
    ];

    private static readonly string[] Times =
    [
        "2026-03-01T09:00:00Z", "2026-03-01T09:00:00", "2026-03-01T09:00:00.1Z", "2026-03-01T09:00:00.123", "2026-03-01T09:00:00.1234567Z",
        "2026-03-01T09:00:00.12345678Z", "2026-03-01T09:00:00.123456789", "2026-03-01T10:00:00+01:00", "2026-03-01T10:00:00-05:30",
        "2026-03-01T10:00:00.5+13:59", "2026-03-01T10:00:00+14:00", "2026-03-01T10:00:00+15:00", "2026-03-01t09:00:00z",
        "2026-03-01T09:00:00z", "2026-02-29T09:00:00Z", "2024-02-29T09:00:00Z", "2026-03-01T24:00:00Z", "2026-03-01T23:59:60Z",
        "2026-03-01T09:00Z", "2026-03-01", "0001-01-01T00:00:00Z", "0001-01-01T00:30:00+01:00", "9999-12-31T23:59:59Z",
        "9999-12-31T23:30:00-01:00", "2026-03-01T09:00:00.Z", "2026-03-01T09:00:00+0100", "2026-03-01 09:00:00", "yesterday",
        "2026-13-01T09:00:00Z", "2026-03-01T09:00:00\\u005A", "\\u0032026-03-01T09:00:00Z", "1999-12-31T23:59:59.9999999-00:00",
    ];

    private static readonly string[] Ips =
    [
        "10.1.2.3", "2001:db8::7", "::ffff:10.1.2.3", "1.2.3.4:443", "[1.2.3.4]:443", "[2001:db8::1]:443", "[2001:db8::1]",
        "localhost", "", "  ", " 10.1.2.3 ", "1.2.3", "0x7f.1", "12345", "1.2.3.4:99999", "[::1", "999.1.1.1", "10.1.2.3\\t",
    ];

    private static readonly string[] OtherNames =
    [
        "RecordType", "recordtype", "UserKey", "AppAccessContext", "Site", "n", "ModifiedProperties", "é", "Ée", "user", "\\u0055serKey",
    ];

    private static Gen<string> Name(string name) => Gen.Elements(
        name, name.ToUpperInvariant(), name.ToLowerInvariant(), char.ToUpperInvariant(name[0]) + name[1..], "\\u00" + ((int)name[0]).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) + name[1..]);

    private static readonly Gen<string> AnyValue = Gen.OneOf(
        Gen.Elements(Texts).Select(t => "\"" + t + "\""),
        Gen.Elements("0", "42", "-1.5e3", "true", "false", "null", "{}", "[]", "{\"x\":[1,2,{\"y\":null}]}", "[\"p\",1]", "{\"Name\":\"a\",\"Value\":\"b\"}", "{\"k\":\"1\",\"K\":\"2\"}", "{\"k\":null,\"k\":\"x\"}"));

    private static readonly Gen<string> Field = Gen.OneOf(
        from n in Name("id") from v in Gen.OneOf(AnyValue, Gen.Elements("\"a1\"", "\"8f3c1e2a-0000-4000-8000-000000000001\"")) select (n, v),
        from n in Name("time") from v in Gen.OneOf(Gen.Elements(Times).Select(t => "\"" + t + "\""), AnyValue) select (n, v),
        from n in Name("CreationTime") from v in Gen.OneOf(Gen.Elements(Times).Select(t => "\"" + t + "\""), AnyValue) select (n, v),
        from n in Name("operation") from v in Gen.OneOf(AnyValue, Gen.Constant("\"FileDeleted\"")) select (n, v),
        from n in Name("userId") from v in AnyValue select (n, v),
        from n in Name("objectId") from v in AnyValue select (n, v),
        from n in Name("workload") from v in AnyValue select (n, v),
        from n in Name("clientIp") from v in Gen.OneOf(Gen.Elements(Ips).Select(t => "\"" + t + "\""), AnyValue) select (n, v),
        from n in Name("userTags") from v in Gen.OneOf(AnyValue, Gen.Elements("[\"Priority account\"]", "[\"ok\",3,{\"a\":1}]")) select (n, v),
        from n in Name("properties") from v in AnyValue select (n, v),
        from n in Gen.Elements(OtherNames) from v in AnyValue select (n, v))
        .Select(p => "\"" + p.Item1 + "\":" + p.Item2);

    private static readonly Gen<string> Required = Gen.Elements(
        "\"id\":\"a1\",\"time\":\"2026-03-01T09:00:00Z\",\"operation\":\"FileDeleted\"",
        "\"Id\":\"x\",\"CreationTime\":\"2026-03-01T09:00:00\",\"Operation\":\"FileDeleted\"",
        "\"CreationTime\":\"2026-03-01T09:00:00.123Z\",\"Id\":\"y\",\"Operation\":\"Set-Mailbox\",\"ClientIP\":\"203.0.113.7:51234\"",
        string.Empty);

    private static readonly Gen<string> GoodText = Gen.Elements(Texts.Where(t => !t.Contains("uD800", StringComparison.Ordinal)).ToArray()).Select(t => "\"" + t + "\"");

    // Fields that keep a line valid: native ones, and audit ones (any other field of an audit record is a property).
    private static readonly Gen<string> NativeField = Gen.OneOf(
        from n in Name("userId") from v in GoodText select (n, v),
        from n in Name("objectId") from v in GoodText select (n, v),
        from n in Name("workload") from v in GoodText select (n, v),
        from n in Name("clientIp") from v in Gen.Elements("\"10.1.2.3\"", "\"2001:db8::7\"", "\"::ffff:10.1.2.3\"", "\"\"", "null") select (n, v),
        from n in Name("userTags") from v in Gen.Elements("[\"Priority account\"]", "[]", "null", "[\"a\\u00e9\"]") select (n, v),
        from n in Name("properties") from v in Gen.Elements("{\"MalwareFamily\":\"Emotet\"}", "{\"n\":42.5,\"b\":true,\"o\":{\"x\":[1, 2]},\"a\":[\"p\"],\"z\":null}", "{\"k\":null,\"k\":\"x\"}", "{}") select (n, v))
        .Select(p => "\"" + p.Item1 + "\":" + p.Item2);

    private static readonly Gen<string> AuditField = Gen.OneOf(
        from n in Gen.Elements(OtherNames) from v in AnyValue select (n, v),
        from n in Name("userId") from v in GoodText select (n, v),
        from n in Name("workload") from v in GoodText select (n, v),
        from n in Name("objectId") from v in GoodText select (n, v))
        .Select(p => "\"" + p.Item1 + "\":" + p.Item2);

    private static readonly Gen<Line> ValidLines = Gen.OneOf(
        from fields in NativeField.ListOf().Select(l => l.DistinctBy(f => f[..6].ToUpperInvariant()).Take(4).ToList())
        from at in Gen.Choose(0, 4)
        select Build("\"id\":\"a1\",\"time\":\"2026-03-01T09:00:00.5+01:00\",\"operation\":\"FileDeleted\"", fields, at, string.Empty, string.Empty, 1),
        from fields in AuditField.ListOf().Select(l => l.DistinctBy(f => f.Split(':')[0].ToUpperInvariant()).Take(6).ToList())
        from at in Gen.Choose(0, 6)
        from required in Gen.Elements("\"Id\":\"x\",\"CreationTime\":\"2026-03-01T09:00:00\",\"Operation\":\"FileDeleted\"", "\"CreationTime\":\"2026-03-01T09:00:00.123Z\",\"Id\":\"y\",\"Operation\":\"Set-Mailbox\",\"ClientIP\":\"localhost\"")
        select Build(required, fields, at, string.Empty, string.Empty, 1));

    private static readonly Gen<Line> AnyLines =
        from required in Required
        from fields in Field.ListOf().Select(l => l.Take(8).ToList())
        from at in Gen.Choose(0, 8)
        from prefix in Gen.Elements(string.Empty, string.Empty, "\uFEFF", " ")
        from suffix in Gen.Elements(string.Empty, string.Empty, "\r", " \t", "x", "}", ",")
        from cut in Gen.Choose(0, 30)
        select Build(required, fields, at, prefix, suffix, cut);

    private static readonly Gen<Line> Lines = Gen.OneOf(ValidLines, AnyLines);

    // The plain shape the parser reads without the JSON reader (ActivityReader.PlainNativeLine.cs): a flat native
    // object of strings without escapes, names in any case, spaces between tokens; and its near misses (an empty or
    // missing required field, a duplicate, escapes, null, a time or an address the fast path does not take, text after
    // the object), which must fall back to the general path and give its errors.
    private static readonly string[] PlainTexts =
    [
        "", " ", "a1", "FileDeleted", "alice@contoso.com", "SharePoint", "https://contoso.sharepoint.com/sites/hr/a b.docx",
        "  padded  ", "x}y", "a,b", "c:d", "{", "tab\\there", "é",
    ];

    private static Gen<string> PlainName(string name) => Gen.Elements(name, name.ToUpperInvariant(), name.ToLowerInvariant(), char.ToUpperInvariant(name[0]) + name[1..]);

    // A field whose value the fast path takes (good), or, in noisy lines, sometimes any of the texts or not a string.
    private static Gen<string> PlainField(string name, string[] good, string[] texts, bool noisy, string colon)
    {
        var goodValue = Gen.Elements(good).Select(t => "\"" + t + "\"");
        var value = noisy
            ? Gen.OneOf(goodValue, goodValue, goodValue, goodValue, Gen.Elements(texts).Select(t => "\"" + t + "\""), Gen.Elements("null", "42", "[]"))
            : goodValue;
        return from n in PlainName(name) from v in value select "\"" + n + "\"" + colon + v;
    }

    private static Gen<string>[] PlainFields(bool noisy, string colon) =>
    [
        PlainField("id", ["a1", "8f3c1e2a-0000-4000-8000-000000000001"], ["", " "], noisy, colon),
        PlainField("time", ["2026-03-01T09:00:00Z", "2026-03-01T09:00:00.123", "2026-03-01T10:00:00.5+13:59"], Times, noisy, colon),
        PlainField("operation", ["FileDeleted", "MailRedirect"], [""], noisy, colon),
        PlainField("userId", ["alice@contoso.com", "", " "], PlainTexts, noisy, colon),
        PlainField("objectId", ["https://contoso.sharepoint.com/sites/hr/a b.docx", "x}y", "a,b", "c:d", "{", ""], PlainTexts, noisy, colon),
        PlainField("workload", ["SharePoint", "  padded  ", ""], PlainTexts, noisy, colon),
        PlainField("clientIp", ["10.1.2.3", "2001:db8::7", "::ffff:10.1.2.3", " 10.1.2.3 ", "", "  "], Ips, noisy, colon),
    ];

    // Half the lines clean (every value good, required fields present, nothing after the object), half noisy.
    private static readonly Gen<Line> PlainLines =
        from noisy in Gen.Elements(false, true)
        from colon in Gen.Elements(":", ":", ": ", " : ")
        from comma in Gen.Elements(",", ",", ", ", " ,")
        from fields in PlainFields(noisy, colon)[0]
            .SelectMany(f0 => PlainFields(noisy, colon)[1], (f0, f1) => new[] { f0, f1 })
            .SelectMany(a => PlainFields(noisy, colon)[2], (a, f) => a.Append(f).ToArray())
            .SelectMany(a => PlainFields(noisy, colon)[3], (a, f) => a.Append(f).ToArray())
            .SelectMany(a => PlainFields(noisy, colon)[4], (a, f) => a.Append(f).ToArray())
            .SelectMany(a => PlainFields(noisy, colon)[5], (a, f) => a.Append(f).ToArray())
            .SelectMany(a => PlainFields(noisy, colon)[6], (a, f) => a.Append(f).ToArray())
        from keep in Gen.Elements(true, true, true, true, true, true, false).ArrayOf(fields.Length)
        from order in Gen.Shuffle(Enumerable.Range(0, fields.Length).ToArray())
        from duplicate in Gen.Elements(-1, -1, -1, 0, 3)
        from suffix in Gen.Elements(string.Empty, string.Empty, " ", "  ", " x", "\t", ",")
        let kept = order.Where(i => keep[i] || (!noisy && i < 3)).Select(i => fields[i]).ToList()
        let all = noisy && duplicate >= 0 && kept.Count > 0 ? [.. kept, kept[duplicate % kept.Count]] : kept
        select new Line(Encoding.UTF8.GetBytes("{" + string.Join(comma, all) + "}" + (noisy ? suffix : string.Empty)));

    private static Line Build(string required, List<string> fields, int at, string prefix, string suffix, int cut)
    {
        var all = new List<string>(fields);
        if (required.Length > 0)
        {
            all.Insert(Math.Min(at, all.Count), required);
        }

        var text = prefix + "{" + string.Join(",", all) + "}" + suffix;
        if (cut == 0 && text.Length > 2)
        {
            text = text[..(text.Length / 2)];
        }

        return new Line(Encoding.UTF8.GetBytes(text));
    }

    public static class Arbitraries
    {
        public static Arbitrary<Line> Line() => Arb.From(Lines);
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 3000)]
    public void The_fast_parser_gives_what_the_reference_parser_gives(Line line)
    {
        var expected = ReferenceActivityLineParser.Parse(line.Bytes, "p.jsonl", 7);
        var actual = ActivityLineParserFacade(line.Bytes);
        AssertSame(expected, actual);
    }

    [Property(MaxTest = 3000)]
    public Property Plain_native_lines_read_without_the_json_reader_give_what_the_reference_parser_gives() =>
        Prop.ForAll(PlainLines.ToArbitrary(), line =>
        {
            AssertSame(ReferenceActivityLineParser.Parse(line.Bytes, "p.jsonl", 7), ActivityLineParserFacade(line.Bytes));
        });

    [Fact]
    public void Generated_plain_lines_take_the_fast_path_often_and_miss_it_often()
    {
        // The property above is only as strong as its lines: many must take the fast path, and many must not.
        var lines = PlainLines.Sample(20, 2000).Concat(PlainLines.Sample(2000, 20)).ToList();
        var fast = lines.Count(l => ActivityLineParser.TryParsePlainNative(l.Bytes) is not null);
        Assert.InRange(fast, lines.Count / 10, lines.Count - (lines.Count / 10));
    }

    [Fact]
    public void Generated_lines_include_valid_activities_of_both_formats()
    {
        // The property above is only as strong as its lines: enough of them must be valid, in both formats.
        var valid = new Dictionary<bool, int> { [true] = 0, [false] = 0 };
        var lines = Lines.Sample(20, 2000).Concat(Lines.Sample(2000, 20)).ToList();
        foreach (var line in lines)
        {
            if (ActivityLineParserFacade(line.Bytes) is { Activity: { } a })
            {
                valid[a.Properties.Count > 0 && a.UserTags.Count == 0]++;
            }
        }

        Assert.True(valid[true] > lines.Count / 20 && valid[false] > lines.Count / 20, $"valid lines of {lines.Count}: {valid[true]} with properties, {valid[false]} without");
    }

    [Fact]
    public void Parsing_on_several_threads_at_once_gives_what_the_reference_parser_gives()
    {
        // ParseLine is static and shared by parallel readers: the interning tables and the per-thread scratch must
        // not mix lines up. Many threads, each parsing every line, all reading and filling the same tables.
        var lines = Lines.Sample(20, 400).Concat(ValidLines.Sample(20, 400)).ToArray();
        var expected = lines.Select(l => ReferenceActivityLineParser.Parse(l.Bytes, "p.jsonl", 7)).ToArray();
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            for (var i = 0; i < lines.Length; i++)
            {
                var k = (i + (worker * 97)) % lines.Length;
                AssertSame(expected[k], ActivityLineParserFacade(lines[k].Bytes));
            }
        });
    }

    [Theory]
    [InlineData("2026-03-01T09:00:00Z", "2026-03-01T09:00:00+00:00")]
    [InlineData("2026-03-01T09:00:00", "2026-03-01T09:00:00+00:00")]
    [InlineData("2026-03-01T10:00:00.1234567+01:00", "2026-03-01T09:00:00.1234567+00:00")]
    [InlineData("2026-03-01T04:30:00.5-05:30", "2026-03-01T10:00:00.5+00:00")]
    [InlineData("2024-02-29T00:00:00.12Z", "2024-02-29T00:00:00.12+00:00")]
    public void The_fast_time_path_reads_the_common_shapes(string text, string expected)
    {
        Assert.True(Iso8601FastPath.TryParse(Encoding.UTF8.GetBytes(text), out var time));
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), time);
        Assert.Equal(TimeSpan.Zero, time.Offset);
    }

    [Theory]
    [InlineData("2026-03-01t09:00:00Z")]
    [InlineData("2026-03-01T09:00:00z")]
    [InlineData("2026-03-01T09:00:00.12345678Z")]
    [InlineData("2026-02-29T09:00:00Z")]
    [InlineData("2026-03-01T23:59:60Z")]
    [InlineData("2026-03-01T09:00:00+14:00")]
    [InlineData("0001-01-01T00:00:00Z")]
    [InlineData("2026-03-01T09:00")]
    [InlineData("2026-03-01T09:00:00.")]
    [InlineData("2026-03-01T09:00:00+0100")]
    public void The_fast_time_path_leaves_other_shapes_to_the_general_parse(string text) =>
        Assert.False(Iso8601FastPath.TryParse(Encoding.UTF8.GetBytes(text), out _));

    [Fact]
    public void Lazily_decoded_properties_return_one_instance_per_value_and_ignore_case()
    {
        var a = ActivityReader.ParseLine("""{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"Op","Site":"s1","RecordType":6,"Ctx":{"a":[1]},"Esc":"a\"b","ClientIP":"localhost"}""").Activity!;

        Assert.Equal(["Site", "RecordType", "Ctx", "Esc", "ClientIP"], a.Properties.Keys);
        Assert.Same(a.Properties["site"], a.Properties["SITE"]);
        Assert.Equal("6", a.Properties["recordtype"]);
        Assert.Equal("""{"a":[1]}""", a.Properties["Ctx"]);
        Assert.Equal("a\"b", a.Properties["esc"]);
        Assert.Equal("localhost", a.Properties["clientip"]);
        Assert.False(a.Properties.ContainsKey("Sit"));
        Assert.Throws<KeyNotFoundException>(() => a.Properties["nope"]);
    }

    [Property(MaxTest = 2000)]
    public bool The_dotted_quad_fast_path_gives_what_IPAddress_parse_gives(byte a, byte b, byte c, byte d, byte zeros, bool junk)
    {
        // Parts written with or without leading zeros (octal to IPAddress.Parse), sometimes with text after them.
        string Part(byte value, int bit) => ((zeros >> bit) & 1) == 1 ? "0" + value.ToString(System.Globalization.CultureInfo.InvariantCulture) : value.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var text = $"{Part(a, 0)}.{Part(b, 1)}.{Part(c, 2)}.{Part(d, 3)}" + (junk ? (zeros % 3 == 0 ? "." : "x") : string.Empty);
        // The general rule: a dotted quad of 1 to 3 digits per part, as IPAddress.TryParse reads it.
        var expectedValid = System.Text.RegularExpressions.Regex.IsMatch(text, "^[0-9]{1,3}(\\.[0-9]{1,3}){3}\\z") & System.Net.IPAddress.TryParse(text, out var expected);
        var valid = ClientIpParser.TryParseAddress(text, out var actual);
        return valid == expectedValid && (!valid || actual!.Equals(expected));
    }

    private static ActivityReadResult? ActivityLineParserFacade(byte[] bytes) => ActivityLineParser.Parse(bytes, "p.jsonl", 7);

    private static void AssertSame(ActivityReadResult? expected, ActivityReadResult? actual)
    {
        if (expected is null)
        {
            Assert.Null(actual);
            return;
        }

        Assert.NotNull(actual);
        Assert.Equal(expected.Errors.Select(e => e.ToString()), actual.Errors.Select(e => e.ToString()));
        Assert.Equal(expected.Notes, actual.Notes);
        Assert.Equal(expected.SourceName, actual.SourceName);
        Assert.Equal(expected.LineNumber, actual.LineNumber);
        if (expected.Activity is not { } e)
        {
            Assert.Null(actual.Activity);
            return;
        }

        var a = actual.Activity;
        Assert.NotNull(a);
        Assert.Equal(e.Id, a.Id);
        Assert.Equal(e.Time, a.Time);
        Assert.Equal(e.Time.Offset, a.Time.Offset);
        Assert.Equal(e.Operation, a.Operation);
        Assert.Equal(e.UserId, a.UserId);
        Assert.Equal(e.ClientIp, a.ClientIp);
        Assert.Equal(e.ObjectId, a.ObjectId);
        Assert.Equal(e.Workload, a.Workload);
        Assert.Equal(e.UserTags, a.UserTags);
        Assert.Equal(e.Properties.ToList(), a.Properties.ToList());
        Assert.Equal(e.Properties.Count, a.Properties.Count);
        foreach (var key in e.Properties.Keys)
        {
            foreach (var variant in new[] { key, key.ToUpperInvariant(), key.ToLowerInvariant() })
            {
                Assert.Equal(e.Properties.TryGetValue(variant, out var ev), a.Properties.TryGetValue(variant, out var av));
                Assert.Equal(ev, av);
                Assert.Equal(e.TryGetProperty(variant, out var ep), a.TryGetProperty(variant, out var ap));
                Assert.Equal(ep, ap);
            }
        }

        Assert.Equal(e.Properties.ContainsKey("nope"), a.Properties.ContainsKey("nope"));
    }
}
