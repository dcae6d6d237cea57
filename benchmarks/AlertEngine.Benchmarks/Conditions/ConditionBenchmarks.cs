using System.Collections.Frozen;
using System.Net;
using BenchmarkDotNet.Attributes;
using RulesEngine.Models;

namespace AlertEngine.Benchmarks.Conditions;

/// <summary>
/// One two-clause rule — operation equals <c>FileDeleted</c> AND user in a list of five, both case-insensitive —
/// evaluated on a matching activity (so both clauses run) by: our compiled condition, a hand-written C# lambda, and
/// Microsoft RulesEngine 6.0.1 with the equivalent lambda-expression string. A second rule (client IP in a range AND
/// file name glob) compares compiled and hand-written only: RulesEngine has no IP-range or glob operator of its own.
/// </summary>
[MemoryDiagnoser]
public class ConditionBenchmarks
{
    private static readonly string[] UserList =
        ["alice@contoso.com", "bob@contoso.com", "carol@contoso.com", "dave@contoso.com", "erin@contoso.com"];

    private readonly Activity _activity = new("a1", new DateTimeOffset(2026, 3, 1, 9, 0, 0, TimeSpan.Zero), "FileDeleted")
    {
        UserId = "Erin@Contoso.com",
        ClientIp = IPAddress.Parse("10.1.2.3"),
        ObjectId = "https://contoso.sharepoint.com/sites/hr/Shared Documents/payroll.xlsx",
        Workload = "SharePoint",
        Properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["SiteUrl"] = "https://contoso.sharepoint.com/sites/hr" },
    };

    private Func<Activity, bool> _compiled = null!;
    private Func<Activity, bool> _handWritten = null!;
    private Func<Activity, bool> _compiledIpFile = null!;
    private Func<Activity, bool> _handWrittenIpFile = null!;
    private RulesEngine.RulesEngine _rulesEngine = null!;
    private RuleParameter[] _rulesEngineInput = null!;

    [GlobalSetup]
    public void Setup()
    {
        _compiled = new AllCondition(
        [
            new PropertyCondition("operation", PropertyOperator.Equals, ["FileDeleted"]),
            new UsersCondition(UserList),
        ]).Compile();

        var users = UserList.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
        _handWritten = a => string.Equals(a.Operation, "FileDeleted", StringComparison.OrdinalIgnoreCase)
            && a.UserId is { } user && users.Contains(user);

        _compiledIpFile = new AllCondition(
        [
            new IpAddressesCondition([IPNetwork.Parse("10.0.0.0/8")]),
            new FileNamesCondition(["*.xlsx"]),
        ]).Compile();

        // The documented rule written by hand (what a developer would write for it without this library): IPNetwork
        // compares address families, so an IPv4-mapped IPv6 address is mapped first (only then: MapToIPv4 allocates);
        // the file name is property FileName, else the object id's last path segment (see HandWrittenFileName).
        var network = IPNetwork.Parse("10.0.0.0/8");
        _handWrittenIpFile = a =>
            a.ClientIp is { } ip
            && (network.Contains(ip) || (ip.IsIPv4MappedToIPv6 && network.Contains(ip.MapToIPv4())))
            && HandWrittenFileName(a).EndsWith(".xlsx", StringComparison.OrdinalIgnoreCase);

        var userList = string.Join(", ", UserList.Select(u => $"\"{u}\""));
        var workflow = new Workflow
        {
            WorkflowName = "conditions",
            Rules =
            [
                new Rule
                {
                    RuleName = "FileDeletedBySelectedUsers",
                    RuleExpressionType = RuleExpressionType.LambdaExpression,
                    Expression = "string.Equals(a.Operation, \"FileDeleted\", StringComparison.OrdinalIgnoreCase) && a.UserId != null"
                        + $" && new[] {{ {userList} }}.Any(u => string.Equals(u, a.UserId, StringComparison.OrdinalIgnoreCase))",
                },
            ],
        };
        _rulesEngine = new RulesEngine.RulesEngine([workflow], new ReSettings());
        _rulesEngineInput = [new RuleParameter("a", _activity)];

        // The two ip + fileName contenders implement the same rule: they agree on activities that exercise its corners.
        foreach (var (ip, objectId, fileName) in IpAndFileNameCorners)
        {
            var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            if (fileName is not null)
            {
                properties["FileName"] = fileName;
            }

            var corner = new Activity("c", _activity.Time, "FileDeleted")
            {
                ClientIp = ip is null ? null : IPAddress.Parse(ip),
                ObjectId = objectId,
                Properties = properties,
            };
            if (_compiledIpFile(corner) != _handWrittenIpFile(corner))
            {
                throw new InvalidOperationException($"The ip + fileName contenders disagree on {ip} {objectId} {fileName}.");
            }
        }

        // Every contender must agree on the answer before it is timed.
        if (!Compiled() || !HandWritten() || !RulesEngineExecuteAllRules().AsTask().GetAwaiter().GetResult()
            || !CompiledIpAndFileName() || !HandWrittenIpAndFileName())
        {
            throw new InvalidOperationException("The contenders disagree: every one must match the activity.");
        }
    }

    private static readonly (string? Ip, string? ObjectId, string? FileName)[] IpAndFileNameCorners =
    [
        ("10.1.2.3", "https://contoso.sharepoint.com/sites/hr/Shared Documents/payroll.xlsx", null),
        ("::ffff:10.1.2.3", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", null),
        ("11.1.2.3", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", null),
        ("2001:db8::1", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", null),
        (null, "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", null),
        ("10.1.2.3", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx?web=1#top", null),
        ("10.1.2.3", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx/", null),
        ("10.1.2.3", "https://payroll.xlsx", null),
        ("10.1.2.3", "https://payroll.xlsx/", null),
        ("10.1.2.3", @"C:\share\payroll.xlsx", null),
        ("10.1.2.3", @"C:\share\payroll.xlsx\", null),
        ("10.1.2.3", "payroll.xlsx?x", null),
        ("10.1.2.3", "https://contoso.sharepoint.com/sites/hr/notes.txt", "payroll.XLSX"),
        ("10.1.2.3", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", "notes.txt"),
        ("10.1.2.3", "https://contoso.sharepoint.com/sites/hr/payroll.xlsx", ""),
        ("10.1.2.3", null, null),
        ("10.1.2.3", "/", null),
    ];

    /// <summary>
    /// The documented file-name rule written by hand: property <c>FileName</c> when present and not empty; otherwise
    /// the last segment of the object id (separators <c>/</c> and <c>\</c>, trailing ones ignored); in a URL
    /// (<c>scheme://</c>) the query string and fragment are not part of the path, and a URL without a path has no file
    /// name.
    /// </summary>
    private static ReadOnlySpan<char> HandWrittenFileName(Activity a)
    {
        if (a.TryGetProperty("FileName", out var fileName) && fileName.Length != 0)
        {
            return fileName;
        }

        if (a.ObjectId is not { } objectId)
        {
            return default;
        }

        var path = objectId.AsSpan();
        var scheme = path.IndexOf("://");
        if (scheme >= 0)
        {
            path = path[(scheme + 3)..];
            var end = path.IndexOfAny('?', '#');
            if (end >= 0)
            {
                path = path[..end];
            }
        }

        path = path.TrimEnd(['/', '\\']);
        var slash = path.LastIndexOfAny('/', '\\');
        return scheme >= 0 && slash < 0 ? default : path[(slash + 1)..];
    }

    [Benchmark(Description = "op+users: compiled condition")]
    public bool Compiled() => _compiled(_activity);

    [Benchmark(Baseline = true, Description = "op+users: hand-written lambda")]
    public bool HandWritten() => _handWritten(_activity);

    [Benchmark(Description = "op+users: RulesEngine 6.0.1")]
    public async ValueTask<bool> RulesEngineExecuteAllRules()
    {
        var results = await _rulesEngine.ExecuteAllRulesAsync("conditions", _rulesEngineInput).ConfigureAwait(false);
        if (results[0].ExceptionMessage is { Length: > 0 } error)
        {
            throw new InvalidOperationException(error);
        }

        return results[0].IsSuccess;
    }

    [Benchmark(Description = "ip+fileName: compiled condition")]
    public bool CompiledIpAndFileName() => _compiledIpFile(_activity);

    [Benchmark(Description = "ip+fileName: hand-written lambda")]
    public bool HandWrittenIpAndFileName() => _handWrittenIpFile(_activity);
}
