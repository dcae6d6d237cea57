using System.Globalization;

namespace AlertEngine.Orleans.Tests;

/// <summary>The single-node reference: the alert changes an <see cref="AlertPipeline"/> makes, described as text with
/// everything the contract says must be equal (ids, hit counts, activity lists, times).</summary>
internal static class Oracle
{
    public static List<Alert> Changes(IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, IEnumerable<Activity> activities)
    {
        using var pipeline = new AlertPipeline(policies, options);
        var alerts = new List<Alert>();
        foreach (var activity in activities)
        {
            foreach (var change in pipeline.Process(activity))
            {
                alerts.Add(change.Alert);
            }
        }

        return alerts;
    }

    public static List<string> Describe(IEnumerable<Alert> alerts) => alerts.Select(Describe).ToList();

    /// <summary>The last version of each alert, by id, described.</summary>
    public static SortedDictionary<string, string> Final(IEnumerable<Alert> alerts)
    {
        var final = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var alert in alerts)
        {
            final[alert.Id] = Describe(alert);
        }

        return final;
    }

    public static string Describe(Alert a) => string.Join('|',
        a.Id,
        a.PolicyId,
        a.HitCount,
        a.DetectionCount,
        a.CreatedAt.ToString("O", CultureInfo.InvariantCulture),
        a.FirstActivityAt.ToString("O", CultureInfo.InvariantCulture),
        a.LastActivityAt.ToString("O", CultureInfo.InvariantCulture),
        string.Join(',', a.Users),
        string.Join(',', a.Operations),
        string.Join(',', a.Activities.Select(x => x.Id)),
        a.ActivitiesTruncated);

    public static IEnumerable<List<Activity>> Batches(IReadOnlyList<Activity> activities, int size)
    {
        for (var i = 0; i < activities.Count; i += size)
        {
            yield return activities.Skip(i).Take(size).ToList();
        }
    }
}
