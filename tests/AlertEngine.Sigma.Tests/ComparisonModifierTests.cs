namespace AlertEngine.Sigma.Tests;

/// <summary>The numeric (lt, lte, gt, gte), time (minute … year), neq and fieldref modifiers.</summary>
public sealed class ComparisonModifierTests
{
    private const string Op = "sel:\n    Operation: Set-Mailbox\n";

    private static bool Matches(string entry, params (string Key, string Value)[] properties) =>
        Sigma.Compile(Op + "    " + entry + "\ncondition: sel")(Sigma.Audit("Set-Mailbox", properties: properties));

    [Theory]
    [InlineData("Count|gt: 10", "11", true)]
    [InlineData("Count|gt: 10", "10", false)]
    [InlineData("Count|gte: 10", "10", true)]
    [InlineData("Count|gte: 10", "1e1", true)]
    [InlineData("Count|lt: 2.5", "2", true)]
    [InlineData("Count|lt: 2.5", "2.5", false)]
    [InlineData("Count|lte: 2.5", "2.50", true)]
    [InlineData("Count|lte: -1", "-3", true)]
    [InlineData("Count|gt: 10", "eleven", false)]
    [InlineData("Count|gt: 10", "", false)]
    [InlineData("Count|gt: [10, 100]", "50", true)]
    [InlineData("Count|gt|all: [10, 100]", "50", false)]
    [InlineData("Count|gt|all: [10, 100]", "500", true)]
    public void Numeric_modifiers_compare_numbers(string entry, string value, bool expected) =>
        Assert.Equal(expected, Matches(entry, ("Count", value)));

    [Fact]
    public void Numeric_modifiers_never_match_a_missing_field() => Assert.False(Matches("Count|lt: 10"));

    [Fact]
    public void Numeric_modifiers_reach_into_dotted_paths() =>
        Assert.True(Matches("ModifiedProperties.NewValue|gte: 3", ("ModifiedProperties", """[{"Name":"a","NewValue":"1"},{"Name":"b","NewValue":"7"}]""")));

    [Theory]
    [InlineData("Seen|minute: 15", "2026-03-01T03:15:59Z", true)]
    [InlineData("Seen|hour: 3", "2026-03-01T03:15:00Z", true)]
    [InlineData("Seen|hour: 3", "2026-03-01T03:15:00+05:00", true)] // as written: no time zone conversion
    [InlineData("Seen|hour: 3", "2026-03-01T04:15:00Z", false)]
    [InlineData("Seen|hour|gte: 22", "2026-03-01T23:00:00", true)]
    [InlineData("Seen|hour|lt: 6", "2026-03-01T23:00:00", false)]
    [InlineData("Seen|day: 1", "2026-03-01T23:00:00Z", true)]
    [InlineData("Seen|week: 9", "2026-03-01T23:00:00Z", true)] // ISO week 9 of 2026
    [InlineData("Seen|month: 3", "2026-03-01", true)]
    [InlineData("Seen|year|gte: 2027", "2026-03-01T00:00:00Z", false)]
    [InlineData("Seen|hour: 3", "not a date", false)]
    [InlineData("Seen|hour: 10", "10:30", false)] // no date: .NET would take today's, so a replay would depend on the day
    [InlineData("Seen|day|gte: 1", "1.5", false)] // would parse as 5 January of the current year
    [InlineData("Seen|year|gte: 2000", "3/4", false)]
    public void Time_modifiers_take_a_part_of_a_date(string entry, string value, bool expected) =>
        Assert.Equal(expected, Matches(entry, ("Seen", value)));

    [Theory]
    [InlineData("Status|neq: Success", "Failure", true)]
    [InlineData("Status|neq: Success", "SUCCESS", false)]
    [InlineData("Status|neq: [Success, Partial]", "Partial", false)]
    [InlineData("Status|neq: [Success, Partial]", "Failed", true)]
    [InlineData("Status|neq|contains: succ", "Failure", true)]
    [InlineData("Status|neq|contains: succ", "Succeeded", false)]
    [InlineData("Status|neq|cased: Success", "SUCCESS", true)]
    public void Neq_holds_when_the_field_has_a_value_different_from_the_values(string entry, string value, bool expected) =>
        Assert.Equal(expected, Matches(entry, ("Status", value)));

    [Fact]
    public void Neq_does_not_match_a_missing_field() => Assert.False(Matches("Status|neq: Success"));

    [Fact]
    public void Fieldref_compares_two_fields()
    {
        Assert.True(Matches("Target|fieldref: UserId", ("Target", "ALICE@contoso.com")));
        Assert.False(Matches("Target|fieldref: UserId", ("Target", "bob@contoso.com")));
        Assert.False(Matches("Target|fieldref|cased: UserId", ("Target", "ALICE@contoso.com")));
        Assert.True(Matches("Target|fieldref|cased: UserId", ("Target", "alice@contoso.com")));
        Assert.True(Matches("Target|neq|fieldref: UserId", ("Target", "bob@contoso.com")));
        Assert.False(Matches("Target|neq|fieldref: UserId", ("Target", "alice@contoso.com")));
        Assert.False(Matches("Target|fieldref: Missing", ("Target", "alice@contoso.com")));
        Assert.True(Matches("Parameters.Value|fieldref: UserId", ("Parameters", """[{"Name":"Identity","Value":"alice@contoso.com"}]""")));
    }
}
