using System.Collections.Immutable;
using System.Globalization;
using System.Net;

namespace AlertEngine.Benchmarks.Storage;

/// <summary>
/// The alerts of the storage benchmarks: alert <c>i</c> of policy <c>p{i % 100}</c>, created <c>i</c> seconds after
/// the start, with two users, one activity, 1 % tagged VIP, 1 % Investigating and 5 % Resolved.
/// </summary>
internal static class BenchmarkAlerts
{
    public const int Policies = 100;
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);
    private static readonly ImmutableArray<string> Users = ["alice@contoso.com", "bob@contoso.com"];
    private static readonly ImmutableArray<string> Operations = ["FileDeleted"];
    private static readonly ImmutableArray<string> Vip = ["VIP"];
    private static readonly IPAddress Address = IPAddress.Parse("203.0.113.7");

    public static string Id(long i) => string.Create(CultureInfo.InvariantCulture, $"p{i % Policies}:act-{i:D9}");

    public static Alert Make(long i, int hits = 1)
    {
        var created = Start.AddSeconds(i);
        var id = Id(i);
        return new Alert
        {
            Id = id,
            PolicyId = "p" + (i % Policies).ToString(CultureInfo.InvariantCulture),
            PolicyName = "Mass file deletion",
            Severity = (AlertSeverity)(i % 4),
            Category = (AlertCategory)(i % 6),
            Status = (i % 100) switch
            {
                7 => AlertStatus.Investigating,
                < 5 => AlertStatus.Resolved,
                _ => AlertStatus.Active,
            },
            CreatedAt = created,
            FirstActivityAt = created,
            LastActivityAt = created,
            HitCount = hits,
            Users = Users,
            Operations = Operations,
            Activities = [new AlertActivity(id, created, "FileDeleted", "alice@contoso.com", "https://contoso.sharepoint.com/doc.docx", Address)],
            Tags = i % 100 == 42 ? Vip : [],
        };
    }
}
