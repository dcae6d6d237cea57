// The code of docs/dependency-injection.md. The regions between "snippet:" and "end snippet" are copied into the
// document verbatim; DocSnippetTests fails when they differ. DependencyInjectionExampleTests runs them.
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

public static class DependencyInjectionExamples
{
    // snippet: setup
    /// <summary>The engine with policies from a JSON document, options, logging and a clock.</summary>
    public static ServiceProvider BuildServices(string policiesJson, TimeProvider? clock = null)
    {
        // Policies are data: load them once, and report every problem with its JSON path.
        var loaded = PolicySerializer.Load(policiesJson);
        if (!loaded.IsValid)
        {
            throw new InvalidOperationException("Invalid policies:" + Environment.NewLine + string.Join(Environment.NewLine, loaded.Errors));
        }

        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Information)); // the engine logs through ILogger<T>
        if (clock is not null)
        {
            services.AddSingleton(clock); // wall clock for status changes, retries and silences; never for event time
        }

        services.AddAlertEngine(options =>
        {
            foreach (var policy in loaded.Value)
            {
                options.Policies.Add(policy);
            }

            options.Engine.Plan = Plan.E5;                               // threshold and anomaly triggers need an advanced plan
            options.Engine.AllowedLateness = TimeSpan.FromMinutes(5);    // sources that deliver slightly out of order
            options.Engine.DuplicateHorizon = TimeSpan.FromHours(24);    // at-least-once sources: each activity counts once
            options.Notifications.TimeZone = TimeZoneInfo.Utc;           // the day of the daily notification limit
        });
        return services.BuildServiceProvider();
    }
    // end snippet

    // snippet: feed
    /// <summary>Feeds an audit log (JSON Lines) to the engine; returns the number of invalid lines.</summary>
    public static async Task<int> FeedAsync(IServiceProvider services, Stream auditLog, CancellationToken cancellationToken)
    {
        var engine = services.GetRequiredService<IAlertEngine>();
        var invalid = 0;
        await foreach (var line in ActivityReader.ReadAsync(auditLog, "audit.jsonl", cancellationToken: cancellationToken))
        {
            if (!line.IsValid)
            {
                invalid++; // line.Errors: "audit.jsonl:7: time: required", one per problem
                continue;
            }

            // Evaluates the activity and stores the alert changes; never waits on notifiers.
            await engine.ProcessAsync(line.Activity, cancellationToken);
        }

        // Store writes that failed are kept in order and retried here (and on the next ProcessAsync).
        await engine.FlushAsync(cancellationToken);
        return invalid;
    }
    // end snippet
}
