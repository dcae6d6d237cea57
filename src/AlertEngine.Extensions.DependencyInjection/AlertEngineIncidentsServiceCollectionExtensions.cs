using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertEngine;

/// <summary>Registers incident response in a service collection.</summary>
public static class AlertEngineIncidentsServiceCollectionExtensions
{
    /// <summary>
    /// Adds incident response: an <see cref="IncidentManager"/>, an <see cref="InMemoryIncidentStore"/> as
    /// <see cref="IIncidentStore"/> and a <see cref="LoggingEscalationHandler"/> as <see cref="IEscalationHandler"/>,
    /// each unless one is registered already (registrations use <c>TryAdd</c>, so register your own store or pager
    /// handler before or after). The manager takes <see cref="TimeProvider"/> and <see cref="ILogger{TCategoryName}"/>
    /// from the container when present, and writes overdue-notification alerts to the container's
    /// <see cref="IAlertStore"/> when there is one (<c>AddAlertEngine</c> registers it). Options are validated once,
    /// listing every problem, when the manager is first resolved (and at host start when a host validates options on
    /// start). Feed it alerts with <see cref="IncidentManager.CorrelateAsync(AlertChange, CancellationToken)"/>, for
    /// example with the changes <c>IAlertEngine.ProcessAsync</c> returns.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the grouping rules and the notification period; <see langword="null"/> for the defaults.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAlertEngineIncidents(this IServiceCollection services, Action<IncidentManagerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);

        var options = services.AddOptions<IncidentManagerOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<IncidentManagerOptions>, IncidentManagerOptionsValidator>());
        services.TryAddSingleton<IIncidentStore, InMemoryIncidentStore>();
        services.TryAddSingleton<IEscalationHandler>(sp => new LoggingEscalationHandler(sp.GetService<ILogger<LoggingEscalationHandler>>()));
        services.TryAddSingleton(sp => new IncidentManager(
            sp.GetRequiredService<IIncidentStore>(),
            sp.GetRequiredService<IOptions<IncidentManagerOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IEscalationHandler>(),
            sp.GetService<IAlertStore>(),
            sp.GetService<ILogger<IncidentManager>>()));
        return services;
    }
}

/// <summary>Validates <see cref="IncidentManagerOptions"/> once, listing every problem.</summary>
internal sealed class IncidentManagerOptionsValidator : IValidateOptions<IncidentManagerOptions>
{
    public ValidateOptionsResult Validate(string? name, IncidentManagerOptions options)
    {
        var errors = options.Validate();
        if (errors.Count == 0)
        {
            return ValidateOptionsResult.Success;
        }

        var failures = new List<string>(errors.Count);
        foreach (var error in errors)
        {
            failures.Add(error.ToString());
        }

        return ValidateOptionsResult.Fail(failures);
    }
}
