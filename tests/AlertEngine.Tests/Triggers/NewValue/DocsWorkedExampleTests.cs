using System.Net;

namespace AlertEngine.Tests.Triggers.NewValue;

/// <summary>The worked examples of docs/trigger-newvalue.md and docs/trigger-absence.md, row by row, through the engine.</summary>
public class DocsWorkedExampleTests
{
    private static readonly DateTimeOffset Day0 = new(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void The_new_value_example_fires_where_the_table_says()
    {
        var policy = new AlertPolicy
        {
            Id = "new-ip",
            Name = "Download from a new IP address",
            Operations = ["FileDownloaded"],
            Trigger = new NewValueTrigger("clientIp", TriggerScope.User, TimeSpan.FromHours(24), TimeSpan.FromHours(2)),
            Aggregation = new AggregationSettings(AggregationMode.None),
        };
        using var pipeline = new AlertPipeline([policy]);
        (string Id, TimeSpan At, string Ip, bool Fires)[] rows =
        [
            ("r1", TimeSpan.FromHours(8), "10.0.0.1", false),
            ("r2", TimeSpan.FromHours(9.5), "10.0.0.2", false),
            ("r3", TimeSpan.FromHours(10), "10.0.0.3", true),
            ("r4", TimeSpan.FromHours(10) + TimeSpan.FromMinutes(5), "10.0.0.2", false),
            ("r5", TimeSpan.FromHours(10) + TimeSpan.FromMinutes(5), "::ffff:10.0.0.3", false),
            ("r6", TimeSpan.FromHours(24 + 8), "10.0.0.1", true),
            ("r7", TimeSpan.FromHours(24 + 10) + TimeSpan.FromMinutes(4), "10.0.0.3", false),
        ];

        foreach (var (id, at, ip, fires) in rows)
        {
            var changes = pipeline.Process(new Activity(id, Day0 + at, "FileDownloaded") { UserId = "alice", ClientIp = IPAddress.Parse(ip) });
            Assert.True(fires == (changes.Count == 1), $"row {id}");
        }

        // Bob's first download at 11:00 starts his own learning period.
        Assert.Empty(pipeline.Process(new Activity("b1", Day0 + TimeSpan.FromHours(24 + 11), "FileDownloaded") { UserId = "bob", ClientIp = IPAddress.Parse("10.0.0.9") }));
    }

    [Fact]
    public void The_absence_example_fires_where_the_table_says()
    {
        var policy = new AlertPolicy
        {
            Id = "audit-stopped",
            Name = "Audit events stopped",
            Operations = ["MailItemsAccessed"],
            Trigger = new AbsenceTrigger(TimeSpan.FromHours(1), TriggerScope.Property("workload")),
            Aggregation = new AggregationSettings(AggregationMode.None),
        };
        using var pipeline = new AlertPipeline([policy]);
        var t = Day0 + TimeSpan.FromHours(9);
        Activity Row(string id, int minutes, string operation, string? workload) => new(id, t.AddMinutes(minutes), operation) { UserId = "svc", Workload = workload };

        Assert.Empty(pipeline.Process(Row("e1", 0, "MailItemsAccessed", "Exchange")));
        Assert.Empty(pipeline.Process(Row("t1", 30, "MailItemsAccessed", "Teams")));
        Assert.Empty(pipeline.Process(Row("e2", 45, "MailItemsAccessed", "Exchange")));
        var teams = Assert.Single(pipeline.Process(Row("login", 100, "UserLoggedIn", null)));
        var exchange = Assert.Single(pipeline.Process(Row("sp", 105, "FileAccessed", "SharePoint")));
        Assert.Empty(pipeline.Process(Row("login2", 180, "UserLoggedIn", null)));

        Assert.Equal((t.AddMinutes(90), "t1"), (teams.Detection.Time, teams.Detection.TriggeringActivity.Id));
        Assert.Equal((t.AddMinutes(105), "e2"), (exchange.Detection.Time, exchange.Detection.TriggeringActivity.Id));
    }
}
