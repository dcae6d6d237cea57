using System.Globalization;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>Alerts per day by severity, as an inline SVG of stacked bars (no script), with a legend and a title per bar.</summary>
internal static class SeverityChart
{
    private const int Height = 140;
    private const int BarWidth = 36;
    private const int Gap = 16;
    private const int MaxDays = 60;

    private static readonly (AlertSeverity Severity, string Color)[] Colors =
    [
        (AlertSeverity.High, "#c62828"),
        (AlertSeverity.Medium, "#ef6c00"),
        (AlertSeverity.Low, "#f9a825"),
        (AlertSeverity.Informational, "#1565c0"),
    ];

    public static void Render(Html html, IReadOnlyList<Alert> alerts)
    {
        if (alerts.Count == 0)
        {
            return;
        }

        var days = new SortedDictionary<DateOnly, int[]>();
        foreach (var alert in alerts)
        {
            var day = DateOnly.FromDateTime(alert.CreatedAt.UtcDateTime);
            if (!days.TryGetValue(day, out var counts))
            {
                days[day] = counts = new int[4];
            }

            counts[(int)alert.Severity]++;
        }

        var list = days.ToList();
        if (list.Count > MaxDays)
        {
            list = list.GetRange(list.Count - MaxDays, MaxDays);
        }

        var max = 1;
        foreach (var (_, counts) in list)
        {
            max = Math.Max(max, counts.Sum());
        }

        var width = list.Count * (BarWidth + Gap) + 40;
        html.Raw("<div class=\"chart\"><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" id=\"chart\"")
            .Attr("width", width.ToString(CultureInfo.InvariantCulture)).Attr("height", (Height + 40).ToString(CultureInfo.InvariantCulture))
            .Raw("><title>Alerts per day by severity</title>");
        html.Raw("<text x=\"0\" y=\"12\" font-size=\"11\">").Text(max.ToString(CultureInfo.InvariantCulture)).Raw("</text>");
        var x = 30;
        foreach (var (day, counts) in list)
        {
            var y = Height + 14;
            var dayText = day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
            foreach (var (severity, color) in Colors)
            {
                var n = counts[(int)severity];
                if (n == 0)
                {
                    continue;
                }

                var h = Math.Max(1, (int)Math.Round(n * (double)Height / max));
                y -= h;
                html.Raw("<rect").Attr("x", x.ToString(CultureInfo.InvariantCulture)).Attr("y", y.ToString(CultureInfo.InvariantCulture))
                    .Attr("width", BarWidth.ToString(CultureInfo.InvariantCulture)).Attr("height", h.ToString(CultureInfo.InvariantCulture))
                    .Attr("fill", color).Attr("class", "bar bar-" + severity).Attr("data-count", n.ToString(CultureInfo.InvariantCulture)).Raw("><title>")
                    .Text($"{dayText}: {n} {severity}").Raw("</title></rect>");
            }

            html.Raw("<text font-size=\"11\"").Attr("x", x.ToString(CultureInfo.InvariantCulture)).Attr("y", (Height + 28).ToString(CultureInfo.InvariantCulture))
                .Raw(">").Text(day.ToString("MM-dd", CultureInfo.InvariantCulture)).Raw("</text>");
            x += BarWidth + Gap;
        }

        html.Raw("</svg><div>");
        foreach (var (severity, color) in Colors)
        {
            html.Raw("<span style=\"margin-right:.8rem\"><span").Attr("style", "display:inline-block;width:.8rem;height:.8rem;background:" + color).Raw("></span> ")
                .Text(severity.ToString()).Raw("</span>");
        }

        html.Raw("</div></div>");
    }
}
