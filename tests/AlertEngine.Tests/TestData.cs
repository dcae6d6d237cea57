namespace AlertEngine.Tests;

internal static class TestData
{
    public static readonly DateTimeOffset T0 = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public static Activity Act(string id, int seconds, string operation = "FileDeleted", string? user = "alice@contoso.com") =>
        new(id, T0.AddSeconds(seconds), operation) { UserId = user };

    public static AlertPolicy EveryTime(string id = "p1", params string[] operations) => new()
    {
        Id = id,
        Name = "Policy " + id,
        Category = AlertCategory.ThreatManagement,
        Severity = AlertSeverity.High,
        Operations = operations.Length == 0 ? ["FileDeleted"] : operations,
    };
}
