using System.Text.Json;
using BenchmarkDotNet.Attributes;

namespace AlertEngine.Benchmarks.Conditions;

/// <summary>
/// A forwarding-rule condition on a real-shaped Exchange <c>Set-Mailbox</c> audit record: <c>Parameters.Name</c> equals
/// <c>ForwardingSmtpAddress</c> AND <c>Parameters.Value</c> matches <c>smtp:*@gmail.com</c>, compiled (the JSON parsed
/// once per activity and kept), against: two top-level conditions (operation AND workload, the cost floor), a
/// hand-written lambda that parses the property with <see cref="JsonDocument"/> on every evaluation (what one writes
/// without dotted paths), and the one-time parse of the property (<see cref="JsonPropertyTree.Parse"/>), paid on the
/// first evaluation of each activity.
/// </summary>
[MemoryDiagnoser]
public class DottedPathBenchmarks
{
    internal const string SetMailbox = """{"CreationTime":"2026-03-01T09:00:00","Id":"5a1d2c3e-0000-4000-8000-000000000001","Operation":"Set-Mailbox","OrganizationId":"d1b3c4f5","RecordType":1,"ResultStatus":"True","UserKey":"NT AUTHORITY\\SYSTEM (Microsoft.Exchange.ServiceHost)","UserType":3,"Version":1,"Workload":"Exchange","ClientIP":"203.0.113.7:51234","ObjectId":"contoso.onmicrosoft.com/Users/alice","UserId":"alice@contoso.com","AppId":"","ExternalAccess":false,"OrganizationName":"contoso.onmicrosoft.com","OriginatingServer":"AM0PR01MB1234 (15.20.7000.000)","Parameters":[{"Name":"Identity","Value":"alice@contoso.com"},{"Name":"ForwardingSmtpAddress","Value":"smtp:exfil@gmail.com"},{"Name":"DeliverToMailboxAndForward","Value":"True"}]}""";

    private Activity _activity = null!;
    private string _parameters = null!;
    private Func<Activity, bool> _path = null!;
    private Func<Activity, bool> _topLevel = null!;
    private Func<Activity, bool> _reparse = null!;

    [GlobalSetup]
    public void Setup()
    {
        _activity = ActivityReader.ParseLine(SetMailbox).Activity ?? throw new InvalidOperationException("bad record");
        _parameters = _activity.Properties["Parameters"];
        _path = new AllCondition(
        [
            new PropertyCondition("Parameters.Name", PropertyOperator.Equals, ["ForwardingSmtpAddress"]),
            new PropertyCondition("Parameters.Value", PropertyOperator.Matches, ["smtp:*@gmail.com"]),
        ]).Compile();
        _topLevel = new AllCondition(
        [
            new PropertyCondition("operation", PropertyOperator.Equals, ["Set-Mailbox"]),
            new PropertyCondition("workload", PropertyOperator.Equals, ["Exchange"]),
        ]).Compile();
        _reparse = a =>
        {
            if (!a.TryGetProperty("Parameters", out var json))
            {
                return false;
            }

            using var doc = JsonDocument.Parse(json);
            bool name = false, value = false;
            foreach (var p in doc.RootElement.EnumerateArray())
            {
                foreach (var m in p.EnumerateObject())
                {
                    if (m.NameEquals("Name") && string.Equals(m.Value.GetString(), "ForwardingSmtpAddress", StringComparison.OrdinalIgnoreCase))
                    {
                        name = true;
                    }
                    else if (m.NameEquals("Value") && m.Value.GetString() is { } v
                        && v.StartsWith("smtp:", StringComparison.OrdinalIgnoreCase) && v.EndsWith("@gmail.com", StringComparison.OrdinalIgnoreCase))
                    {
                        value = true;
                    }
                }
            }

            return name && value;
        };

        if (!DottedPath() || !TopLevel() || !ReparsePerEvaluation() || ParseOnce() == 0)
        {
            throw new InvalidOperationException("The contenders disagree: every one must match the activity.");
        }
    }

    [Benchmark(Baseline = true, Description = "operation+workload (top-level)")]
    public bool TopLevel() => _topLevel(_activity);

    [Benchmark(Description = "Parameters.Name+Parameters.Value (compiled path)")]
    public bool DottedPath() => _path(_activity);

    [Benchmark(Description = "hand-written, JsonDocument per evaluation")]
    public bool ReparsePerEvaluation() => _reparse(_activity);

    [Benchmark(Description = "one-time parse of Parameters (first evaluation)")]
    public int ParseOnce() => JsonPropertyTree.Parse(_parameters).Entries.Length;
}
