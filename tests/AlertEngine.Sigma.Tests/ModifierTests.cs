namespace AlertEngine.Sigma.Tests;

public sealed class ModifierTests
{
    private static bool Matches(string detection, Activity activity, SigmaLoadOptions? options = null) =>
        Sigma.Compile(detection, options)(activity);

    private static Activity With(string key, string value) => Sigma.Audit("Set-Mailbox", properties: (key, value));

    private const string Op = "sel:\n    Operation: Set-Mailbox\n";

    [Theory]
    [InlineData("ForwardingSmtpAddress: attacker@evil.com", "ATTACKER@evil.com", true)]
    [InlineData("ForwardingSmtpAddress: attacker@evil.com", "attacker@evil.com.au", false)]
    [InlineData("ForwardingSmtpAddress: '*@evil.com'", "x@EVIL.com", true)]
    [InlineData("ForwardingSmtpAddress: '?@evil.com'", "xy@evil.com", false)]
    [InlineData("ForwardingSmtpAddress: '??@evil.com'", "xy@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|contains: evil", "a@EVIL.com", true)]
    [InlineData("ForwardingSmtpAddress|contains: evil", "a@good.com", false)]
    [InlineData("ForwardingSmtpAddress|startswith: att", "ATTacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|startswith: evil", "attacker@evil.com", false)]
    [InlineData("ForwardingSmtpAddress|endswith: .com", "attacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|endswith: .org", "attacker@evil.com", false)]
    [InlineData("ForwardingSmtpAddress|contains|all: [att, evil]", "attacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|contains|all: [att, good]", "attacker@evil.com", false)]
    [InlineData("ForwardingSmtpAddress|contains: [good, evil]", "attacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|re: '^att[a-z]+@'", "attacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|re: '^ATT'", "attacker@evil.com", false)]
    [InlineData("ForwardingSmtpAddress|re|i: '^ATT'", "attacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress|cased: Attacker@evil.com", "attacker@evil.com", false)]
    [InlineData("ForwardingSmtpAddress|cased: attacker@evil.com", "attacker@evil.com", true)]
    [InlineData("ForwardingSmtpAddress: 'a\\*b'", "a*b", true)]
    [InlineData("ForwardingSmtpAddress: 'a\\*b'", "axxb", false)]
    [InlineData("ForwardingSmtpAddress: 'a\\?b'", "axb", false)]
    [InlineData("ForwardingSmtpAddress|exists: true", "", true)]
    [InlineData("ForwardingSmtpAddress|exists: false", "", false)]
    [InlineData("ForwardingSmtpAddress: null", "", true)]
    [InlineData("ForwardingSmtpAddress: null", "x", false)]
    [InlineData("ForwardingSmtpAddress: ''", "", true)]
    [InlineData("ForwardingSmtpAddress: 42", "42", true)]
    [InlineData("ForwardingSmtpAddress: true", "True", true)]
    public void Value_forms_and_modifiers(string field, string value, bool expected) =>
        Assert.Equal(expected, Matches(Op + "    " + field + "\ncondition: sel", With("ForwardingSmtpAddress", value)));

    [Fact]
    public void Missing_field_matches_null_and_not_exists_only()
    {
        var activity = Sigma.Audit("Set-Mailbox");
        Assert.True(Matches(Op + "    Forward: null\ncondition: sel", activity));
        Assert.True(Matches(Op + "    Forward|exists: false\ncondition: sel", activity));
        Assert.False(Matches(Op + "    Forward|exists: true\ncondition: sel", activity));
        Assert.False(Matches(Op + "    Forward|contains: ''\ncondition: sel", activity));
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "11.1.2.3", false)]
    [InlineData("2001:db8::/32", "2001:db8::1", true)]
    public void Cidr_on_the_client_ip(string network, string ip, bool expected) =>
        Assert.Equal(expected, Matches(Op + $"    ClientIP|cidr: '{network}'\ncondition: sel", Sigma.Audit("Set-Mailbox", clientIp: ip)));

    [Fact]
    public void Cidr_list_is_one_ip_addresses_condition()
    {
        var policy = Sigma.One(Sigma.Rule(Op + "    ClientIP|cidr: ['10.0.0.0/8', '192.168.0.0/16']\ncondition: sel"));
        var all = Assert.IsType<AllCondition>(policy.Conditions);
        Assert.Equal(2, Assert.IsType<IpAddressesCondition>(all.Conditions[1]).Ranges.Count);
    }

    [Fact]
    public void Expand_takes_placeholder_values_from_the_options()
    {
        var options = new SigmaLoadOptions
        {
            Placeholders = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase) { ["Administrators"] = ["admin@contoso.com", "svc-*"] },
        };
        var detection = Op + "    UserId|expand: '%Administrators%'\ncondition: sel";
        Assert.True(Matches(detection, Sigma.Audit("Set-Mailbox", "svc-backup@contoso.com"), options));
        Assert.True(Matches(detection, Sigma.Audit("Set-Mailbox", "ADMIN@contoso.com"), options));
        Assert.False(Matches(detection, Sigma.Audit("Set-Mailbox", "bob@contoso.com"), options));

        var error = Sigma.Error(Sigma.Rule(Op + "    UserId|expand: '%Nobody%'\ncondition: sel"), options);
        Assert.Contains("%Nobody%", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_expand_a_placeholder_is_a_literal()
    {
        Assert.True(Matches(Op + "    UserId: '%admins%'\ncondition: sel", Sigma.Audit("Set-Mailbox", "%ADMINS%")));
    }

    [Theory]
    [InlineData("bogus", "field 'UserId': unknown modifier 'bogus'")]
    [InlineData("i", "field 'UserId': unknown modifier 'i'")]
    [InlineData("contains|contains", "field 'UserId': the modifier 'contains' is repeated")]
    [InlineData("contains|endswith", "field 'UserId': the modifiers of 'UserId|contains|endswith' cannot be combined")]
    [InlineData("re|contains", "cannot be combined")]
    [InlineData("cidr|gt", "cannot be combined")]
    [InlineData("fieldref|contains", "cannot be combined")]
    [InlineData("base64|utf16le|wide", "field 'UserId': the modifier 'wide' is repeated")]
    [InlineData("base64|base64offset", "cannot be combined")]
    [InlineData("exists|neq", "cannot be combined")]
    [InlineData("re|cased", "cannot be combined")]
    [InlineData("gt|lt", "more than one of lt, lte, gt, gte")]
    [InlineData("gt|hour", "one time modifier comes first")]
    [InlineData("gt", "field 'UserId': the gt modifier takes numbers, not 'x'")]
    [InlineData("hour|gte", "field 'UserId': the hour|gte modifier takes numbers, not 'x'")]
    [InlineData("contains|base64", "field 'UserId': the base64 modifier cannot encode wildcards")]
    [InlineData("cidr", "field 'UserId': 'x' is not a CIDR network")]
    public void Unknown_modifiers_bad_chains_and_bad_values_are_errors_with_the_field_and_line(string modifier, string message)
    {
        var error = Sigma.Error(Sigma.Rule(Op + $"    UserId|{modifier}: x\ncondition: sel"));
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(("rule.yml", "rule-1", "Test rule", 12), (error.File, error.RuleId, error.Title, error.Line));
    }

    [Fact]
    public void A_backtracking_regex_is_rejected_at_load()
    {
        var error = Sigma.Error(Sigma.Rule(Op + "    UserId|re: '(a)\\1'\ncondition: sel"));
        Assert.Contains("without backtracking", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("10.0.0.0/8", "10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "::ffff:10.1.2.3", true)]
    [InlineData("10.0.0.0/8", "11.1.2.3", false)]
    [InlineData("10.0.0.0/8", "10.1.2.3:443", false)]
    [InlineData("10.0.0.0/8", "host.contoso.com", false)]
    [InlineData("10.0.0.0/8", "", false)]
    [InlineData("2001:db8::/32", "2001:DB8:0:0::1", true)]
    [InlineData("2001:db8::/32", "2001:db9::1", false)]
    [InlineData("2001:db8::/32", "fe80::1%eth0", false)]
    public void Cidr_on_another_field_reads_its_text_as_an_address(string network, string value, bool expected) =>
        Assert.Equal(expected, Matches(Op + $"    Target|cidr: '{network}'\ncondition: sel", With("Target", value)));
}
