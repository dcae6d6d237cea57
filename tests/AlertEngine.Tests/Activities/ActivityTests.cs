namespace AlertEngine.Tests.Activities;

public class ActivityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Properties_given_with_a_case_sensitive_comparer_are_looked_up_case_insensitively()
    {
        var activity = new Activity("a", T0, "FileDeleted")
        {
            Properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["MalwareFamily"] = "Emotet" },
        };

        Assert.True(activity.TryGetProperty("malwarefamily", out var value));
        Assert.Equal("Emotet", value);
        Assert.True(activity.Properties.ContainsKey("MALWAREFAMILY"));
    }

    [Fact]
    public void Looking_up_a_property_in_another_case_does_not_allocate()
    {
        var activity = new Activity("a", T0, "FileDeleted")
        {
            Properties = new Dictionary<string, string> { ["Recipient"] = "bob@contoso.com" },
        };
        activity.TryGetProperty("RECIPIENT", out _);

        Assert.Equal(0, Allocations.FewestBytesPerPass(pass =>
        {
            for (var i = 0; i < 1_000; i++)
            {
                activity.TryGetProperty("RECIPIENT", out _);
                activity.TryGetProperty("missing", out _);
            }
        }));
    }

    [Fact]
    public void Time_is_stored_in_utc_and_required_fields_are_checked()
    {
        var activity = new Activity("a", new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.FromHours(1)), "Op");
        Assert.Equal(TimeSpan.Zero, activity.Time.Offset);
        Assert.Equal(T0, activity.Time);
        Assert.Throws<ArgumentException>(() => new Activity("", T0, "Op"));
        Assert.Throws<ArgumentException>(() => new Activity("a", T0, ""));
        Assert.Throws<ArgumentNullException>(() => new Activity("a", T0, "Op") { Properties = null! });
        Assert.Throws<ArgumentNullException>(() => new Activity("a", T0, "Op") { UserTags = null! });
    }

    [Fact]
    public void Keys_that_differ_only_by_case_keep_the_first()
    {
        var activity = new Activity("a", T0, "Op")
        {
            Properties = new Dictionary<string, string>(StringComparer.Ordinal) { ["FileName"] = "a.txt", ["filename"] = "b.txt" },
        };
        Assert.Single(activity.Properties);
    }
}
