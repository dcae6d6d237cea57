using System.Globalization;

namespace AlertEngine.Tests.Engine;

/// <summary>Issue 16: the engine allocates nothing per activity in steady state (no detection), duplicate filter on.</summary>
public class SteadyStateAllocationTests
{
    private const string Policies = """
        [
          { "id": "mass-delete", "name": "Mass deletion", "category": "ThreatManagement", "severity": "High", "activities": ["FileDeleted"],
            "trigger": { "type": "threshold", "count": 1000, "window": "PT10M", "scope": "user" } },
          { "id": "docx-shared", "name": "Word document shared externally", "category": "DataLossPrevention", "severity": "Medium", "activities": ["FileSharedExternally"],
            "conditions": { "property": "objectId", "matches": "*.docx" }, "trigger": { "type": "everyTime" } },
          { "id": "unusual-downloads", "name": "Unusual downloads", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileDownloaded"],
            "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "medium", "bucket": "PT1H" } }
        ]
        """;

    private static readonly string[] Operations = ["FileDeleted", "FileSharedExternally", "FileDownloaded", "FileAccessed"];

    /// <param name="batch">0: <see cref="AlertPipeline.Process(Activity)"/> per activity; otherwise
    /// <see cref="AlertPipeline.Process(ReadOnlySpan{Activity})"/> in batches of that size.</param>
    [Theory]
    [InlineData(0)]
    [InlineData(1024)]
    public void Dispatch_the_duplicate_filter_conditions_and_counting_triggers_allocate_nothing_per_activity(int batch)
    {
        // 50 users, four activities a second, distinct ids: the filter's ring and table, the threshold windows and the
        // anomaly buckets all turn over within the passes, and nothing fires (the threshold needs 1,000, the anomaly
        // model is still learning, no object is a .docx).
        const int PerPass = 20_000;
        const int Passes = 6;
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        var activities = new Activity[PerPass * Passes];
        for (var i = 0; i < activities.Length; i++)
        {
            activities[i] = new Activity("a" + i.ToString(CultureInfo.InvariantCulture), start.AddMilliseconds(i * 250.0), Operations[i % Operations.Length])
            {
                UserId = "user" + (i % 50).ToString(CultureInfo.InvariantCulture) + "@contoso.com",
                ObjectId = "https://contoso.sharepoint.com/sites/s/Shared Documents/doc" + (i % 97).ToString(CultureInfo.InvariantCulture) + ".pdf",
            };
        }

        using var pipeline = new AlertPipeline(PolicySerializer.Load(Policies).Value, new AlertEngineOptions { DuplicateHorizon = TimeSpan.FromMinutes(30) });
        var changes = 0;
        void Pass(int k)
        {
            if (batch > 0)
            {
                for (var i = k * PerPass; i < (k + 1) * PerPass; i += batch)
                {
                    changes += pipeline.Process(activities.AsSpan(i, Math.Min(batch, ((k + 1) * PerPass) - i))).Count;
                }

                return;
            }

            for (var i = k * PerPass; i < (k + 1) * PerPass; i++)
            {
                changes += pipeline.Process(activities[i]).Count;
            }
        }

        Pass(0);
        Pass(1);
        Assert.Equal(0, Allocations.FewestBytesPerPass(Pass, firstPass: 2, passes: Passes - 2));
        Assert.Equal(0, changes);
        Assert.Equal(PerPass * Passes, pipeline.Statistics.ActivitiesProcessed);
    }
}
