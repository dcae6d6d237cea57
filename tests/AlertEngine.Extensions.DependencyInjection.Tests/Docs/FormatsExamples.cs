// The code of docs/formats.md. The regions between "snippet:" and "end snippet" are copied into the document
// verbatim; DocSnippetTests fails when they differ. FormatsExampleTests runs them.
namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

public static class FormatsExamples
{
    // snippet: replay
    /// <summary>
    /// Policies JSON + activities JSON Lines → alerts JSON Lines: the replay command in small. Returns the exit code
    /// (0 ok, 2 invalid policies, 3 invalid activity lines).
    /// </summary>
    public static async Task<int> ReplayAsync(string policiesPath, string activitiesPath, Stream output, TextWriter errors)
    {
        var loaded = PolicySerializer.Load(await File.ReadAllTextAsync(policiesPath));
        if (!loaded.IsValid)
        {
            foreach (var error in loaded.Errors)
            {
                await errors.WriteLineAsync($"{policiesPath}: {error}"); // policies.json: policies[2].trigger.count: must be at least 1
            }

            return 2;
        }

        using var pipeline = new AlertPipeline(loaded.Value);
        var alerts = new Dictionary<string, Alert>();
        var invalid = 0;
        await using (var input = File.OpenRead(activitiesPath))
        {
            await foreach (var line in ActivityReader.ReadAsync(input, Path.GetFileName(activitiesPath)))
            {
                if (!line.IsValid)
                {
                    invalid++;
                    foreach (var error in line.Errors)
                    {
                        await errors.WriteLineAsync(error.ToString()); // activities.jsonl:7: time: required
                    }

                    continue;
                }

                foreach (var change in pipeline.Process(line.Activity))
                {
                    alerts[change.Alert.Id] = change.Alert; // the newest snapshot of each alert
                }
            }
        }

        await using var writer = new AlertWriter(output, leaveOpen: true);
        foreach (var alert in alerts.Values.Order(AlertOrder.Instance))
        {
            await writer.WriteAsync(alert); // one line per alert, ordered by createdAt, policyId, id
        }

        return invalid == 0 ? 0 : 3;
    }
    // end snippet

    // snippet: round-trip
    /// <summary>Policies built in code, saved as JSON and loaded again.</summary>
    public static IReadOnlyList<AlertPolicy> RoundTrip()
    {
        var policy = new AlertPolicy
        {
            Id = "mass-delete",
            Name = "Mass file deletion",
            Category = AlertCategory.InformationGovernance,
            Severity = AlertSeverity.High,
            Operations = ["FileDeleted", "FileRecycled"],
            Conditions = new NotCondition(new UsersCondition(["svc-backup@contoso.com"])),
            Trigger = new ThresholdTrigger(100, TimeSpan.FromHours(1), TriggerScope.User),
            Notification = new NotificationSettings(true, ["soc@contoso.com"], DailyLimit: 10),
        };

        string json = PolicySerializer.Save([policy]); // indented, every field in the spec's order
        return PolicySerializer.Load(json).Value;      // Value throws when the document is invalid
    }
    // end snippet
}
