namespace AlertEngine.Replay.Tests;

/// <summary>Policies shared by the replay tests.</summary>
internal static class ReplayPolicies
{
    /// <summary>Every trigger kind over the bundled tenant, aggregation on and off.</summary>
    public const string EveryKind = """
        [
          { "id": "every", "name": "Shared externally", "category": "DataLossPrevention", "severity": "Low", "activities": ["FileSharedExternally"], "trigger": { "type": "everyTime" }, "aggregation": { "mode": "none" } },
          { "id": "every-agg", "name": "Recycled", "category": "InformationGovernance", "severity": "Low", "activities": ["FileRecycled"], "trigger": { "type": "everyTime" } },
          { "id": "threshold", "name": "Deletes", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileDeleted"], "trigger": { "type": "threshold", "count": 5, "window": "PT10M", "scope": "user" } },
          { "id": "anomaly", "name": "Downloads", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileSharedExternally", "AnonymousLinkCreated"], "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "medium", "bucket": "PT1H" } },
          { "id": "distinct", "name": "Many IPs", "category": "ThreatManagement", "severity": "High", "activities": ["UserLoggedIn", "FileAccessed"], "trigger": { "type": "distinct", "field": "clientIp", "count": 2, "window": "PT1H", "scope": "user" } },
          { "id": "sum", "name": "Modified volume", "category": "ThreatManagement", "severity": "Low", "activities": ["FileModified"], "trigger": { "type": "sum", "field": "RecordType", "threshold": 12, "window": "PT1H", "scope": "user" }, "aggregation": { "mode": "none" } },
          { "id": "spike", "name": "Access spike", "category": "ThreatManagement", "severity": "Low", "activities": ["FileAccessed", "FileModified"], "trigger": { "type": "spike", "ratio": 2, "window": "PT1H", "minCount": 3, "minReference": 1, "scope": "user" } },
          { "id": "new-ip", "name": "New IP", "category": "ThreatManagement", "severity": "Low", "activities": ["UserLoggedIn", "MailItemsAccessed"], "trigger": { "type": "newValue", "field": "clientIp", "scope": "user", "lookback": "P7D", "learningPeriod": "PT12H" } },
          { "id": "silence", "name": "Uploads stopped", "category": "InformationGovernance", "severity": "Low", "activities": ["FileUploaded", "Send"], "trigger": { "type": "absence", "window": "PT2H", "scope": "user" }, "aggregation": { "mode": "none" } }
        ]
        """;
}
