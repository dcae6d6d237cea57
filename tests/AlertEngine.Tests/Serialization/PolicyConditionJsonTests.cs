using System.Net;
using static AlertEngine.Tests.Serialization.PolicyJson;

namespace AlertEngine.Tests.Serialization;

/// <summary>Condition tree rules.</summary>
public class PolicyConditionJsonTests
{
    [Fact]
    public void Every_condition_kind_loads_into_its_record()
    {
        var c = Assert.IsType<AnyCondition>(LoadOne(Conditions("""
            {"any": [
              {"all": []},
              {"not": {"users": ["alice@contoso.com"]}},
              {"ipAddresses": ["10.0.0.0/8", "2001:db8::/32", "10.1.2.3", "::1"]},
              {"fileNames": ["*.docx"]},
              {"urls": ["https://contoso.sharepoint.com/sites/hr/*"]},
              {"userTags": ["Priority account"]},
              {"property": "Workload", "equals": "Exchange"},
              {"property": "MalwareFamily", "in": ["Emotet", ""]},
              {"property": "objectId", "matches": "*payroll?.xlsx"}
            ]}
            """)).Conditions);

        Assert.Empty(Assert.IsType<AllCondition>(c.Conditions[0]).Conditions);
        Assert.Equal(["alice@contoso.com"], Assert.IsType<UsersCondition>(Assert.IsType<NotCondition>(c.Conditions[1]).Condition).Users);
        Assert.Equal(
            [IPNetwork.Parse("10.0.0.0/8"), IPNetwork.Parse("2001:db8::/32"), IPNetwork.Parse("10.1.2.3/32"), IPNetwork.Parse("::1/128")],
            Assert.IsType<IpAddressesCondition>(c.Conditions[2]).Ranges);
        Assert.Equal(["*.docx"], Assert.IsType<FileNamesCondition>(c.Conditions[3]).Patterns);
        Assert.Equal(["https://contoso.sharepoint.com/sites/hr/*"], Assert.IsType<UrlsCondition>(c.Conditions[4]).Patterns);
        Assert.Equal(["Priority account"], Assert.IsType<UserTagsCondition>(c.Conditions[5]).Tags);
        AssertProperty(c.Conditions[6], "Workload", PropertyOperator.Equals, "Exchange");
        AssertProperty(c.Conditions[7], "MalwareFamily", PropertyOperator.In, "Emotet", string.Empty);
        AssertProperty(c.Conditions[8], "objectId", PropertyOperator.Matches, "*payroll?.xlsx");
    }

    [Fact]
    public void Condition_kinds_match_case_insensitively() =>
        Assert.IsType<UsersCondition>(Assert.IsType<NotCondition>(LoadOne(Conditions("{\"NOT\": {\"Users\": [\"a\"]}}")).Conditions).Condition);

    [Theory]
    [InlineData("300.1.1.1", "\"300.1.1.1\" is not an IP address or CIDR range")]
    [InlineData("10.1.2.3/8", "\"10.1.2.3/8\" has host bits set beyond the /8 prefix; write 10.0.0.0/8 for the range, or 10.1.2.3 for the single address")]
    [InlineData("10.0.0.0/33", "\"10.0.0.0/33\" has an invalid prefix length; expected /0 to /32")]
    [InlineData("2001:db8::/129", "has an invalid prefix length; expected /0 to /128")]
    [InlineData("10.0.0.0/", "has an invalid prefix length")]
    [InlineData("10.0.0.0/08", "has an invalid prefix length")]
    [InlineData("010.0.0.1", "is not an IP address or CIDR range")]
    [InlineData("10.1", "is not an IP address or CIDR range")]
    [InlineData("fe80::1%eth0", "is not an IP address or CIDR range")]
    [InlineData("localhost", "is not an IP address or CIDR range")]
    [InlineData("", "must not be empty; expected an IP address or a CIDR range")]
    public void Bad_ip_address_or_range_is_an_error_at_its_path(string entry, string message) =>
        SingleError(Conditions("{\"all\": [{\"ipAddresses\": [\"10.0.0.0/8\", \"" + entry + "\"]}]}"),
            "policies[0].conditions.all[0].ipAddresses[1]", message);

    [Fact]
    public void Ip_addresses_must_be_strings() =>
        SingleError(Conditions("{\"ipAddresses\": [167772160]}"), "policies[0].conditions.ipAddresses[0]", "must be a string, not a number");

    [Theory]
    [InlineData("users")]
    [InlineData("ipAddresses")]
    [InlineData("fileNames")]
    [InlineData("urls")]
    [InlineData("userTags")]
    public void Leaf_lists_need_at_least_one_value(string kind) =>
        SingleError(Conditions("{\"" + kind + "\": []}"), "policies[0].conditions." + kind, "must contain at least one value");

    [Theory]
    [InlineData("users")]
    [InlineData("userTags")]
    public void User_and_tag_entries_must_not_be_empty(string kind) =>
        SingleError(Conditions("{\"" + kind + "\": [\"a\", \" \"]}"), "policies[0].conditions." + kind + "[1]", "must not be empty");

    [Theory]
    [InlineData("fileNames")]
    [InlineData("urls")]
    public void Globs_must_not_be_empty(string kind) =>
        SingleError(Conditions("{\"" + kind + "\": [\"\"]}"), "policies[0].conditions." + kind + "[0]", "must not be empty");

    [Theory]
    [InlineData("fileNames")]
    [InlineData("urls")]
    public void Globs_are_at_most_1000_characters(string kind)
    {
        LoadOne(Conditions("{\"" + kind + "\": [\"" + new string('*', 1000) + "\"]}"));
        SingleError(Conditions("{\"" + kind + "\": [\"" + new string('a', 1001) + "\"]}"), "policies[0].conditions." + kind + "[0]",
            "must be at most 1,000 characters long (it has 1,001)");
    }

    [Fact]
    public void Leaf_list_must_be_an_array() =>
        SingleError(Conditions("{\"users\": \"alice\"}"), "policies[0].conditions.users", "must be an array of strings, not a string");

    [Theory]
    [InlineData("{}", "policies[0].conditions", "must have one of all, any, not, users, ipAddresses, fileNames, urls, userTags, property")]
    [InlineData("[]", "policies[0].conditions", "must be a condition object with one of all, any,")]
    [InlineData("{\"users\": [\"a\"], \"urls\": [\"b\"]}", "policies[0].conditions", "has more than one kind of condition (users, urls); one object holds one condition, combine several with all or any")]
    [InlineData("{\"all\": {}}", "policies[0].conditions.all", "must be an array of conditions, not an object")]
    [InlineData("{\"any\": [{\"users\": [\"a\"]}, 3]}", "policies[0].conditions.any[1]", "must be a condition object with one of all, any,")]
    [InlineData("{\"not\": [{\"users\": [\"a\"]}]}", "policies[0].conditions.not", "must be a condition object with one of all, any,")]
    [InlineData("{\"not\": null}", "policies[0].conditions.not", "must be a condition object with one of all, any, not, users, ipAddresses, fileNames, urls, userTags, property, not null")]
    [InlineData("{\"user\": [\"a\"]}", "policies[0].conditions.user", "is not a property of a condition; did you mean \"users\"?")]
    public void Each_condition_object_has_exactly_one_known_kind(string conditions, string path, string message)
    {
        var errors = Errors(Conditions(conditions));
        Assert.Contains(errors, e => e.Path == path && e.Message.Contains(message, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("{\"property\": \"Workload\"}", "policies[0].conditions", "a property condition needs one of equals, in or matches")]
    [InlineData("{\"property\": \"Workload\", \"equals\": \"a\", \"in\": [\"b\"]}", "policies[0].conditions.in", "only one of equals, in or matches is allowed in a property condition")]
    [InlineData("{\"equals\": \"Exchange\"}", "policies[0].conditions", "equals, in and matches need a property to compare")]
    [InlineData("{\"users\": [\"a\"], \"matches\": \"x\"}", "policies[0].conditions.matches", "applies only to a property condition")]
    [InlineData("{\"property\": \"\", \"equals\": \"a\"}", "policies[0].conditions.property", "must not be empty")]
    [InlineData("{\"property\": 1, \"equals\": \"a\"}", "policies[0].conditions.property", "must be a string, not a number")]
    [InlineData("{\"property\": \"Workload\", \"equals\": 1}", "policies[0].conditions.equals", "must be a string, not a number")]
    [InlineData("{\"property\": \"Workload\", \"in\": []}", "policies[0].conditions.in", "must contain at least one value")]
    [InlineData("{\"property\": \"Workload\", \"in\": \"a\"}", "policies[0].conditions.in", "must be an array of strings, not a string")]
    [InlineData("{\"property\": \"Workload\", \"matches\": \"\"}", "policies[0].conditions.matches", "must not be empty")]
    public void Property_condition_has_a_property_and_exactly_one_operator(string conditions, string path, string message) =>
        SingleError(Conditions(conditions), path, message);

    [Fact]
    public void Property_condition_equals_may_compare_with_the_empty_string() =>
        AssertProperty(LoadOne(Conditions("{\"property\": \"Workload\", \"equals\": \"\"}")).Conditions!, "Workload", PropertyOperator.Equals, string.Empty);

    [Fact]
    public void Errors_in_several_children_are_all_reported()
    {
        var errors = Errors(Conditions("{\"all\": [{\"users\": []}, {\"not\": {\"fileNames\": [\"\"]}}, {\"ipAddresses\": [\"x\"]}]}"));
        Assert.Equal(
            ["policies[0].conditions.all[0].users", "policies[0].conditions.all[1].not.fileNames[0]", "policies[0].conditions.all[2].ipAddresses[0]"],
            errors.Select(e => e.Path));
    }

    private static void AssertProperty(Condition condition, string property, PropertyOperator op, params string[] values)
    {
        var p = Assert.IsType<PropertyCondition>(condition);
        Assert.Equal(property, p.Property);
        Assert.Equal(op, p.Operator);
        Assert.Equal(values, p.Values);
    }
}
