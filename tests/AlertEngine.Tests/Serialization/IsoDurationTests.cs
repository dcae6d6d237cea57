namespace AlertEngine.Tests.Serialization;

public class IsoDurationTests
{
    public static TheoryData<string, TimeSpan> Valid => new()
    {
        { "PT10M", TimeSpan.FromMinutes(10) },
        { "P7D", TimeSpan.FromDays(7) },
        { "PT1H30M", TimeSpan.FromMinutes(90) },
        { "PT36H", TimeSpan.FromHours(36) },
        { "P1W", TimeSpan.FromDays(7) },
        { "P1W2D", TimeSpan.FromDays(9) },
        { "P1DT2H3M4S", new TimeSpan(1, 2, 3, 4) },
        { "PT0.5S", TimeSpan.FromMilliseconds(500) },
        { "PT1,25S", TimeSpan.FromMilliseconds(1250) },
        { "PT0.0000001S", TimeSpan.FromTicks(1) },
        { "pt10m", TimeSpan.FromMinutes(10) },
        { "PT0S", TimeSpan.Zero },
        { "P10675199DT2H48M5.4775807S", TimeSpan.MaxValue },
    };

    [Theory]
    [MemberData(nameof(Valid))]
    public void Parses_the_fixed_length_subset(string text, TimeSpan expected)
    {
        Assert.True(IsoDuration.TryParse(text, out var value, out var error), error);
        Assert.Equal(expected, value);
    }

    [Theory]
    [InlineData("", "must not be empty")]
    [InlineData("P", "is not a valid duration")]
    [InlineData("PT", "is not a valid duration")]
    [InlineData("P1DT", "is not a valid duration")]
    [InlineData("PT1H30", "is not a valid duration")]
    [InlineData("1H", "is not a duration")]
    [InlineData(" PT1H", "is not a duration")]
    [InlineData("PT1H ", "is not a valid duration")]
    [InlineData("P1Y", "years or months")]
    [InlineData("P1M", "years or months")]
    [InlineData("P1Y2M", "years or months")]
    [InlineData("-PT1H", "is negative")]
    [InlineData("+PT1H", "is not a duration")]
    [InlineData("P1.5D", "fraction on a component other than seconds")]
    [InlineData("PT1.5H", "fraction on a component other than seconds")]
    [InlineData("PT0.12345678S", "more than 7 fractional digits")]
    [InlineData("PT1.S", "is not a valid duration")]
    [InlineData("P1D1W", "is not a valid duration")]
    [InlineData("PT1M1H", "is not a valid duration")]
    [InlineData("PT1H1H", "is not a valid duration")]
    [InlineData("PTT1H", "is not a valid duration")]
    [InlineData("P1H", "is not a valid duration")]
    [InlineData("PT1D", "is not a valid duration")]
    [InlineData("P1234567890123456789D", "is too large")]
    [InlineData("P10675200D", "is too large")]
    public void Rejects_everything_else_with_a_reason(string text, string reason)
    {
        Assert.False(IsoDuration.TryParse(text, out _, out var error));
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0L, "PT0S")]
    [InlineData(TimeSpan.TicksPerDay * 7, "P7D")]
    [InlineData(TimeSpan.TicksPerMinute * 90, "PT1H30M")]
    [InlineData(TimeSpan.TicksPerDay + TimeSpan.TicksPerSecond, "P1DT1S")]
    [InlineData(TimeSpan.TicksPerMillisecond * 1500, "PT1.5S")]
    [InlineData(1L, "PT0.0000001S")]
    [InlineData(-TimeSpan.TicksPerHour, "-PT1H")]
    public void Formats_canonically(long ticks, string expected) => Assert.Equal(expected, IsoDuration.Format(TimeSpan.FromTicks(ticks)));

    [FsCheck.Xunit.Property]
    public bool Format_then_parse_gives_back_every_non_negative_duration(long ticks)
    {
        var value = TimeSpan.FromTicks(ticks == long.MinValue ? 0 : Math.Abs(ticks));
        return IsoDuration.TryParse(IsoDuration.Format(value), out var parsed, out _) && parsed == value;
    }
}
