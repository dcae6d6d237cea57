using System.Net;
using System.Text;

namespace AlertEngine.Tests.Serialization;

public class ActivityReaderTests
{
    private static ActivityReadResult Parse(string line) => ActivityReader.ParseLine(line, "activities.jsonl", 17);

    private static Activity Valid(string line)
    {
        var result = Parse(line);
        Assert.True(result.IsValid, string.Join(Environment.NewLine, result.Errors));
        Assert.Empty(result.Errors);
        return result.Activity;
    }

    private static List<string> Errors(string line)
    {
        var result = Parse(line);
        Assert.False(result.IsValid);
        Assert.Null(result.Activity);
        Assert.NotEmpty(result.Errors);
        Assert.All(result.Errors, e => Assert.Equal("activities.jsonl:17", e.Path));
        return result.Errors.Select(e => e.ToString()).ToList();
    }

    private static List<ActivityReadResult> ReadAll(string text, ActivityReaderOptions? options = null) =>
        ActivityReader.Read(new MemoryStream(Encoding.UTF8.GetBytes(text)), "activities.jsonl", options).ToList();

    // ---- native format -------------------------------------------------------------------------------------

    [Fact]
    public void Native_line_with_every_field_is_read()
    {
        var a = Valid("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"FileDeleted","userId":"alice@contoso.com","clientIp":"10.1.2.3","objectId":"https://contoso.sharepoint.com/sites/hr/payroll.xlsx","workload":"SharePoint","userTags":["Priority account"],"properties":{"MalwareFamily":"Emotet"}}""");

        Assert.Equal("a1", a.Id);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), a.Time);
        Assert.Equal("FileDeleted", a.Operation);
        Assert.Equal("alice@contoso.com", a.UserId);
        Assert.Equal(IPAddress.Parse("10.1.2.3"), a.ClientIp);
        Assert.Equal("https://contoso.sharepoint.com/sites/hr/payroll.xlsx", a.ObjectId);
        Assert.Equal("SharePoint", a.Workload);
        Assert.Equal(["Priority account"], a.UserTags);
        Assert.Equal("Emotet", Assert.Single(a.Properties).Value);
    }

    [Fact]
    public void Native_field_names_match_case_insensitively()
    {
        var a = Valid("""{"ID":"a1","Time":"2026-03-01T09:00:00Z","OPERATION":"FileDeleted","UserID":"bob","ClientIP":"2001:db8::7","UserTags":["x"],"Properties":{"k":"v"}}""");

        Assert.Equal("a1", a.Id);
        Assert.Equal("bob", a.UserId);
        Assert.Equal(IPAddress.Parse("2001:db8::7"), a.ClientIp);
        Assert.Equal(["x"], a.UserTags);
        Assert.Equal("v", a.Properties["k"]);
    }

    [Fact]
    public void Only_id_time_and_operation_are_required()
    {
        var a = Valid("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"UserLoggedIn"}""");

        Assert.Null(a.UserId);
        Assert.Null(a.ClientIp);
        Assert.Null(a.ObjectId);
        Assert.Null(a.Workload);
        Assert.Empty(a.UserTags);
        Assert.Empty(a.Properties);
    }

    [Fact]
    public void Properties_are_looked_up_case_insensitively()
    {
        var a = Valid("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"Send","properties":{"Recipient":"x@y.com"}}""");

        Assert.Equal("x@y.com", a.Properties["RECIPIENT"]);
        Assert.True(a.TryGetProperty("recipient", out var v));
        Assert.Equal("x@y.com", v);
    }

    [Fact]
    public void Native_property_values_that_are_not_strings_are_kept_as_json_text_and_nulls_left_out()
    {
        var a = Valid("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"Send","properties":{"n":42.5,"b":true,"o":{"x":[1, 2]},"a":["p"],"z":null}}""");

        Assert.Equal("42.5", a.Properties["n"]);
        Assert.Equal("true", a.Properties["b"]);
        Assert.Equal("""{"x":[1, 2]}""", a.Properties["o"]);
        Assert.Equal("""["p"]""", a.Properties["a"]);
        Assert.False(a.Properties.ContainsKey("z"));
    }

    [Fact]
    public void Escaped_strings_are_unescaped()
    {
        var a = Valid("""{"id":"a\"1","time":"2026-03-01T09:00:00Z","operation":"File\u0044eleted","userId":"jos\u00e9@contoso.com"}""");

        Assert.Equal("a\"1", a.Id);
        Assert.Equal("FileDeleted", a.Operation);
        Assert.Equal("josé@contoso.com", a.UserId);
    }

    [Fact]
    public void Null_and_empty_optional_fields_are_absent()
    {
        var a = Valid("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X","userId":null,"clientIp":"","objectId":"","workload":null,"userTags":null,"properties":null}""");

        Assert.Null(a.UserId);
        Assert.Null(a.ClientIp);
        Assert.Null(a.ObjectId);
        Assert.Null(a.Workload);
        Assert.Empty(a.UserTags);
        Assert.Empty(a.Properties);
    }

    [Theory]
    [InlineData("2026-03-01T10:30:00+01:30", "2026-03-01T09:00:00Z")]
    [InlineData("2026-03-01T04:00:00-05:00", "2026-03-01T09:00:00Z")]
    [InlineData("2026-03-01T09:00:00", "2026-03-01T09:00:00Z")]
    [InlineData("2026-03-01T09:00:00.1234567Z", "2026-03-01T09:00:00.1234567Z")]
    [InlineData("2026-03-01T09:00:00.25", "2026-03-01T09:00:00.25Z")]
    public void Times_are_stored_as_utc_and_a_time_without_offset_is_utc(string text, string expected)
    {
        var a = Valid($$"""{"id":"a1","time":"{{text}}","operation":"X"}""");

        Assert.Equal(TimeSpan.Zero, a.Time.Offset);
        Assert.Equal(DateTimeOffset.Parse(expected, System.Globalization.CultureInfo.InvariantCulture), a.Time);
    }

    [Fact]
    public void Missing_required_fields_are_all_reported_with_file_and_line()
    {
        var errors = Errors("""{"userId":"alice"}""");

        Assert.Equal(
            ["activities.jsonl:17: id: required", "activities.jsonl:17: time: required", "activities.jsonl:17: operation: required"],
            errors);
    }

    [Fact]
    public void Null_or_empty_required_fields_are_errors()
    {
        var errors = Errors("""{"id":null,"time":null,"operation":""}""");

        Assert.Equal(
            ["activities.jsonl:17: id: required", "activities.jsonl:17: time: required", "activities.jsonl:17: operation: must not be empty"],
            errors);
    }

    [Fact]
    public void Bad_time_is_reported_as_not_an_iso_time()
    {
        var errors = Errors("""{"id":"a1","time":"yesterday","operation":"X"}""");

        Assert.Equal("activities.jsonl:17: time: not an ISO-8601 time: 'yesterday'", Assert.Single(errors));
    }

    [Fact]
    public void Wrong_types_are_each_reported()
    {
        var errors = Errors("""{"id":7,"time":1700000000,"operation":["X"],"userId":{},"clientIp":3,"objectId":true,"workload":1,"userTags":"Priority account","properties":"x"}""");

        Assert.Equal(
            [
                "activities.jsonl:17: id: must be a string, not a number",
                "activities.jsonl:17: time: must be an ISO-8601 time string, not a number",
                "activities.jsonl:17: operation: must be a string, not an array",
                "activities.jsonl:17: userId: must be a string, not an object",
                "activities.jsonl:17: clientIp: must be a string, not a number",
                "activities.jsonl:17: objectId: must be a string, not a boolean",
                "activities.jsonl:17: workload: must be a string, not a number",
                "activities.jsonl:17: userTags: must be an array of strings, not a string",
                "activities.jsonl:17: properties: must be an object, not a string",
            ],
            errors);
    }

    [Fact]
    public void Non_string_user_tags_are_reported_by_index()
    {
        var errors = Errors("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X","userTags":["ok",3,{"a":1}]}""");

        Assert.Equal(
            ["activities.jsonl:17: userTags[1]: must be a string, not a number", "activities.jsonl:17: userTags[2]: must be a string, not an object"],
            errors);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("10.1.2.3:443")]
    [InlineData("[10.1.2.3]")]
    [InlineData("12345")]
    [InlineData("10.1.2")]
    [InlineData("999.1.2.3")]
    public void Native_client_ip_must_be_a_plain_address(string value)
    {
        var errors = Errors($$"""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X","clientIp":"{{value}}"}""");

        Assert.Equal($"activities.jsonl:17: clientIp: not an IPv4 or IPv6 address: '{value}'", Assert.Single(errors));
    }

    [Fact]
    public void Native_ipv4_mapped_ipv6_client_ip_is_stored_as_ipv4()
    {
        var a = Valid("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X","clientIp":"::ffff:10.1.2.3"}""");

        Assert.Equal(IPAddress.Parse("10.1.2.3"), a.ClientIp);
    }

    [Fact]
    public void Unknown_native_fields_are_errors()
    {
        var errors = Errors("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X","user":"alice","CreationTime":"2026-03-01T09:00:00"}""");

        Assert.Equal(["activities.jsonl:17: user: unknown field", "activities.jsonl:17: CreationTime: unknown field"], errors);
    }

    [Fact]
    public void Duplicate_fields_are_errors_whatever_their_case()
    {
        var errors = Errors("""{"id":"a1","ID":"a2","time":"2026-03-01T09:00:00Z","operation":"X","properties":{"k":"1","K":"2"}}""");

        Assert.Equal(["activities.jsonl:17: ID: duplicate field", "activities.jsonl:17: properties.K: duplicate key"], errors);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"id":"a1","time":"2026-03-01T09:00:00Z",""", "not valid JSON")]
    [InlineData("""{"id":"a1"} trailing""", "not valid JSON")]
    [InlineData("""{"id":"a1"}{"id":"a2"}""", "not valid JSON")]
    [InlineData("""[{"id":"a1"}]""", "not a JSON object")]
    [InlineData("42", "not a JSON object")]
    [InlineData("\"text\"", "not a JSON object")]
    [InlineData("{\"id\":\"a1\", /* comment */ }", "not valid JSON")]
    public void Text_that_is_not_one_json_object_is_an_error(string line, string expected)
    {
        var error = Assert.Single(Errors(line));

        Assert.StartsWith("activities.jsonl:17: " + expected, error);
    }

    [Fact]
    public void Deeply_nested_json_is_an_error_not_a_crash()
    {
        var line = """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X","properties":{"p":""" + new string('[', 5000) + new string(']', 5000) + "}}";

        Assert.StartsWith("activities.jsonl:17: not valid JSON", Assert.Single(Errors(line)));
    }

    [Fact]
    public void A_string_escaping_a_lone_surrogate_is_an_error_not_a_crash()
    {
        var error = Assert.Single(Errors("""{"id":"\uD800","time":"2026-03-01T09:00:00Z","operation":"X"}"""));

        Assert.StartsWith("activities.jsonl:17: not valid JSON", error);
    }

    [Fact]
    public void A_blank_line_given_to_parse_line_is_an_error()
    {
        Assert.Equal("activities.jsonl:17: blank line: no activity", Assert.Single(Errors("   ")));
    }

    [Fact]
    public void Try_parse_line_returns_the_activity_or_the_errors()
    {
        Assert.True(ActivityReader.TryParseLine("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""", out var activity, out var errors));
        Assert.Equal("a1", activity.Id);
        Assert.Empty(errors);

        Assert.False(ActivityReader.TryParseLine("""{"id":"a1"}""", out activity, out errors));
        Assert.Null(activity);
        Assert.Equal(["input:1: time: required", "input:1: operation: required"], errors.Select(e => e.ToString()));
    }

    // ---- unified audit log format --------------------------------------------------------------------------

    private const string AuditRecord = """{"CreationTime":"2026-03-01T09:00:00","Id":"8f3c1e2a-0000-4000-8000-000000000001","Operation":"FileDeleted","OrganizationId":"d1b3c4f5","RecordType":6,"UserKey":"i:0h.f|membership|alice","UserType":0,"Version":1,"Workload":"SharePoint","ClientIP":"[2001:db8::1]:443","ObjectId":"https://contoso.sharepoint.com/sites/hr/payroll.xlsx","UserId":"alice@contoso.com","IsManagedDevice":false,"SourceFileName":"payroll.xlsx","AppAccessContext":{"AADSessionId":"s1"},"ModifiedProperties":[],"Site":null}""";

    [Fact]
    public void Audit_record_maps_its_fields_and_keeps_every_other_field_as_text()
    {
        var a = Valid(AuditRecord);

        Assert.Equal("8f3c1e2a-0000-4000-8000-000000000001", a.Id);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), a.Time);
        Assert.Equal("FileDeleted", a.Operation);
        Assert.Equal("alice@contoso.com", a.UserId);
        Assert.Equal(IPAddress.Parse("2001:db8::1"), a.ClientIp);
        Assert.Equal("https://contoso.sharepoint.com/sites/hr/payroll.xlsx", a.ObjectId);
        Assert.Equal("SharePoint", a.Workload);
        Assert.Empty(a.UserTags);
        Assert.Equal("d1b3c4f5", a.Properties["OrganizationId"]);
        Assert.Equal("6", a.Properties["RecordType"]);
        Assert.Equal("0", a.Properties["UserType"]);
        Assert.Equal("false", a.Properties["IsManagedDevice"]);
        Assert.Equal("payroll.xlsx", a.Properties["sourcefilename"]);
        Assert.Equal("""{"AADSessionId":"s1"}""", a.Properties["AppAccessContext"]);
        Assert.Equal("[]", a.Properties["ModifiedProperties"]);
        Assert.False(a.Properties.ContainsKey("Site"));
        Assert.False(a.Properties.ContainsKey("Id"));
        Assert.False(a.Properties.ContainsKey("ClientIP"));
        Assert.Equal(9, a.Properties.Count);
    }

    [Fact]
    public void Audit_creation_time_with_an_offset_is_converted_to_utc()
    {
        var a = Valid("""{"CreationTime":"2026-03-01T10:00:00+01:00","Id":"x","Operation":"FileDeleted"}""");

        Assert.Equal(new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), a.Time);
    }

    [Theory]
    [InlineData("1.2.3.4", "1.2.3.4")]
    [InlineData("1.2.3.4:50123", "1.2.3.4")]
    [InlineData("[1.2.3.4]:50123", "1.2.3.4")]
    [InlineData("[2001:db8::1]:443", "2001:db8::1")]
    [InlineData("[2001:db8::1]", "2001:db8::1")]
    [InlineData("2001:db8::1", "2001:db8::1")]
    [InlineData("::ffff:1.2.3.4", "1.2.3.4")]
    [InlineData("[::ffff:1.2.3.4]:8080", "1.2.3.4")]
    [InlineData(" 10.0.0.1 ", "10.0.0.1")]
    public void Audit_client_ip_forms_are_all_understood(string value, string expected)
    {
        var result = Parse($$"""{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"FileDeleted","ClientIP":"{{value}}"}""");

        Assert.True(result.IsValid);
        Assert.Equal(IPAddress.Parse(expected), result.Activity.ClientIp);
        Assert.False(result.Activity.Properties.ContainsKey("ClientIP"));
        Assert.Empty(result.Notes);
    }

    [Theory]
    [InlineData("localhost")]
    [InlineData("contoso.com:443")]
    [InlineData("1.2.3.4:99999")]
    [InlineData("1.2.3.4:")]
    [InlineData("12345")]
    [InlineData("[2001:db8::1")]
    [InlineData("[2001:db8::1]:port")]
    [InlineData("<unknown>")]
    public void Audit_client_ip_that_is_not_an_address_is_kept_as_a_property_and_noted_not_an_error(string value)
    {
        var result = Parse($$"""{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"FileDeleted","ClientIP":"{{value}}"}""");

        Assert.True(result.IsValid);
        Assert.Empty(result.Errors);
        Assert.Null(result.Activity.ClientIp);
        Assert.Equal(value, result.Activity.Properties["ClientIP"]);
        var note = Assert.Single(result.Notes);
        Assert.Equal(DiagnosticKind.UnparsableClientIp, note.Kind);
        Assert.Equal("x", note.ActivityId);
        Assert.StartsWith("activities.jsonl:17: ClientIP: not an IP address", note.Message);
    }

    [Fact]
    public void Audit_empty_client_ip_is_absent_without_a_note()
    {
        var result = Parse("""{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"FileDeleted","ClientIP":""}""");

        Assert.True(result.IsValid);
        Assert.Null(result.Activity.ClientIp);
        Assert.Empty(result.Activity.Properties);
        Assert.Empty(result.Notes);
    }

    [Fact]
    public void Audit_record_missing_fields_reports_the_audit_names()
    {
        var errors = Errors("""{"Operation":"FileDeleted","UserId":"alice","RecordType":6}""");

        Assert.Equal(["activities.jsonl:17: Id: required", "activities.jsonl:17: CreationTime: required"], errors);
    }

    [Fact]
    public void Audit_record_with_bad_creation_time_is_an_error()
    {
        var errors = Errors("""{"CreationTime":"29/06/2015 20:03","Id":"x","Operation":"FileDeleted"}""");

        Assert.Equal("activities.jsonl:17: CreationTime: not an ISO-8601 time: '29/06/2015 20:03'", Assert.Single(errors));
    }

    [Fact]
    public void Audit_field_names_match_case_insensitively()
    {
        var a = Valid("""{"creationtime":"2026-03-01T09:00:00","ID":"x","operation":"FileDeleted","userid":"bob","clientip":"1.2.3.4:1"}""");

        Assert.Equal("bob", a.UserId);
        Assert.Equal(IPAddress.Parse("1.2.3.4"), a.ClientIp);
    }

    // ---- streaming -----------------------------------------------------------------------------------------

    [Fact]
    public void Blank_lines_are_skipped_and_line_numbers_still_count_them()
    {
        var results = ReadAll(
            "\n" +
            """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""" + "\r\n" +
            "   \t\r\n" +
            "\n" +
            """{"id":"a2","time":"2026-03-01T09:00:01Z","operation":"X"}""");

        Assert.Equal([2L, 5L], results.Select(r => r.LineNumber));
        Assert.Equal(["a1", "a2"], results.Select(r => r.Activity!.Id));
    }

    [Fact]
    public void A_byte_order_mark_is_ignored()
    {
        var bytes = new byte[] { 0xEF, 0xBB, 0xBF }.Concat(Encoding.UTF8.GetBytes("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""")).ToArray();

        var result = Assert.Single(ActivityReader.Read(new MemoryStream(bytes), "f"));

        Assert.True(result.IsValid);
    }

    [Fact]
    public void An_invalid_line_does_not_stop_reading_and_names_file_and_line()
    {
        var results = ReadAll(
            """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""" + "\n" +
            """{"id":"a2","time":"later","operation":"X"}""" + "\n" +
            """{"id":"a3","time":"2026-03-01T09:00:02Z","operation":"X"}""" + "\n");

        Assert.Equal(3, results.Count);
        Assert.True(results[0].IsValid);
        Assert.Equal("activities.jsonl:2: time: not an ISO-8601 time: 'later'", Assert.Single(results[1].Errors).ToString());
        Assert.Equal("activities.jsonl:2", results[1].Location);
        Assert.True(results[2].IsValid);
    }

    [Fact]
    public void A_line_longer_than_the_limit_is_an_error_and_reading_goes_on()
    {
        var huge = """{"id":"big","time":"2026-03-01T09:00:00Z","operation":"X","properties":{"p":" """ + new string('x', 200_000) + "\"}}";
        var results = ReadAll(
            """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""" + "\n" + huge + "\n" +
            """{"id":"a3","time":"2026-03-01T09:00:02Z","operation":"X"}""" + "\n",
            new ActivityReaderOptions { MaxLineLength = 1000 });

        Assert.Equal(3, results.Count);
        Assert.Equal("a1", results[0].Activity!.Id);
        Assert.Equal("activities.jsonl:2: line is longer than 1000 bytes; skipped", Assert.Single(results[1].Errors).ToString());
        Assert.Equal("a3", results[2].Activity!.Id);
        Assert.Equal(3, results[2].LineNumber);
    }

    [Fact]
    public void A_last_line_longer_than_the_limit_without_newline_is_an_error()
    {
        var results = ReadAll("""{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""", new ActivityReaderOptions { MaxLineLength = 20 });

        Assert.Equal("activities.jsonl:1: line is longer than 20 bytes; skipped", Assert.Single(Assert.Single(results).Errors).ToString());
    }

    [Fact]
    public void A_line_exactly_at_the_limit_is_read()
    {
        var line = """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"X"}""";

        var results = ReadAll(line + "\r\n" + line.Replace("a1", "a2", StringComparison.Ordinal), new ActivityReaderOptions { MaxLineLength = line.Length });

        Assert.All(results, r => Assert.True(r.IsValid));
        Assert.Equal(2, results.Count);
    }

    [Fact]
    public void Nul_bytes_are_a_clear_error()
    {
        var results = ReadAll("{\"id\":\"a1\",\0\"time\":\"2026-03-01T09:00:00Z\",\"operation\":\"X\"}\n");

        Assert.Equal("activities.jsonl:1: contains a NUL byte at byte 12: not a text line", Assert.Single(Assert.Single(results).Errors).ToString());
    }

    [Fact]
    public void Invalid_utf8_is_a_clear_error_and_reading_goes_on()
    {
        var bytes = new List<byte>();
        bytes.AddRange(Encoding.UTF8.GetBytes("""{"id":"a"""));
        bytes.AddRange([0xC3, 0x28]);
        bytes.AddRange(Encoding.UTF8.GetBytes("\",\"time\":\"2026-03-01T09:00:00Z\",\"operation\":\"X\"}\n"));
        bytes.AddRange(Encoding.UTF8.GetBytes("""{"id":"a2","time":"2026-03-01T09:00:00Z","operation":"X"}"""));

        var results = ActivityReader.Read(new MemoryStream(bytes.ToArray()), "f.jsonl").ToList();

        Assert.Equal("f.jsonl:1: not valid UTF-8 at byte 9", Assert.Single(results[0].Errors).ToString());
        Assert.True(results[1].IsValid);
    }

    [Fact]
    public void Text_reader_gives_the_same_results_as_the_stream()
    {
        const string text = "{\"id\":\"a1\",\"time\":\"2026-03-01T09:00:00Z\",\"operation\":\"X\",\"userId\":\"jos\u00e9\"}\n\n{\"id\":2}\r\n{\"CreationTime\":\"2026-03-01T09:00:00\",\"Id\":\"x\",\"Operation\":\"Y\",\"ClientIP\":\"localhost\"}";

        var fromStream = ReadAll(text);
        var fromText = ActivityReader.Read(new StringReader(text), "activities.jsonl").ToList();

        Assert.Equal(fromStream.Select(r => r.ToString()), fromText.Select(r => r.ToString()));
        Assert.Equal(fromStream.Select(r => r.Notes.Count), fromText.Select(r => r.Notes.Count));
        Assert.Equal("josé", fromText[0].Activity!.UserId);
    }

    [Fact]
    public void Text_reader_reports_lone_surrogates_and_nul_characters()
    {
        var results = ActivityReader.Read(new StringReader("{\"id\":\"\uD800\"}\n{\"id\":\"\0\"}\n"), "t").ToList();

        Assert.Equal("t:1: not valid text: a lone surrogate at character 8", Assert.Single(results[0].Errors).ToString());
        Assert.Equal("t:2: contains a NUL character at character 8: not a text line", Assert.Single(results[1].Errors).ToString());
    }

    [Fact]
    public void Text_reader_limits_line_length_in_characters()
    {
        var results = ActivityReader.Read(new StringReader(new string(' ', 50) + "x\n{}"), "t", new ActivityReaderOptions { MaxLineLength = 10 }).ToList();

        Assert.Equal("t:1: line is longer than 10 characters; skipped", Assert.Single(results[0].Errors).ToString());
        Assert.Equal(2, results[1].LineNumber);
    }

    [Fact]
    public async Task Async_reader_gives_the_same_results_as_the_sync_reader()
    {
        var text = string.Join("\n", Enumerable.Range(0, 2000).Select(i => i % 7 == 0
            ? "{\"id\":\"bad\"}"
            : $$"""{"id":"a{{i}}","time":"2026-03-01T09:00:00Z","operation":"X"}"""));
        var bytes = Encoding.UTF8.GetBytes(text);

        var sync = ActivityReader.Read(new MemoryStream(bytes), "f").Select(r => r.ToString()).ToList();
        var async = new List<string>();
        await foreach (var r in ActivityReader.ReadAsync(new MemoryStream(bytes), "f", cancellationToken: TestContext.Current.CancellationToken))
        {
            async.Add(r.ToString());
        }

        Assert.Equal(2000, sync.Count);
        Assert.Equal(sync, async);
    }

    [Fact]
    public void Reading_is_lazy_so_an_endless_stream_can_be_consumed()
    {
        using var endless = new EndlessActivityStream();

        var first = ActivityReader.Read(endless, "endless").Take(5000).ToList();

        Assert.Equal(5000, first.Count);
        Assert.All(first, r => Assert.True(r.IsValid));
        Assert.Equal(5000, first[^1].LineNumber);
    }

    [Fact]
    public void Argument_errors_are_thrown_eagerly()
    {
        Assert.Throws<ArgumentNullException>(() => ActivityReader.Read((Stream)null!, "x"));
        Assert.Throws<ArgumentNullException>(() => ActivityReader.Read(new MemoryStream(), null!));
        Assert.Throws<ArgumentNullException>(() => ActivityReader.Read((TextReader)null!, "x"));
        Assert.Throws<ArgumentOutOfRangeException>(() => new ActivityReaderOptions { MaxLineLength = 0 });
    }

    /// <summary>A read-only stream producing valid activity lines forever.</summary>
    private sealed class EndlessActivityStream : Stream
    {
        private byte[] _pending = [];
        private int _offset;
        private long _n;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_offset == _pending.Length)
            {
                _pending = Encoding.UTF8.GetBytes($$"""{"id":"e{{_n++}}","time":"2026-03-01T09:00:00Z","operation":"X"}""" + "\n");
                _offset = 0;
            }

            var n = Math.Min(buffer.Length, _pending.Length - _offset);
            _pending.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
