using System.Text;

namespace AlertEngine.Tests.Serialization;

/// <summary>The Purview audit search export (interchange spec, "The reader also accepts the audit search export…"),
/// one test per sentence.</summary>
public class PurviewCsvTests
{
    private static List<ActivityReadResult> Read(byte[] bytes, ActivityReaderOptions? options = null) =>
        [.. ActivityReader.Read(new NonSeekable(bytes), "export.csv", options)];

    private static List<ActivityReadResult> Read(string text) => Read(Encoding.UTF8.GetBytes(text));

    private static List<string> Jsonl(IEnumerable<string> records) =>
        [.. ActivityReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(string.Join("\n", records))), "x.jsonl").Select(PurviewCsv.Describe)];

    [Theory]
    [InlineData("\r\n", false, false)]
    [InlineData("\n", false, false)]
    [InlineData("\r\n", true, false)]
    [InlineData("\n", true, true)]
    [InlineData("\r\n", false, true)]
    public void An_export_reads_as_the_same_activities_as_its_records_as_json_lines(string newline, bool bom, bool alwaysQuote)
    {
        var csv = PurviewCsv.Utf8(PurviewCsv.Write(PurviewCsv.Records, newline, alwaysQuote), bom);

        var results = Read(csv);

        Assert.Equal(Jsonl(PurviewCsv.Records), results.Select(PurviewCsv.Describe));
        Assert.All(results, r => Assert.True(r.IsValid, r.ToString()));

        // The header is line 1; each row is one line here.
        Assert.Equal([2L, 3, 4, 5, 6], results.Select(r => r.LineNumber));
    }

    [Fact]
    public void The_other_columns_are_ignored_in_favour_of_the_record()
    {
        var results = Read(PurviewCsv.Write(PurviewCsv.Records.Take(1)));

        var a = Assert.Single(results).Activity!;
        Assert.Equal("FileDeleted", a.Operation);          // not the Operation column
        Assert.Equal("alice@contoso.com", a.UserId);
        Assert.False(a.TryGetProperty("RecordId", out _));
        Assert.False(a.TryGetProperty("CreationDate", out _));
    }

    [Fact]
    public void The_format_is_recognised_from_the_header_row_wherever_the_audit_data_column_is()
    {
        // The older export layout, quoted header names, AuditData last, any case.
        var record = PurviewCsv.Records[1];
        var text = "\"CreationDate\",\"UserIds\",\"Operations\",\"auditdata\"\n2026-03-01T09:01:00.0000000Z,alice@contoso.com,Set-Mailbox," + PurviewCsv.Field(record) + "\n";

        var result = Assert.Single(Read(text));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal("Set-Mailbox", result.Activity.Operation);
        Assert.Equal(2, result.LineNumber);
    }

    [Fact]
    public void Not_the_file_name_a_json_lines_file_called_csv_is_json_lines_and_a_header_without_audit_data_is_not_an_export()
    {
        var jsonl = Read(string.Join("\n", PurviewCsv.Records));
        Assert.Equal(Jsonl(PurviewCsv.Records), jsonl.Select(PurviewCsv.Describe));

        var notExport = Read("RecordId,CreationDate,Operation\nr1,2026-03-01,FileDeleted\n");
        Assert.Equal(2, notExport.Count);
        Assert.All(notExport, r => Assert.False(r.IsValid));
        Assert.StartsWith("not valid JSON", notExport[0].Errors[0].Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Quoted_line_breaks_count_in_line_numbers()
    {
        // Row 1: a line break in another column and a pretty-printed AuditData over three lines; row 2 is invalid.
        var pretty = "{\n\"CreationTime\":\"2026-03-01T09:00:00\",\"Id\":\"p1\",\n\"Operation\":\"FileDeleted\"}";
        var text = PurviewCsv.Header + "\r\n"
            + "r1,\"two\r\nlines\",6,FileDeleted,alice," + PurviewCsv.Field(pretty) + ",,\r\n"
            + "r2,2026,6,FileDeleted,alice," + PurviewCsv.Field("{\"Id\":\"p2\",\"Operation\":\"FileDeleted\"}") + ",,\r\n"
            + "r3,2026,6,FileDeleted,alice," + PurviewCsv.Field(PurviewCsv.Records[0]) + ",,\r\n";

        var results = Read(text);

        Assert.Equal(3, results.Count);
        Assert.True(results[0].IsValid, results[0].ToString());
        Assert.Equal(2, results[0].LineNumber);
        Assert.False(results[1].IsValid);
        Assert.Equal(6, results[1].LineNumber);
        Assert.Equal(["export.csv:6: CreationTime: required"], results[1].Errors.Select(e => e.ToString()));
        Assert.True(results[2].IsValid);
        Assert.Equal(7, results[2].LineNumber);
    }

    [Fact]
    public void A_row_whose_audit_data_is_not_a_valid_record_is_an_invalid_line_and_reading_goes_on()
    {
        var text = PurviewCsv.Header + "\n"
            + "r1,d,6,Op,u,\"{\"\"Id\"\":\"\"x\"\",\"\"CreationTime\"\":\"\"soon\"\",\"\"Operation\"\":\"\"Op\"\"}\",,\n"
            + "r2,d,6,Op,u,oops,,\n"
            + "r3,d,6,Op,u,,,\n"
            + "r4,d,6,Op\n"
            + "r5,d,6,Op,u,\"{\"\"Id\"\":1}\" trailing,,\n"
            + "r6,d,6,Op,u,\"{\"Id\":1}\",,\n"
            + "r7,d,6,Op,u," + PurviewCsv.Field(PurviewCsv.Records[2]) + ",,\n";

        var results = Read(text);

        Assert.Equal(
            [
                "export.csv:2: CreationTime: not an ISO-8601 time: 'soon'",
                "export.csv:3: not valid JSON: 'o' is an invalid start of a value. (at byte 1)",
                "export.csv:4: AuditData: empty: no activity",
                "export.csv:5: AuditData: missing: the row has 4 fields and AuditData is field 6 of the header",
                "export.csv:6: not valid CSV: text after the closing quote of a field",
                "export.csv:7: not valid CSV: a quote inside a quoted field must be doubled",
            ],
            results.Take(6).Select(r => Assert.Single(r.Errors).ToString()));
        Assert.True(results[6].IsValid);
        Assert.Equal(8, results[6].LineNumber);
    }

    [Fact]
    public void An_unclosed_quote_makes_the_rest_of_the_file_one_invalid_row()
    {
        var text = PurviewCsv.Write(PurviewCsv.Records.Take(1)) + "r2,d,6,Op,u,\"{\"\"Id\"\":1}\r\nmore\r\n";

        var results = Read(text);

        Assert.Equal(2, results.Count);
        Assert.True(results[0].IsValid);
        Assert.Equal("export.csv:3: not valid CSV: a quoted field is not closed", Assert.Single(results[1].Errors).ToString());
    }

    [Fact]
    public void Blank_lines_are_skipped_and_a_last_row_needs_no_line_break()
    {
        var text = "\r\n" + PurviewCsv.Header + "\r\n\r\n" + "r1,d,6,Op,u," + PurviewCsv.Field(PurviewCsv.Records[3]) + ",,";

        var result = Assert.Single(Read(text));

        Assert.True(result.IsValid, result.ToString());
        Assert.Equal(4, result.LineNumber);
    }

    [Fact]
    public void A_row_longer_than_the_limit_is_an_error_skipped_without_holding_it()
    {
        var big = "{\"Id\":\"x\",\"CreationTime\":\"2026-03-01T09:00:00\",\"Operation\":\"Op\",\"Pad\":\"" + new string('q', 100_000) + "\n\"}";
        var text = PurviewCsv.Write([PurviewCsv.Records[0], big, PurviewCsv.Records[1]]);
        var options = new ActivityReaderOptions { MaxLineLength = 20_000 };

        var results = Read(Encoding.UTF8.GetBytes(text), options);

        Assert.Equal(3, results.Count);
        Assert.True(results[0].IsValid);
        Assert.Equal("export.csv:3: row is longer than 20000 bytes; skipped", Assert.Single(results[1].Errors).ToString());
        Assert.True(results[2].IsValid, results[2].ToString());
        Assert.Equal(5, results[2].LineNumber); // the big row spans lines 3 and 4
    }

    [Fact]
    public void A_last_row_longer_than_the_limit_without_a_line_break_after_it_is_reported()
    {
        // Found by CsvRecordSplitterPropertyTests: the row was being discarded when the input ended, and was lost.
        var big = "{\"Id\":\"x\",\"CreationTime\":\"2026-03-01T09:00:00\",\"Operation\":\"Op\",\"Pad\":\"" + new string('q', 100_000) + "\"}";
        var text = PurviewCsv.Write([PurviewCsv.Records[0], big]).TrimEnd('\r', '\n');
        var options = new ActivityReaderOptions { MaxLineLength = 20_000 };

        var results = Read(Encoding.UTF8.GetBytes(text), options);

        Assert.Equal(2, results.Count);
        Assert.True(results[0].IsValid);
        Assert.Equal("export.csv:3: row is longer than 20000 bytes; skipped", Assert.Single(results[1].Errors).ToString());
    }

    [Fact]
    public void AuditData_that_is_not_plain_ASCII_is_checked_like_a_JSON_line()
    {
        // The splitter finds plain-ASCII AuditData while unescaping it and the parser skips its NUL and UTF-8 checks for
        // those; a NUL byte, invalid UTF-8 and valid non-ASCII text must still read exactly as the same JSON line does.
        string[] records = [PurviewCsv.Records[0].Replace("alice", "al\0ice", StringComparison.Ordinal), PurviewCsv.Records[1].Replace("alice", "al~ice", StringComparison.Ordinal), PurviewCsv.Records[3].Replace("carol", "carolé", StringComparison.Ordinal)];
        static byte[] Invalid(string text)
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            bytes[bytes.AsSpan().IndexOf("~"u8)] = 0xFF;
            return bytes;
        }

        var results = Read(Invalid(PurviewCsv.Write(records)));

        Assert.Equal(3, results.Count);
        for (var i = 0; i < 3; i++)
        {
            var line = i == 1 ? Invalid(records[i]) : Encoding.UTF8.GetBytes(records[i]);
            var expected = ActivityReader.ParseLine(line, "export.csv", i + 2);
            Assert.Equal(PurviewCsv.Describe(expected) + string.Join(" | ", expected.Errors), PurviewCsv.Describe(results[i]) + string.Join(" | ", results[i].Errors));
        }

        Assert.Contains("NUL", results[0].Errors[0].Message, StringComparison.Ordinal);
        Assert.Contains("UTF-8", results[1].Errors[0].Message, StringComparison.Ordinal);
        Assert.Equal("carolé@contoso.com", results[2].Activity!.UserId);
    }

    [Fact]
    public async Task Reading_asynchronously_gives_the_same_results()
    {
        var bytes = PurviewCsv.Utf8(PurviewCsv.Write(PurviewCsv.Records, "\r\n"), bom: true);

        var sync = Read(bytes).Select(r => r.LineNumber + " " + PurviewCsv.Describe(r)).ToList();
        var async = new List<string>();
        await foreach (var r in ActivityReader.ReadAsync(new NonSeekable(bytes), "export.csv", cancellationToken: TestContext.Current.CancellationToken))
        {
            async.Add(r.LineNumber + " " + PurviewCsv.Describe(r));
        }

        Assert.Equal(sync, async);
        Assert.Equal(5, sync.Count);
    }

    [Fact]
    public void Dotted_paths_reach_into_records_read_from_an_export()
    {
        var results = Read(PurviewCsv.Write(PurviewCsv.Records));
        var forwarding = new PropertyCondition("Parameters.Name", PropertyOperator.Equals, ["ForwardingSmtpAddress"]).Compile();

        Assert.Equal(["Set-Mailbox"], results.Where(r => forwarding(r.Activity!)).Select(r => r.Activity!.Operation));
    }
}
