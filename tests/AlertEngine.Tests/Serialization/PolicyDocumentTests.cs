using System.Text;
using static AlertEngine.Tests.Serialization.PolicyJson;

namespace AlertEngine.Tests.Serialization;

/// <summary>Document-level rules: syntax, encoding, size, shape.</summary>
public class PolicyDocumentTests
{
    [Fact]
    public void Spec_example_loads_with_every_field()
    {
        const string json = """
            [{
              "id": "mass-delete",
              "name": "Mass file deletion",
              "description": "A user deleted many files in a short time",
              "enabled": true,
              "type": "Custom",
              "category": "InformationGovernance",
              "severity": "High",
              "activities": ["FileDeleted", "FileRecycled"],
              "conditions": {"all": [{"ipAddresses": ["10.0.0.0/8"]}, {"not": {"users": ["svc-backup@contoso.com"]}}]},
              "trigger": {"type": "threshold", "count": 100, "window": "PT1H", "scope": "user"},
              "aggregation": {"mode": "policy", "interval": "PT1M"},
              "automatedInvestigation": false,
              "notification": {"enabled": true, "recipients": ["soc@contoso.com"], "dailyLimit": 10}
            }]
            """;

        var p = LoadOne(json);

        Assert.Equal("mass-delete", p.Id);
        Assert.Equal("Mass file deletion", p.Name);
        Assert.Equal("A user deleted many files in a short time", p.Description);
        Assert.True(p.Enabled);
        Assert.Equal(PolicyType.Custom, p.Type);
        Assert.Equal(AlertCategory.InformationGovernance, p.Category);
        Assert.Equal(AlertSeverity.High, p.Severity);
        Assert.Equal(["FileDeleted", "FileRecycled"], p.Operations);
        var all = Assert.IsType<AllCondition>(p.Conditions);
        var ips = Assert.IsType<IpAddressesCondition>(all.Conditions[0]);
        Assert.Equal(System.Net.IPNetwork.Parse("10.0.0.0/8"), Assert.Single(ips.Ranges));
        var not = Assert.IsType<NotCondition>(all.Conditions[1]);
        Assert.Equal(["svc-backup@contoso.com"], Assert.IsType<UsersCondition>(not.Condition).Users);
        Assert.Equal(new ThresholdTrigger(100, TimeSpan.FromHours(1), TriggerScope.User), p.Trigger);
        Assert.Equal(new AggregationSettings(AggregationMode.Policy, TimeSpan.FromMinutes(1)), p.Aggregation);
        Assert.False(p.AutomatedInvestigation);
        Assert.NotNull(p.Notification);
        Assert.True(p.Notification.Enabled);
        Assert.Equal(["soc@contoso.com"], p.Notification.Recipients);
        Assert.Equal(10, p.Notification.DailyLimit);
    }

    [Fact]
    public void Empty_array_is_a_valid_document_with_no_policies()
    {
        var result = PolicySerializer.Load("[]");
        Assert.True(result.IsValid);
        Assert.Empty(result.Value);
    }

    [Fact]
    public void Malformed_json_is_one_error_with_line_and_position_and_no_stack_trace()
    {
        var error = Assert.Single(Errors("[\n  {\"id\": }\n]"));
        Assert.Equal(string.Empty, error.Path);
        Assert.StartsWith("invalid JSON at line 2, position 10: ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(" at System.", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("[{}")]
    [InlineData("[1,]")]
    [InlineData("[] // comment")]
    [InlineData("[] []")]
    [InlineData("[\0]")]
    [InlineData("{\"id\": \"a\0b\"}")]
    public void Any_syntax_error_is_reported_as_invalid_json(string json)
    {
        var error = Assert.Single(Errors(json));
        Assert.StartsWith("invalid JSON at line 1, position ", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "an object")]
    [InlineData("\"policies\"", "a string")]
    [InlineData("null", "null")]
    [InlineData("42", "a number")]
    public void Top_level_must_be_an_array(string json, string kind)
    {
        var error = SingleError(json, "policies", "must be a JSON array of policies");
        Assert.EndsWith(kind, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Each_policy_must_be_an_object() =>
        SingleError("[" + Only(Required)[1..^1] + ", 5]", "policies[1]", "must be a policy object, not a number");

    [Fact]
    public void Deep_nesting_is_a_clear_error_not_a_crash()
    {
        var error = Assert.Single(Errors(new string('[', 10_000) + new string(']', 10_000)));
        Assert.Contains("maximum configured depth of 64", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Conditions_nested_more_than_32_levels_are_an_error_at_the_level_that_is_too_deep()
    {
        static string Nots(int n) => string.Concat(Enumerable.Repeat("{\"not\": ", n)) + "{\"users\": [\"a\"]}" + new string('}', n);

        LoadOne(Conditions(Nots(31))); // 32 levels in all
        var path = "policies[0].conditions" + string.Concat(Enumerable.Repeat(".not", 32));
        SingleError(Conditions(Nots(40)), path, "nested more than 32 levels deep");
    }

    [Fact]
    public void Escaped_null_characters_are_ordinary_text()
    {
        var p = LoadOne(Only("\"id\": \"a\\u0000b\", \"name\": \"\\u0000\", \"category\": \"Others\", \"severity\": \"Low\", \"activities\": [\"x\"]"));
        Assert.Equal("a\0b", p.Id);
        Assert.Equal("\0", p.Name); // not blank: a control character is not white space
    }

    [Fact]
    public void Escaped_unpaired_surrogate_is_an_error_at_its_path()
    {
        SingleError(Only(Required.Replace("\"P\"", "\"\\ud800\"", StringComparison.Ordinal)), "policies[0].name", "unpaired surrogate");
    }

    [Fact]
    public void Escaped_unpaired_surrogate_in_a_property_name_is_an_error()
    {
        SingleError(With("\"\\udc00\": 1"), "policies[0]", "property name with an invalid escape");
    }

    [Fact]
    public void Unpaired_surrogate_in_the_string_is_an_error_with_its_index()
    {
        var error = Assert.Single(Errors("[\"\ud800\"]"));
        Assert.Equal("the text contains an unpaired surrogate at character 2", error.Message);
    }

    [Fact]
    public void Huge_strings_load_and_are_kept_whole()
    {
        var name = new string('n', 1_000_000);
        var p = LoadOne(Only(Required.Replace("\"P\"", "\"" + name + "\"", StringComparison.Ordinal)));
        Assert.Equal(name, p.Name);
    }

    [Fact]
    public void Stream_is_read_fully_and_may_start_with_a_byte_order_mark()
    {
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(Only(Required))).ToArray();
        var result = PolicySerializer.Load(new MemoryStream(bytes));
        Assert.True(result.IsValid, string.Join("\n", result.Errors));
        Assert.Equal("p", Assert.Single(result.Value).Id);
    }

    [Fact]
    public void Invalid_utf8_in_a_stream_is_an_error_with_its_line_and_offset()
    {
        var bytes = Encoding.UTF8.GetBytes("[\n\"x").Concat(new byte[] { 0xFF }).Concat(Encoding.UTF8.GetBytes("\"]")).ToArray();
        var error = Assert.Single(StreamErrors(bytes));
        Assert.Equal("the document is not valid UTF-8: invalid byte sequence at line 2 (byte offset 4)", error.Message);
    }

    [Fact]
    public void Stream_larger_than_16_MiB_is_an_error()
    {
        var big = new byte[(16 * 1024 * 1024) + 1];
        big.AsSpan().Fill((byte)' ');
        big[0] = (byte)'[';
        big[^1] = (byte)']';
        var error = Assert.Single(StreamErrors(big));
        Assert.Equal("the document is larger than 16 MiB", error.Message);
    }

    [Fact]
    public void Text_larger_than_16_MiB_in_utf8_is_an_error()
    {
        var error = Assert.Single(Errors("[\"" + new string('日', 6 * 1024 * 1024) + "\"]")); // 6 Mi characters, 18 MiB in UTF-8
        Assert.Equal("the document is larger than 16 MiB", error.Message);
    }

    [Fact]
    public void Null_arguments_and_undefined_plans_are_programmer_errors()
    {
        Assert.Throws<ArgumentNullException>(() => PolicySerializer.Load((string)null!));
        Assert.Throws<ArgumentNullException>(() => PolicySerializer.Load((Stream)null!));
        Assert.Throws<ArgumentOutOfRangeException>(() => PolicySerializer.Load("[]", new PolicyLoadOptions { Plan = (Plan)99 }));
    }

    [Fact]
    public void Every_problem_in_the_file_is_reported_at_once_in_document_order()
    {
        const string json = """
            [
              {"id": "a", "name": "A", "category": "Others", "severity": "Low", "activities": ["x"],
               "trigger": {"type": "threshold", "count": 0, "window": "PT0S"}},
              {"id": "", "category": "Nope", "severity": "Low", "activities": [],
               "conditions": {"all": [{"ipAddresses": ["10.0.0.1", "300.1.1.1"]}, {"fileNames": [""]}]}},
              {"id": "a", "name": "Dup", "category": "Others", "severity": "Low", "activities": ["x"], "colour": "red",
               "notification": {"dailyLimit": 0}}
            ]
            """;

        var errors = Errors(json).Select(e => e.ToString()).ToList();

        Assert.Equal(
            [
                "policies[0].trigger.count: must be at least 1",
                "policies[0].trigger.window: must be greater than zero",
                "policies[1].id: must not be empty",
                "policies[1].name: is required",
                "policies[1].category: \"Nope\" is not a valid category; expected one of DataLossPrevention, InformationGovernance, MailFlow, Permissions, ThreatManagement, Others",
                "policies[1].activities: must contain at least one value",
                "policies[1].conditions.all[0].ipAddresses[1]: \"300.1.1.1\" is not an IP address or CIDR range; expected e.g. 10.1.2.3, 10.0.0.0/8 or 2001:db8::/32",
                "policies[1].conditions.all[1].fileNames[0]: must not be empty",
                "policies[2].colour: is not a property of a policy; expected one of id, name, description, enabled, type, category, severity, activities, conditions, trigger, aggregation, automatedInvestigation, notification",
                "policies[2].notification.dailyLimit: must be at least 1",
                "policies[2].id: duplicate id \"a\"; already used by policies[0]",
            ],
            errors);
    }

    [Fact]
    public void Listing_stops_after_1000_errors_with_a_note()
    {
        var json = "[" + string.Join(",", Enumerable.Repeat("{}", 400)) + "]";
        var errors = Errors(json);
        Assert.Equal(1001, errors.Count);
        Assert.Equal("too many errors; only the first 1,000 are listed", errors[^1].Message);
    }

    private static IReadOnlyList<ValidationError> StreamErrors(byte[] utf8)
    {
        var result = PolicySerializer.Load(new MemoryStream(utf8));
        Assert.False(result.IsValid);
        return result.Errors;
    }
}
