using static AlertEngine.Tests.Serialization.PolicyJson;

namespace AlertEngine.Tests.Serialization;

/// <summary>One example per rule of the policy object's own fields.</summary>
public class PolicyFieldTests
{
    [Fact]
    public void Defaults_apply_when_optional_fields_are_absent()
    {
        var p = LoadOne(Only(Required));

        Assert.Null(p.Description);
        Assert.True(p.Enabled);
        Assert.Equal(PolicyType.Custom, p.Type);
        Assert.Null(p.Conditions);
        Assert.Same(EveryTimeTrigger.Instance, p.Trigger);
        Assert.Null(p.Aggregation);
        Assert.False(p.AutomatedInvestigation);
        Assert.Null(p.Notification);
    }

    [Fact]
    public void Null_optional_fields_mean_absent()
    {
        var p = LoadOne(With("\"description\": null, \"enabled\": null, \"type\": null, \"conditions\": null, \"trigger\": null, "
            + "\"aggregation\": null, \"automatedInvestigation\": null, \"notification\": null"));

        Assert.Null(p.Description);
        Assert.True(p.Enabled);
        Assert.Null(p.Conditions);
        Assert.Same(EveryTimeTrigger.Instance, p.Trigger);
    }

    [Fact]
    public void Property_names_and_enum_values_match_case_insensitively()
    {
        var p = LoadOne(Only("\"ID\": \"p\", \"Name\": \"P\", \"CATEGORY\": \"threatmanagement\", \"severity\": \"HIGH\", "
            + "\"Activities\": [\"x\"], \"Type\": \"system\", \"TRIGGER\": {\"TYPE\": \"THRESHOLD\", \"Count\": 2, \"WINDOW\": \"pt1h\", \"scope\": \"ORGANIZATION\"}, "
            + "\"aggregation\": {\"MODE\": \"None\"}, \"AutomatedInvestigation\": true"));

        Assert.Equal(AlertCategory.ThreatManagement, p.Category);
        Assert.Equal(AlertSeverity.High, p.Severity);
        Assert.Equal(PolicyType.System, p.Type);
        Assert.Equal(new ThresholdTrigger(2, TimeSpan.FromHours(1), TriggerScope.Organization), p.Trigger);
        Assert.Equal(AggregationMode.None, p.Aggregation!.Mode);
        Assert.True(p.AutomatedInvestigation);
    }

    [Theory]
    [InlineData("id")]
    [InlineData("name")]
    [InlineData("category")]
    [InlineData("severity")]
    [InlineData("activities")]
    public void Required_fields_are_reported_when_missing(string field)
    {
        string[] members = ["\"id\": \"p\"", "\"name\": \"P\"", "\"category\": \"Others\"", "\"severity\": \"Low\"", "\"activities\": [\"x\"]"];
        var json = Only(string.Join(", ", members.Where(m => !m.StartsWith("\"" + field + "\"", StringComparison.Ordinal))));
        var error = SingleError(json, "policies[0]." + field, "is required");
        Assert.True(error.Message == "is required" || error.Message.StartsWith("is required; expected one of ", StringComparison.Ordinal), error.Message);
    }

    [Theory]
    [InlineData("\"\"", "must not be empty")]
    [InlineData("\"  \"", "must not be empty")]
    [InlineData("7", "must be a string, not a number")]
    [InlineData("[\"p\"]", "must be a string, not an array")]
    public void Id_must_be_non_empty_text(string value, string message) =>
        SingleError(Only(Required.Replace("\"id\": \"p\"", "\"id\": " + value, StringComparison.Ordinal)), "policies[0].id", message);

    [Fact]
    public void Name_must_not_be_empty() =>
        SingleError(Only(Required.Replace("\"P\"", "\"\"", StringComparison.Ordinal)), "policies[0].name", "must not be empty");

    [Fact]
    public void Ids_are_unique_in_the_file_and_compared_case_sensitively()
    {
        var error = SingleError("[" + Only(Required)[1..^1] + ", " + Only(Required)[1..^1] + "]", "policies[1].id", "duplicate id \"p\"");
        Assert.Equal("duplicate id \"p\"; already used by policies[0]", error.Message);

        var other = Only(Required.Replace("\"p\"", "\"P\"", StringComparison.Ordinal))[1..^1];
        Assert.Equal(2, PolicySerializer.Load("[" + Only(Required)[1..^1] + ", " + other + "]").Value.Count);
    }

    [Fact]
    public void Enabled_must_be_a_boolean()
    {
        Assert.False(LoadOne(With("\"enabled\": false")).Enabled);
        SingleError(With("\"enabled\": \"yes\""), "policies[0].enabled", "must be true or false, not a string");
    }

    [Fact]
    public void Type_must_be_custom_or_system() =>
        SingleError(With("\"type\": \"BuiltIn\""), "policies[0].type", "\"BuiltIn\" is not a valid policy type; expected one of Custom, System");

    [Theory]
    [InlineData("\"Nope\"", "\"Nope\" is not a valid category; expected one of DataLossPrevention, InformationGovernance")]
    [InlineData("\"1\"", "\"1\" is not a valid category")]
    [InlineData("1", "must be a string, one of DataLossPrevention")]
    public void Category_must_be_a_category_name(string value, string message) =>
        SingleError(Only(Required.Replace("\"Others\"", value, StringComparison.Ordinal)), "policies[0].category", message);

    [Fact]
    public void Severity_must_be_a_severity_name() =>
        SingleError(Only(Required.Replace("\"Low\"", "\"Critical\"", StringComparison.Ordinal)), "policies[0].severity",
            "\"Critical\" is not a valid severity; expected one of Low, Medium, High, Informational");

    [Theory]
    [InlineData("[]", "policies[0].activities", "must contain at least one value")]
    [InlineData("[\"\"]", "policies[0].activities[0]", "must not be empty")]
    [InlineData("[\"x\", 3]", "policies[0].activities[1]", "must be a string, not a number")]
    [InlineData("\"FileDeleted\"", "policies[0].activities", "must be an array of strings, not a string")]
    public void Activities_are_at_least_one_non_empty_string(string value, string path, string message) =>
        SingleError(Only(Required.Replace("[\"FileDeleted\"]", value, StringComparison.Ordinal)), path, message);

    [Fact]
    public void Description_must_be_a_string() =>
        SingleError(With("\"description\": 5"), "policies[0].description", "must be a string, not a number");

    [Fact]
    public void Automated_investigation_must_be_a_boolean() =>
        SingleError(With("\"automatedInvestigation\": 1"), "policies[0].automatedInvestigation", "must be true or false, not a number");

    [Fact]
    public void Unknown_property_is_an_error_that_suggests_the_near_name() =>
        SingleError(With("\"severty\": \"High\""), "policies[0].severty", "is not a property of a policy; did you mean \"severity\"?");

    [Fact]
    public void Unknown_property_with_an_odd_name_is_quoted_in_the_path() =>
        SingleError(With("\"my field\": 1"), "policies[0][\"my field\"]", "is not a property of a policy; expected one of id, name,");

    [Theory]
    [InlineData("\"name\": \"Q\"", "policies[0].name")]
    [InlineData("\"NAME\": \"Q\"", "policies[0].name")]
    public void Repeated_property_is_an_error(string repeat, string path) =>
        SingleError(With(repeat), path, "is given more than once");

    [Fact]
    public void Unknown_properties_are_errors_at_every_level()
    {
        var errors = Errors(With("\"trigger\": {\"type\": \"everyTime\", \"x\": 1}, \"aggregation\": {\"y\": 1}, "
            + "\"notification\": {\"z\": 1}, \"conditions\": {\"users\": [\"a\"], \"w\": 1}"));

        Assert.Equal(
            ["policies[0].conditions.w", "policies[0].trigger.x", "policies[0].aggregation.y", "policies[0].notification.z"],
            errors.Select(e => e.Path));
        Assert.All(errors, e => Assert.StartsWith("is not a property of ", e.Message, StringComparison.Ordinal));
    }
}
