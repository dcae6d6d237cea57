using System.Net;

namespace AlertEngine.Tests.Conditions;

public class ConditionCompilerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    private static Activity Make(
        string? userId = "alice@contoso.com",
        string? clientIp = null,
        string? objectId = null,
        string? workload = null,
        string[]? tags = null,
        Dictionary<string, string>? properties = null,
        string operation = "FileDeleted") =>
        new("a1", T0, operation)
        {
            UserId = userId,
            ClientIp = clientIp is null ? null : IPAddress.Parse(clientIp),
            ObjectId = objectId,
            Workload = workload,
            UserTags = tags ?? [],
            Properties = properties ?? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase),
        };

    private static bool Eval(Condition? condition, Activity activity) => condition.Compile()(activity);

    private static IpAddressesCondition Ips(params string[] networks) => new([.. networks.Select(IPNetwork.Parse)]);

    // ---- null, all, any, not ----

    [Fact]
    public void Null_condition_matches_every_activity()
    {
        Assert.True(Eval(null, Make()));
        Assert.True(ConditionCompiler.Compile(null)(Make(userId: null)));
    }

    [Fact]
    public void Empty_all_matches_and_empty_any_does_not()
    {
        Assert.True(Eval(new AllCondition([]), Make()));
        Assert.False(Eval(new AnyCondition([]), Make()));
        Assert.True(Eval(new NotCondition(new AnyCondition([])), Make()));
        Assert.False(Eval(new NotCondition(new AllCondition([])), Make()));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    public void All_needs_every_child_and_any_needs_one(int count)
    {
        var yes = new UsersCondition(["alice@contoso.com"]);
        var no = new UsersCondition(["bob@contoso.com"]);
        var allYes = Enumerable.Repeat<Condition>(yes, count).ToArray();
        var lastNo = allYes.ToArray();
        lastNo[^1] = no;
        var allNo = Enumerable.Repeat<Condition>(no, count).ToArray();
        var lastYes = allNo.ToArray();
        lastYes[^1] = yes;

        Assert.True(Eval(new AllCondition(allYes), Make()));
        Assert.False(Eval(new AllCondition(lastNo), Make()));
        Assert.True(Eval(new AnyCondition(lastYes), Make()));
        Assert.False(Eval(new AnyCondition(allNo), Make()));
    }

    [Fact]
    public void Not_of_a_condition_on_a_missing_field_matches()
    {
        var notBob = new NotCondition(new UsersCondition(["bob@contoso.com"]));
        Assert.True(Eval(notBob, Make(userId: null)));
        Assert.True(Eval(notBob, Make(userId: "alice@contoso.com")));
        Assert.False(Eval(notBob, Make(userId: "BOB@contoso.com")));
    }

    [Fact]
    public void Spec_example_all_of_ip_range_and_not_service_account()
    {
        var condition = new AllCondition([Ips("10.0.0.0/8"), new NotCondition(new UsersCondition(["svc-backup@contoso.com"]))]);
        Assert.True(Eval(condition, Make(clientIp: "10.1.2.3")));
        Assert.False(Eval(condition, Make(userId: "svc-backup@contoso.com", clientIp: "10.1.2.3")));
        Assert.False(Eval(condition, Make(clientIp: "11.1.2.3")));
        Assert.False(Eval(condition, Make(clientIp: null)));
    }

    // ---- users ----

    [Theory]
    [InlineData("alice@contoso.com", true)]
    [InlineData("ALICE@Contoso.COM", true)]
    [InlineData("carol@contoso.com", true)]
    [InlineData("alice@contoso.co", false)]
    [InlineData("", false)]
    [InlineData(null, false)]
    public void Users_compare_case_insensitively_and_a_missing_user_never_matches(string? userId, bool expected) =>
        Assert.Equal(expected, Eval(new UsersCondition(["Alice@contoso.com", "carol@CONTOSO.com"]), Make(userId: userId)));

    [Fact]
    public void Single_user_compares_case_insensitively()
    {
        var condition = new UsersCondition(["Alice@Contoso.com"]);
        Assert.True(Eval(condition, Make(userId: "alice@contoso.COM")));
        Assert.False(Eval(condition, Make(userId: "bob@contoso.com")));
        Assert.False(Eval(condition, Make(userId: null)));
    }

    [Fact]
    public void Users_with_many_values_use_a_set()
    {
        var many = Enumerable.Range(0, 500).Select(i => $"user{i}@contoso.com").ToArray();
        var condition = new UsersCondition(many);
        Assert.True(Eval(condition, Make(userId: "USER499@contoso.com")));
        Assert.False(Eval(condition, Make(userId: "user500@contoso.com")));
    }

    [Fact]
    public void Empty_users_list_matches_nothing() => Assert.False(Eval(new UsersCondition([]), Make()));

    // ---- ipAddresses ----

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("10.255.255.255", true)]
    [InlineData("11.0.0.0", false)]
    [InlineData("192.168.0.7", true)]
    [InlineData("192.168.0.8", false)]
    [InlineData("::ffff:10.9.9.9", true)]
    [InlineData("::ffff:11.9.9.9", false)]
    [InlineData("2001:db8::1", false)]
    public void Ipv4_ranges_and_single_addresses(string address, bool expected) =>
        Assert.Equal(expected, Eval(Ips("10.0.0.0/8", "192.168.0.7/32"), Make(clientIp: address)));

    [Theory]
    [InlineData("2001:db8::1", true)]
    [InlineData("2001:DB8:ffff:ffff::1", true)]
    [InlineData("2001:db9::1", false)]
    [InlineData("fe80::1", true)]
    [InlineData("fe80::2", false)]
    [InlineData("fe80::1%3", true)]
    [InlineData("10.1.2.3", false)]
    [InlineData("::ffff:10.1.2.3", false)]
    public void Ipv6_ranges_and_single_addresses(string address, bool expected) =>
        Assert.Equal(expected, Eval(Ips("2001:db8::/32", "fe80::1/128"), Make(clientIp: address)));

    [Theory]
    [InlineData("10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", true)]
    [InlineData("11.1.2.3", false)]
    public void Ipv4_mapped_networks_count_as_ipv4(string address, bool expected) =>
        Assert.Equal(expected, Eval(Ips("::ffff:10.0.0.0/104"), Make(clientIp: address)));

    [Fact]
    public void An_ipv6_network_does_not_hold_ipv4_addresses_and_the_reverse()
    {
        Assert.False(Eval(Ips("::/0"), Make(clientIp: "10.1.2.3")));
        Assert.False(Eval(Ips("::/0"), Make(clientIp: "::ffff:10.1.2.3")));
        Assert.True(Eval(Ips("::/0"), Make(clientIp: "2001:db8::1")));
        Assert.True(Eval(Ips("0.0.0.0/0"), Make(clientIp: "::ffff:10.1.2.3")));
        Assert.False(Eval(Ips("0.0.0.0/0"), Make(clientIp: "2001:db8::1")));
    }

    [Fact]
    public void Activity_without_client_ip_does_not_match_even_the_whole_internet()
    {
        Assert.False(Eval(Ips("0.0.0.0/0", "::/0"), Make(clientIp: null)));
        Assert.False(Eval(new IpAddressesCondition([]), Make(clientIp: "10.1.2.3")));
    }

    // ---- fileNames ----

    [Theory]
    [InlineData("https://contoso.sharepoint.com/sites/hr/Shared Documents/payroll.xlsx", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/Shared Documents/PAYROLL.XLSX", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx?web=1", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx#sheet=2", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx/", true)]
    [InlineData(@"C:\share\hr\payroll.xlsx", true)]
    [InlineData("/srv/share/payroll.xlsx", true)]
    [InlineData("payroll.xlsx", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx.bak", false)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/", false)]
    [InlineData("https://contoso.sharepoint.com/?f=payroll.xlsx", false)]
    [InlineData("https://payroll.xlsx", false)]
    [InlineData(null, false)]
    public void File_name_is_the_last_path_segment_of_the_object_id(string? objectId, bool expected) =>
        Assert.Equal(expected, Eval(new FileNamesCondition(["*.xlsx"]), Make(objectId: objectId)));

    [Fact]
    public void A_path_that_is_not_a_url_keeps_question_marks_and_hashes_in_the_name()
    {
        Assert.True(Eval(new FileNamesCondition(["C#notes.txt"]), Make(objectId: "/srv/docs/C#notes.txt")));
        Assert.True(Eval(new FileNamesCondition(["*#*"]), Make(objectId: @"C:\docs\C#notes.txt")));
    }

    [Fact]
    public void File_name_property_wins_over_the_object_id()
    {
        var activity = Make(
            objectId: "https://contoso.sharepoint.com/sites/hr/download.aspx?id=42",
            properties: new(StringComparer.OrdinalIgnoreCase) { ["FileName"] = "Payroll.xlsx" });
        Assert.True(Eval(new FileNamesCondition(["payroll.*"]), activity));
        Assert.False(Eval(new FileNamesCondition(["download.aspx"]), activity));
    }

    [Fact]
    public void File_name_property_key_is_case_insensitive_even_in_a_case_sensitive_dictionary()
    {
        var activity = Make(properties: new(StringComparer.Ordinal) { ["filename"] = "budget.docx" });
        Assert.True(Eval(new FileNamesCondition(["BUDGET.DOCX"]), activity));
    }

    [Fact]
    public void Empty_file_name_property_falls_back_to_the_object_id()
    {
        var activity = Make(objectId: "/srv/report1.pdf", properties: new(StringComparer.OrdinalIgnoreCase) { ["FileName"] = string.Empty });
        Assert.True(Eval(new FileNamesCondition(["report?.pdf"]), activity));
    }

    [Fact]
    public void No_file_name_never_matches_even_a_lone_star()
    {
        Assert.False(Eval(new FileNamesCondition(["*"]), Make(objectId: null)));
        Assert.False(Eval(new FileNamesCondition(["*"]), Make(objectId: "https://contoso.sharepoint.com")));
        Assert.False(Eval(new FileNamesCondition(["*", ""]), Make(objectId: "/")));
        Assert.True(Eval(new FileNamesCondition(["*"]), Make(objectId: "/a")));
    }

    // ---- urls ----

    [Theory]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx", true)]
    [InlineData("HTTPS://CONTOSO.SHAREPOINT.COM/SITES/HR/x", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hr/payroll.xlsx?web=1", true)]
    [InlineData("https://contoso.sharepoint.com/sites/hrx/payroll.xlsx", false)]
    [InlineData("https://contoso.sharepoint.com/sites/hr", false)]
    [InlineData(null, false)]
    public void Urls_glob_the_whole_object_id(string? objectId, bool expected) =>
        Assert.Equal(expected, Eval(new UrlsCondition(["https://contoso.sharepoint.com/sites/hr/*"]), Make(objectId: objectId)));

    [Fact]
    public void Url_glob_includes_the_query_string()
    {
        var url = "https://contoso.sharepoint.com/sites/hr/payroll.xlsx?web=1";
        Assert.False(Eval(new UrlsCondition(["*.xlsx"]), Make(objectId: url)));
        Assert.True(Eval(new UrlsCondition(["*.xlsx*"]), Make(objectId: url)));
        Assert.True(Eval(new UrlsCondition(["*?web=?"]), Make(objectId: url)));
    }

    // ---- userTags ----

    [Fact]
    public void User_tags_need_one_common_tag_ignoring_case()
    {
        var condition = new UserTagsCondition(["Priority account", "Admin"]);
        Assert.True(Eval(condition, Make(tags: ["Contractor", "PRIORITY ACCOUNT"])));
        Assert.True(Eval(condition, Make(tags: ["admin"])));
        Assert.False(Eval(condition, Make(tags: ["Contractor"])));
        Assert.False(Eval(condition, Make(tags: [])));
        Assert.False(Eval(new UserTagsCondition([]), Make(tags: ["Admin"])));
    }

    // ---- property ----

    [Theory]
    [InlineData("Workload", "exchange", true)]
    [InlineData("WORKLOAD", "Exchange", true)]
    [InlineData("workload", "SharePoint", false)]
    [InlineData("operation", "filedeleted", true)]
    [InlineData("userId", "Alice@Contoso.com", true)]
    [InlineData("objectId", "MAILBOX-1", true)]
    [InlineData("MalwareFamily", "EMOTET", true)]
    [InlineData("malwarefamily", "Emotet", true)]
    [InlineData("Recipient", "bob@contoso.com", false)]
    public void Property_equals_reads_top_level_fields_and_properties_ignoring_case(string name, string value, bool expected)
    {
        var activity = Make(objectId: "mailbox-1", workload: "Exchange", properties: new(StringComparer.Ordinal) { ["MalwareFamily"] = "Emotet" });
        Assert.Equal(expected, Eval(new PropertyCondition(name, PropertyOperator.Equals, [value]), activity));
    }

    [Fact]
    public void Top_level_field_wins_over_a_property_of_the_same_name()
    {
        var activity = Make(workload: "Exchange", properties: new(StringComparer.OrdinalIgnoreCase) { ["Workload"] = "SharePoint" });
        Assert.True(Eval(new PropertyCondition("workload", PropertyOperator.Equals, ["Exchange"]), activity));
        Assert.False(Eval(new PropertyCondition("workload", PropertyOperator.Equals, ["SharePoint"]), activity));
    }

    [Fact]
    public void Property_in_and_matches()
    {
        var activity = Make(workload: "OneDrive", properties: new(StringComparer.OrdinalIgnoreCase) { ["Recipient"] = "bob@fabrikam.com" });
        Assert.True(Eval(new PropertyCondition("workload", PropertyOperator.In, ["SharePoint", "ONEDRIVE"]), activity));
        Assert.False(Eval(new PropertyCondition("workload", PropertyOperator.In, ["SharePoint", "Exchange"]), activity));
        Assert.False(Eval(new PropertyCondition("workload", PropertyOperator.In, []), activity));
        Assert.True(Eval(new PropertyCondition("recipient", PropertyOperator.Matches, ["*@FABRIKAM.com"]), activity));
        Assert.False(Eval(new PropertyCondition("recipient", PropertyOperator.Matches, ["*@contoso.com"]), activity));
    }

    [Fact]
    public void Missing_field_or_property_never_matches_but_an_empty_string_is_a_value()
    {
        var activity = Make(userId: null, workload: null, properties: new(StringComparer.OrdinalIgnoreCase) { ["Note"] = string.Empty });
        foreach (var op in new[] { PropertyOperator.Equals, PropertyOperator.In, PropertyOperator.Matches })
        {
            Assert.False(Eval(new PropertyCondition("userId", op, [op == PropertyOperator.Matches ? "*" : string.Empty]), activity));
            Assert.False(Eval(new PropertyCondition("workload", op, [op == PropertyOperator.Matches ? "*" : string.Empty]), activity));
            Assert.False(Eval(new PropertyCondition("Missing", op, [op == PropertyOperator.Matches ? "*" : string.Empty]), activity));
            Assert.False(Eval(new PropertyCondition("clientIp", op, [op == PropertyOperator.Matches ? "*" : string.Empty]), activity));
            Assert.True(Eval(new PropertyCondition("note", op, [op == PropertyOperator.Matches ? "*" : string.Empty]), activity));
        }
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.2.3", true)]
    [InlineData("::ffff:10.1.2.3", "10.1.2.3", true)]
    [InlineData("10.1.2.3", "::ffff:10.1.2.3", true)]
    [InlineData("2001:db8::1", "2001:DB8:0:0::1", true)]
    [InlineData("2001:db8::1", "2001:db8::2", false)]
    [InlineData("10.1.2.3", "10.1.2.3:443", false)]
    [InlineData("10.1.2.3", "not-an-address", false)]
    public void Client_ip_property_equals_compares_addresses(string activityIp, string value, bool expected)
    {
        Assert.Equal(expected, Eval(new PropertyCondition("clientIp", PropertyOperator.Equals, [value]), Make(clientIp: activityIp)));
        Assert.Equal(expected, Eval(new PropertyCondition("ClientIP", PropertyOperator.In, ["192.0.2.1", value]), Make(clientIp: activityIp)));
    }

    [Theory]
    [InlineData("10.1.2.3", "10.1.*", true)]
    [InlineData("::ffff:10.1.2.3", "10.1.*", true)]
    [InlineData("::ffff:10.1.2.3", "::ffff:*", false)]
    [InlineData("2001:db8::1", "2001:DB8::*", true)]
    [InlineData("fe80::1%3", "*%3", true)]
    public void Client_ip_property_matches_globs_the_text_form(string activityIp, string pattern, bool expected) =>
        Assert.Equal(expected, Eval(new PropertyCondition("clientIp", PropertyOperator.Matches, [pattern]), Make(clientIp: activityIp)));

    // ---- malformed trees ----

    public static TheoryData<Condition, string> MalformedConditions() => new()
    {
        { new AllCondition(null!), "condition.all" },
        { new AnyCondition([new UsersCondition(["a"]), null!]), "condition.any[1]" },
        { new NotCondition(null!), "condition.not" },
        { new AllCondition([new NotCondition(new UsersCondition(["a", null!]))]), "condition.all[0].not.users[1]" },
        { new IpAddressesCondition(null!), "condition.ipAddresses" },
        { new FileNamesCondition(null!), "condition.fileNames" },
        { new UrlsCondition([null!]), "condition.urls[0]" },
        { new UserTagsCondition(null!), "condition.userTags" },
        { new PropertyCondition(" ", PropertyOperator.Equals, ["x"]), "condition.property" },
        { new PropertyCondition("workload", PropertyOperator.Equals, ["x", "y"]), "condition.equals" },
        { new PropertyCondition("workload", PropertyOperator.Matches, []), "condition.matches" },
        { new PropertyCondition("workload", PropertyOperator.In, null!), "condition.in" },
        { new PropertyCondition("workload", (PropertyOperator)42, ["x"]), "condition" },
    };

    [Theory]
    [MemberData(nameof(MalformedConditions))]
    public void Malformed_tree_is_rejected_at_compile_time_with_its_path(Condition condition, string path)
    {
        var error = Assert.Throws<ArgumentException>(() => ConditionCompiler.Compile(condition));
        Assert.StartsWith(path + ":", error.Message, StringComparison.Ordinal);
        Assert.Equal("condition", error.ParamName);
    }

    [Fact]
    public void Compiled_predicate_rejects_a_null_activity() =>
        Assert.Throws<ArgumentNullException>(() => new UsersCondition(["a"]).Compile()(null!));

    // ---- allocations ----

    [Fact]
    public void Evaluation_does_not_allocate()
    {
        var condition = new AllCondition(
        [
            new PropertyCondition("operation", PropertyOperator.Equals, ["FileDeleted"]),
            new PropertyCondition("workload", PropertyOperator.In, ["SharePoint", "OneDrive"]),
            new UsersCondition(["alice@contoso.com", "bob@contoso.com", "carol@contoso.com"]),
            Ips("10.0.0.0/8", "2001:db8::/32"),
            new FileNamesCondition(["*.xlsx", "*.docx"]),
            new UrlsCondition(["https://contoso.sharepoint.com/sites/*"]),
            new UserTagsCondition(["Priority account", "Admin"]),
            new PropertyCondition("MalwareFamily", PropertyOperator.Matches, ["*mot*"]),
            new PropertyCondition("clientIp", PropertyOperator.In, ["10.1.2.3", "10.1.2.4"]),
            new PropertyCondition("clientIp", PropertyOperator.Matches, ["10.*"]),
            new NotCondition(new PropertyCondition("Recipient", PropertyOperator.Equals, ["x"])),
        ]);
        var activities = new[]
        {
            Make(clientIp: "10.1.2.3", objectId: "https://contoso.sharepoint.com/sites/hr/payroll.xlsx?web=1", workload: "SharePoint",
                tags: ["Admin"], properties: new(StringComparer.OrdinalIgnoreCase) { ["MalwareFamily"] = "Emotet" }),
            Make(clientIp: "::ffff:10.1.2.3", objectId: "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", workload: "OneDrive",
                tags: ["Admin"], properties: new(StringComparer.OrdinalIgnoreCase) { ["MalwareFamily"] = "Emotet" }),
        };
        var predicate = condition.Compile();
        Assert.All(activities, a => Assert.True(predicate(a)));

        var matches = 0;
        Assert.Equal(0, Allocations.FewestBytesPerPass(pass =>
        {
            for (var i = 0; i < 1000; i++)
            {
                matches += predicate(activities[i % 2]) ? 1 : 0;
            }
        }));
        Assert.Equal(5000, matches);
    }
}
