using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>Engine health: throughput, duplicates, late and future activities, errors, pending store writes, watermark, tracked keys.</summary>
internal static class HealthPage
{
    public static IResult Render(DashboardContext page, EngineHealth health)
    {
        var caller = page.Caller;
        var s = health.Read(caller.Engine, caller.Clock);
        var html = new Html().Element("h1", "Engine health").Raw("<table id=\"health\"><tbody>");
        void Row(string name, string value, string id) => html.Raw("<tr><th>").Text(name).Raw("</th><td").Attr("id", id).Raw(">").Text(value).Raw("</td></tr>");
        Row("Activities processed", Html.Number(s.ActivitiesProcessed), "health-processed");
        Row("Activities per second (since the previous look)", s.ActivitiesPerSecond.ToString("0.##", CultureInfo.InvariantCulture), "health-rate");
        Row("Duplicates", Html.Number(s.Duplicates), "health-duplicates");
        Row("Late", Html.Number(s.Late), "health-late");
        Row("Future-dated", Html.Number(s.Future), "health-future");
        Row("Evaluation errors", Html.Number(s.EvaluationErrors), "health-errors");
        Row("Observer errors", Html.Number(s.ObserverErrors), "health-observer-errors");
        Row("Detections", Html.Number(s.Detections), "health-detections");
        Row("Alerts created / updated", Html.Number(s.AlertsCreated) + " / " + Html.Number(s.AlertsUpdated), "health-alerts");
        Row("Pending store writes", Html.Number(s.PendingStoreWrites), "health-pending");
        Row("Watermark (newest event time)", Html.Time(s.Watermark), "health-watermark");
        Row("Tracked keys (scope keys held by threshold and anomaly policies)", Html.Number(s.TrackedKeys), "health-tracked-keys");
        Row("Policies (enabled / all)", s.EnabledPolicies.ToString(CultureInfo.InvariantCulture) + " / " + s.Policies.ToString(CultureInfo.InvariantCulture), "health-policies");
        html.Raw("</tbody></table>");
        return page.Page("Engine health", "Health", html);
    }
}
