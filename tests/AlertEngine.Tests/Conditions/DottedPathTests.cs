namespace AlertEngine.Tests.Conditions;

/// <summary>One test per sentence of the dotted-path rule (interchange spec, conditions; docs/formats.md "Field names
/// and dotted paths"), over unified-audit-log records shaped like real ones, read by the activity reader.</summary>
public class DottedPathTests
{
    // Exchange: Set-Mailbox with a forwarding address; Parameters is a list of {Name, Value}.
    private const string SetMailbox = """{"CreationTime":"2026-03-01T09:00:00","Id":"5a1d2c3e-0000-4000-8000-000000000001","Operation":"Set-Mailbox","OrganizationId":"d1b3c4f5","RecordType":1,"ResultStatus":"True","UserKey":"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)","UserType":3,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7:51234","ObjectId":"contoso.onmicrosoft.com/Users/alice","UserId":"alice@contoso.com","AppId":"","ExternalAccess":false,"OrganizationName":"contoso.onmicrosoft.com","OriginatingServer":"AM0PR01MB1234 (15.20.7000.000)","Parameters":[{"Name":"Identity","Value":"alice@contoso.com"},{"Name":"ForwardingSmtpAddress","Value":"smtp:exfil@gmail.com"},{"Name":"DeliverToMailboxAndForward","Value":"True"}]}""";

    // Entra ID: an MFA method change; ModifiedProperties is a list of {Name, NewValue, OldValue}; Actor and Target lists.
    private const string UpdateUser = """{"CreationTime":"2026-03-01T09:05:00","Id":"7b2e3d4f-0000-4000-8000-000000000002","Operation":"Update user.","OrganizationId":"d1b3c4f5","RecordType":8,"ResultStatus":"Success","UserKey":"10032001@contoso.onmicrosoft.com","UserType":0,"Version":1,"Workload":"AzureActiveDirectory","ObjectId":"bob@contoso.com","UserId":"admin@contoso.com","AzureActiveDirectoryEventType":1,"ExtendedProperties":[{"Name":"additionalDetails","Value":"{\"UserType\":\"Member\"}"},{"Name":"extendedAuditEventCategory","Value":"User"}],"ModifiedProperties":[{"Name":"StrongAuthenticationMethod","NewValue":"[]","OldValue":"[{\"MethodType\":6,\"Default\":true}]"},{"Name":"Included Updated Properties","NewValue":"StrongAuthenticationMethod","OldValue":""}],"Actor":[{"ID":"admin@contoso.com","Type":5},{"ID":"10032001","Type":3}],"ActorContextId":"d1b3c4f5","Target":[{"ID":"User_9a8b","Type":2},{"ID":"bob@contoso.com","Type":5}],"Counts":{"Tries":[1,2,[3]],"Extra":null},"Nothing":null}""";

    private static Activity Read(string line)
    {
        var result = ActivityReader.ParseLine(line);
        Assert.True(result.IsValid, result.ToString());
        return result.Activity;
    }

    private static bool Eval(string line, string property, PropertyOperator op, params string[] values) =>
        new PropertyCondition(property, op, values).Compile()(Read(line));

    [Fact]
    public void A_path_through_an_array_reaches_every_element_and_any_value_reached_matches()
    {
        Assert.True(Eval(SetMailbox, "Parameters.Name", PropertyOperator.Equals, "ForwardingSmtpAddress"));
        Assert.True(Eval(SetMailbox, "Parameters.Name", PropertyOperator.Equals, "Identity"));
        Assert.True(Eval(SetMailbox, "Parameters.Value", PropertyOperator.Matches, "smtp:*@gmail.com"));
        Assert.False(Eval(SetMailbox, "Parameters.Name", PropertyOperator.Equals, "ForwardingAddress"));
        Assert.True(Eval(UpdateUser, "ModifiedProperties.Name", PropertyOperator.In, "StrongAuthenticationPhoneAppDetail", "StrongAuthenticationMethod"));
        Assert.True(Eval(UpdateUser, "Target.ID", PropertyOperator.Equals, "bob@contoso.com"));
    }

    [Fact]
    public void Member_names_match_case_insensitively_and_so_do_values()
    {
        Assert.True(Eval(SetMailbox, "parameters.NAME", PropertyOperator.Equals, "forwardingsmtpaddress"));
        Assert.True(Eval(UpdateUser, "modifiedproperties.newvalue", PropertyOperator.Equals, "strongauthenticationmethod"));
    }

    [Fact]
    public void The_property_itself_is_still_its_json_text()
    {
        var activity = Read(SetMailbox);
        Assert.True(activity.TryGetProperty("Parameters", out var text));
        Assert.StartsWith("[{\"Name\":\"Identity\"", text, StringComparison.Ordinal);
        Assert.True(Eval(SetMailbox, "Parameters", PropertyOperator.Matches, "*ForwardingSmtpAddress*"));
    }

    [Fact]
    public void A_string_that_holds_json_is_a_string_and_paths_do_not_go_into_it()
    {
        // ExtendedProperties.Value "{\"UserType\":\"Member\"}" is a string; it is reached unescaped, not parsed.
        Assert.True(Eval(UpdateUser, "ExtendedProperties.Value", PropertyOperator.Equals, """{"UserType":"Member"}"""));
        Assert.False(Eval(UpdateUser, "ExtendedProperties.Value.UserType", PropertyOperator.Equals, "Member"));
        Assert.True(Eval(UpdateUser, "ModifiedProperties.OldValue", PropertyOperator.Matches, "*\"MethodType\":6*"));
    }

    [Fact]
    public void Numbers_and_booleans_are_reached_as_their_json_text()
    {
        Assert.True(Eval(UpdateUser, "Actor.Type", PropertyOperator.Equals, "3"));
        Assert.True(Eval("""{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"Op","Flags":{"On":true,"Ratio":1.50}}""", "Flags.On", PropertyOperator.Equals, "true"));
        Assert.True(Eval("""{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"Op","Flags":{"On":true,"Ratio":1.50}}""", "Flags.Ratio", PropertyOperator.Equals, "1.50"));
    }

    [Fact]
    public void A_path_ending_on_an_array_reaches_its_elements_nested_arrays_too()
    {
        Assert.True(Eval(UpdateUser, "Counts.Tries", PropertyOperator.Equals, "2"));
        Assert.True(Eval(UpdateUser, "Counts.Tries", PropertyOperator.Equals, "3"));
        Assert.False(Eval(UpdateUser, "Counts.Tries", PropertyOperator.Matches, "[*"));
    }

    [Fact]
    public void A_path_ending_on_an_object_reaches_its_raw_json_text()
    {
        const string line = """{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"Op","AppAccessContext":{"Client": { "Id" : "c1" }}}""";
        Assert.True(Eval(line, "AppAccessContext.Client", PropertyOperator.Equals, """{ "Id" : "c1" }"""));
        Assert.True(Eval(line, "AppAccessContext.Client.Id", PropertyOperator.Equals, "c1"));
    }

    [Fact]
    public void Null_missing_members_and_segments_meeting_a_scalar_reach_nothing()
    {
        Assert.False(Eval(UpdateUser, "Counts.Extra", PropertyOperator.Matches, "*"));
        Assert.False(Eval(UpdateUser, "Counts.Missing", PropertyOperator.Matches, "*"));
        Assert.False(Eval(UpdateUser, "Actor.ID.Deeper", PropertyOperator.Matches, "*"));
        Assert.False(Eval(UpdateUser, "Nothing.Anything", PropertyOperator.Matches, "*"));
        Assert.False(Eval(UpdateUser, "NoSuchProperty.Name", PropertyOperator.Matches, "*"));

        // not: holds when no value is reached.
        Assert.True(new NotCondition(new PropertyCondition("Counts.Extra", PropertyOperator.Matches, ["*"])).Compile()(Read(UpdateUser)));
    }

    [Fact]
    public void A_property_that_is_not_json_of_an_object_or_array_reaches_nothing()
    {
        Activity With(string value) => new("x", TestData.T0, "Op")
        {
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["P"] = value },
        };

        var cond = new PropertyCondition("P.a", PropertyOperator.Matches, ["*"]).Compile();
        Assert.False(cond(With("plain text")));
        Assert.False(cond(With("42")));
        Assert.False(cond(With("{\"a\":")));          // invalid JSON
        Assert.False(cond(With("{\"a\":1} trailing")));
        Assert.True(cond(With("  {\"a\":1}  ")));     // white space around is fine
    }

    [Fact]
    public void A_repeated_member_name_reaches_every_one_of_them()
    {
        const string line = """{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"Op","Bag":{"k":"first","K":"second"}}""";
        Assert.True(Eval(line, "Bag.k", PropertyOperator.Equals, "first"));
        Assert.True(Eval(line, "Bag.k", PropertyOperator.Equals, "second"));
    }

    [Fact]
    public void Strings_are_reached_unescaped_whatever_the_escapes_and_characters()
    {
        const string line = """{"CreationTime":"2026-03-01T09:00:00","Id":"x","Operation":"Op","Bag":{"Caf\u00e9":"d\u00e9j\u00e0 \"vu\"","n":"é","after":{"k":"v"}}}""";
        Assert.True(Eval(line, "Bag.Café", PropertyOperator.Equals, "déjà \"vu\""));
        Assert.True(Eval(line, "Bag.n", PropertyOperator.Equals, "É"));

        // Raw text of an object after non-ASCII text: the char offsets are right.
        Assert.True(Eval(line, "Bag.after", PropertyOperator.Equals, """{"k":"v"}"""));
    }

    [Fact]
    public void A_property_whose_key_is_the_whole_name_wins_over_the_path()
    {
        var activity = new Activity("x", TestData.T0, "Op")
        {
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
            {
                ["a.b"] = "key",
                ["a"] = """{"b":"path"}""",
            },
        };

        Assert.True(new PropertyCondition("A.B", PropertyOperator.Equals, ["key"]).Compile()(activity));
        Assert.False(new PropertyCondition("a.b", PropertyOperator.Equals, ["path"]).Compile()(activity));
    }

    [Fact]
    public void Top_level_field_names_are_never_paths_and_empty_segments_make_no_path()
    {
        var activity = new Activity("x", TestData.T0, "Op")
        {
            UserId = "alice",
            Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["a"] = """{"":{"b":"v"},"b":"w"}""" },
        };

        Assert.True(new PropertyCondition("userId", PropertyOperator.Equals, ["alice"]).Compile()(activity));
        Assert.False(new PropertyCondition("a..b", PropertyOperator.Matches, ["*"]).Compile()(activity));
        Assert.False(new PropertyCondition("a.", PropertyOperator.Matches, ["*"]).Compile()(activity));
        Assert.True(new PropertyCondition("a.b", PropertyOperator.Equals, ["w"]).Compile()(activity));
    }

    [Fact]
    public void The_json_is_parsed_once_per_activity_and_shared()
    {
        var activity = Read(SetMailbox);
        var first = activity.JsonProperty("Parameters");
        Assert.NotNull(first);
        Assert.Same(first, activity.JsonProperty("parameters"));
        Assert.Null(activity.JsonProperty("Operation"));
        Assert.Null(activity.JsonProperty("OrganizationName"));
    }

    [Fact]
    public void Evaluating_a_path_allocates_nothing_after_the_first_read()
    {
        var activity = Read(UpdateUser);
        var cond = new AllCondition(
        [
            new PropertyCondition("ModifiedProperties.Name", PropertyOperator.In, ["StrongAuthenticationMethod", "x"]),
            new PropertyCondition("Target.ID", PropertyOperator.Matches, ["*@contoso.com"]),
            new PropertyCondition("Counts.Tries", PropertyOperator.Equals, ["3"]),
        ]).Compile();
        Assert.True(cond(activity));
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            cond(activity);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void The_field_path_resolver_exposes_its_parts()
    {
        var path = FieldPath.Parse("ModifiedProperties.NewValue");
        Assert.True(path.IsDotted);
        Assert.Equal("ModifiedProperties", path.Root);
        Assert.Equal(["NewValue"], path.Segments.ToArray());
        Assert.Equal(ActivityField.ClientIp, FieldPath.Parse("CLIENTIP").Field);
        Assert.False(FieldPath.Parse("Recipient").IsDotted);
        Assert.Throws<ArgumentException>(() => FieldPath.Parse(""));
    }
}
