using System.Text;
using AlertEngine.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

/// <summary>The examples of docs/formats.md do what the document says.</summary>
public sealed class FormatsExampleTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alertengine-docs-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string text)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, text);
        return path;
    }

    private const string Policies = """
        [{
          "id": "forwarding-rule",
          "name": "Creation of forwarding/redirect rule",
          "category": "ThreatManagement",
          "severity": "Informational",
          "activities": ["New-InboxRule", "MailRedirect"]
        }]
        """;

    [Fact]
    public async Task Replay_writes_one_line_per_alert_in_order_and_names_file_and_line_of_bad_input()
    {
        var policies = Write("policies.json", Policies);
        var activities = Write("activities.jsonl", string.Join('\n',
            """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"MailRedirect","userId":"alice@contoso.com"}""",
            """{"Id":"u1","CreationTime":"2026-03-01T09:05:00","Operation":"New-InboxRule","UserId":"bob@contoso.com","ClientIP":"[2001:db8::1]:443"}""",
            """{"id":"a2","operation":"MailRedirect"}"""));
        using var output = new MemoryStream();
        using var errors = new StringWriter();

        var exit = await FormatsExamples.ReplayAsync(policies, activities, output, errors);

        Assert.Equal(3, exit);
        var lines = Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("""{"id":"forwarding-rule:a1","policyId":"forwarding-rule",""", lines[0], StringComparison.Ordinal);
        Assert.StartsWith("""{"id":"forwarding-rule:u1",""", lines[1], StringComparison.Ordinal);
        Assert.Equal("activities.jsonl:3: time: required", errors.ToString().Trim());
    }

    [Fact]
    public async Task Replay_of_an_invalid_policy_file_lists_each_problem_with_its_path()
    {
        var policies = Write("policies.json", Policies.Replace("\"severity\": \"Informational\"", "\"severity\": \"Severe\", \"color\": \"red\"", StringComparison.Ordinal));
        var activities = Write("activities.jsonl", string.Empty);
        using var errors = new StringWriter();

        var exit = await FormatsExamples.ReplayAsync(policies, activities, Stream.Null, errors);

        Assert.Equal(2, exit);
        var reported = errors.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        // As docs/formats.md shows them.
        Assert.Equal(
            [
                "policies.json: policies[0].color: is not a property of a policy; expected one of id, name, description, enabled, type, category, severity, activities, conditions, trigger, aggregation, automatedInvestigation, notification",
                "policies.json: policies[0].severity: \"Severe\" is not a valid severity; expected one of Low, Medium, High, Informational",
            ],
            reported.Select(line => line.Replace(policies, "policies.json", StringComparison.Ordinal)));
    }

    [Fact]
    public void Saved_policies_load_back_equal()
    {
        var loaded = FormatsExamples.RoundTrip();

        var policy = Assert.Single(loaded);
        Assert.Equal("mass-delete", policy.Id);
        Assert.Equal(new ThresholdTrigger(100, TimeSpan.FromHours(1), TriggerScope.User), policy.Trigger);
        Assert.Equal(PolicySerializer.Save(loaded), PolicySerializer.Save(PolicySerializer.Load(PolicySerializer.Save(loaded)).Value));
        Assert.True(PolicyComparer.Instance.Equals(policy, PolicySerializer.Load(PolicySerializer.Save([policy])).Value[0]));
    }
}
