using System.Globalization;
using System.Text;

namespace AlertEngine.Benchmarks.EndToEnd;

/// <summary>
/// Writes the end-to-end workloads of issue 16 (generated on demand, never committed):
/// <list type="bullet">
/// <item><c>uniform</c>: activities 250 ms apart, 7 operations drawn uniformly, 20,000 users drawn uniformly, random
/// 10.x.y.z client IPs, SharePoint object URLs over 100 sites and 10,000 documents (native JSON Lines).</item>
/// <item><c>audit</c>: shaped like real unified-audit-log exports: 50,000 users of whom most are quiet (a Zipf-like
/// draw: a few users produce most activity), bursts (a user's 20–60 activities within a minute), 1 % re-delivered
/// records, and the records as the Management Activity API gives them (<c>CreationTime</c>, <c>Id</c>, extra fields).</item>
/// </list>
/// Deterministic (fixed seed). Also writes the four policies of the issue.
/// </summary>
internal static class TenantGenerator
{
    public static readonly string[] Operations =
        ["FileDeleted", "FileDownloaded", "FileAccessed", "MailItemsAccessed", "UserLoggedIn", "FileSharedExternally", "MailRedirect"];

    private static readonly string[] Extensions = ["docx", "xlsx", "pdf", "pptx", "txt"];

    public const string Policies = """
        [
          { "id": "mass-delete", "name": "Mass deletion", "category": "ThreatManagement", "severity": "High", "activities": ["FileDeleted"],
            "trigger": { "type": "threshold", "count": 20, "window": "PT10M", "scope": "user" } },
          { "id": "docx-shared", "name": "Word document shared externally", "category": "DataLossPrevention", "severity": "Medium", "activities": ["FileSharedExternally"],
            "conditions": { "property": "objectId", "matches": "*.docx" }, "trigger": { "type": "everyTime" } },
          { "id": "redirect-outside", "name": "Mail redirect from outside the network", "category": "ThreatManagement", "severity": "High", "activities": ["MailRedirect"],
            "conditions": { "not": { "ipAddresses": ["10.0.0.0/9"] } }, "trigger": { "type": "everyTime" } },
          { "id": "unusual-downloads", "name": "Unusual downloads", "category": "ThreatManagement", "severity": "Medium", "activities": ["FileDownloaded"],
            "trigger": { "type": "anomaly", "scope": "user", "learningPeriod": "P1D", "sensitivity": "medium", "bucket": "PT1H" } }
        ]
        """;

    public static int Run(string[] args)
    {
        if (args is not [var kind, var count, var path, ..] || kind is not ("uniform" or "audit"))
        {
            Console.Error.WriteLine("usage: e2e-generate uniform|audit <lines> <activities.jsonl> [<policies.json>]");
            return 2;
        }

        var lines = int.Parse(count, CultureInfo.InvariantCulture);
        using (var writer = new StreamWriter(path, false, new UTF8Encoding(false), 1 << 20))
        {
            if (kind == "uniform")
            {
                Uniform(writer, lines);
            }
            else
            {
                Audit(writer, lines);
            }
        }

        if (args is [_, _, _, var policies])
        {
            File.WriteAllText(policies, Policies);
        }

        Console.WriteLine($"{lines} {kind} activities written to {path} ({new FileInfo(path).Length / 1e6:F0} MB)");
        return 0;
    }

    private static readonly DateTimeOffset Start = new(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);

    private static void Uniform(TextWriter writer, int lines)
    {
        var random = new Random(20261204);
        for (var i = 0; i < lines; i++)
        {
            var time = Start.AddTicks(i * TimeSpan.TicksPerMillisecond * 250);
            var op = Operations[random.Next(Operations.Length)];
            var user = random.Next(20_000);
            writer.Write("{\"id\":\"u");
            writer.Write(i.ToString(CultureInfo.InvariantCulture));
            writer.Write("\",\"time\":\"");
            writer.Write(time.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture));
            writer.Write("\",\"operation\":\"");
            writer.Write(op);
            writer.Write("\",\"userId\":\"user");
            writer.Write(user.ToString(CultureInfo.InvariantCulture));
            writer.Write("@contoso.com\",\"clientIp\":\"10.");
            writer.Write(string.Create(CultureInfo.InvariantCulture, $"{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}"));
            writer.Write("\",\"objectId\":\"https://contoso.sharepoint.com/sites/site");
            writer.Write(random.Next(100).ToString(CultureInfo.InvariantCulture));
            writer.Write("/Shared Documents/doc");
            writer.Write(random.Next(10_000).ToString(CultureInfo.InvariantCulture));
            writer.Write('.');
            writer.Write(Extensions[random.Next(Extensions.Length)]);
            writer.Write("\",\"workload\":\"SharePoint\"}\n");
        }
    }

    private static void Audit(TextWriter writer, int lines)
    {
        var random = new Random(4122026);
        var time = Start;
        var written = 0;
        var recent = new string[64];
        while (written < lines)
        {
            // Zipf-like: user = floor(50,000 * u^4): a few users produce most records, most are quiet.
            var u = random.NextDouble();
            var user = (int)(50_000 * u * u * u * u);
            var burst = random.Next(50) == 0 ? random.Next(20, 61) : 1;
            var op = Operations[random.Next(Operations.Length)];
            for (var b = 0; b < burst && written < lines; b++)
            {
                time = time.AddMilliseconds(burst > 1 ? random.Next(0, 1500) : random.Next(0, 900));
                string line;
                if (written > 64 && random.Next(100) == 0)
                {
                    line = recent[random.Next(recent.Length)]; // an at-least-once source delivers a record again
                }
                else
                {
                    var id = Guid.CreateVersion7(time).ToString();
                    line = string.Create(CultureInfo.InvariantCulture,
                        $"{{\"CreationTime\":\"{time:yyyy-MM-dd'T'HH:mm:ss}\",\"Id\":\"{id}\",\"Operation\":\"{op}\",\"OrganizationId\":\"4f1c2a9e-7b3d-4e8a-9c61-2d5f0b7a1e34\",\"RecordType\":6,\"UserKey\":\"i:0h.f|membership|user{user}@contoso.com\",\"UserType\":0,\"Version\":1,\"Workload\":\"SharePoint\",\"ClientIP\":\"10.{random.Next(256)}.{random.Next(256)}.{random.Next(1, 255)}\",\"ObjectId\":\"https://contoso.sharepoint.com/sites/site{random.Next(100)}/Shared Documents/doc{random.Next(10_000)}.{Extensions[random.Next(Extensions.Length)]}\",\"UserId\":\"user{user}@contoso.com\",\"EventSource\":\"SharePoint\",\"ItemType\":\"File\",\"UserAgent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64)\"}}");
                    recent[written % recent.Length] = line;
                }

                writer.Write(line);
                writer.Write('\n');
                written++;
            }
        }
    }
}
