using System.Collections.Immutable;
using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Alerts;

internal static class AlertStoreTestData
{
    public static Alert MakeAlert(
        string id,
        string policy = "p",
        int seconds = 0,
        AlertStatus status = AlertStatus.Active,
        AlertSeverity severity = AlertSeverity.High,
        AlertCategory category = AlertCategory.ThreatManagement,
        string source = Alert.EngineSource,
        int hits = 1,
        params string[] tags) => new()
        {
            Id = id,
            PolicyId = policy,
            PolicyName = "Policy " + policy,
            Severity = severity,
            Category = category,
            Status = status,
            Source = source,
            CreatedAt = T0.AddSeconds(seconds),
            FirstActivityAt = T0.AddSeconds(seconds),
            LastActivityAt = T0.AddSeconds(seconds),
            HitCount = hits,
            Users = ImmutableArray.Create("u"),
            Tags = [.. tags],
            Activities = [],
        };
}
