using AlertEngine.AspNetCore.Dashboard;

namespace AlertEngine.AspNetCore.Tests.Dashboard;

public sealed class HtmlTests
{
    [Fact]
    public void TextAndAttributesAreEncoded()
    {
        var html = new Html().Raw("<p").Attr("title", "\" onmouseover=\"x").Raw(">").Text("<script>&</script>").Raw("</p>").Link("/a?b=1&c=\"2\"", "<b>").ToString();

        Assert.DoesNotContain("<script", html, StringComparison.Ordinal);
        Assert.DoesNotContain("\" onmouseover", html, StringComparison.Ordinal);
        Assert.DoesNotContain("<b>", html, StringComparison.Ordinal);
        Assert.Contains("&lt;script&gt;&amp;&lt;/script&gt;", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(72 * 60, "72 h 0 min left")]
    [InlineData(61 * 60 + 59, "61 h 59 min left")]
    [InlineData(5, "0 h 5 min left")]
    [InlineData(0, "0 h 0 min left")]
    [InlineData(-125, "overdue by 2 h 5 min")]
    public void TimeLeftIsHoursAndMinutes(int minutes, string expected) =>
        Assert.Equal(expected, Html.TimeLeft(TimeSpan.FromMinutes(minutes)));

    [Fact]
    public void ChartBarsAddUpToTheAlertsPerDayAndSeverity()
    {
        static Alert At(DateTimeOffset time, AlertSeverity severity, string id) => new()
        {
            Id = id, PolicyId = "p", PolicyName = "P", Severity = severity, CreatedAt = time, FirstActivityAt = time, LastActivityAt = time,
            HitCount = 1, Users = [], Activities = [],
        };
        var day = TestApp.Day;
        var html = new Html();

        SeverityChart.Render(html, [At(day, AlertSeverity.High, "1"), At(day.AddHours(1), AlertSeverity.High, "2"), At(day.AddHours(2), AlertSeverity.Low, "3"), At(day.AddDays(1), AlertSeverity.Informational, "4")]);

        var svg = html.ToString();
        Assert.Contains("2026-03-01: 2 High", svg, StringComparison.Ordinal);
        Assert.Contains("2026-03-01: 1 Low", svg, StringComparison.Ordinal);
        Assert.Contains("2026-03-02: 1 Informational", svg, StringComparison.Ordinal);
        Assert.Equal(3, System.Text.RegularExpressions.Regex.Matches(svg, "<rect").Count);
    }

    [Fact]
    public void NoAlertsNoChart()
    {
        var html = new Html();
        SeverityChart.Render(html, []);
        Assert.Equal("", html.ToString());
    }
}
