using System.Text;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

/// <summary>The examples of docs/dependency-injection.md do what the document says.</summary>
public class DependencyInjectionExampleTests
{
    private const string Policies = """
        [{
          "id": "mass-delete",
          "name": "Mass file deletion",
          "category": "InformationGovernance",
          "severity": "High",
          "activities": ["FileDeleted"],
          "trigger": {"type": "threshold", "count": 3, "window": "PT10M", "scope": "user"}
        }]
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Policies_from_json_evaluate_a_fed_audit_log_and_invalid_lines_are_counted()
    {
        var log = string.Join('\n',
            """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"FileDeleted","userId":"alice@contoso.com"}""",
            """{"id":"a2","time":"2026-03-01T09:01:00Z","operation":"FileDeleted","userId":"alice@contoso.com"}""",
            """{"id":"a3","operation":"FileDeleted","userId":"alice@contoso.com"}""",
            """{"id":"a4","time":"2026-03-01T09:02:00Z","operation":"FileDeleted","userId":"alice@contoso.com"}""");
        await using var services = DependencyInjectionExamples.BuildServices(Policies, new FakeTimeProvider(new DateTimeOffset(2026, 3, 1, 10, 0, 0, TimeSpan.Zero)));

        var invalid = await DependencyInjectionExamples.FeedAsync(services, new MemoryStream(Encoding.UTF8.GetBytes(log)), Ct);

        Assert.Equal(1, invalid);
        var alert = Assert.Single(await services.GetRequiredService<IAlertStore>().QueryAsync(AlertQuery.All, Ct));
        Assert.Equal(("mass-delete:a4", 3), (alert.Id, alert.HitCount));
        Assert.Equal(TimeSpan.FromMinutes(5), services.GetRequiredService<IAlertEngine>().Pipeline.Options.AllowedLateness);
    }

    [Fact]
    public void Invalid_policies_are_reported_with_their_paths()
    {
        var ex = Assert.Throws<InvalidOperationException>(() => DependencyInjectionExamples.BuildServices(Policies.Replace("\"count\": 3", "\"count\": 0", StringComparison.Ordinal)));

        Assert.Contains("policies[0].trigger.count: must be at least 1", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_when_the_engine_is_first_resolved_with_every_problem()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(options =>
        {
            options.Engine.Plan = Plan.E3;
            options.Engine.MaxActivitiesPerAlert = 0;
            options.Policies.Add(new AlertPolicy
            {
                Id = "mass-delete",
                Name = "Mass file deletion",
                Operations = ["FileDeleted"],
                Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User),
            });
        });
        await using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IAlertEngine>());

        // As docs/dependency-injection.md shows them.
        Assert.Equal(
            ["Engine.MaxActivitiesPerAlert: must be at least 1", "policies[0].trigger.type: threshold triggers need an advanced plan (E5 or G5); the plan is E3, which allows only everyTime"],
            ex.Failures);
    }
}
