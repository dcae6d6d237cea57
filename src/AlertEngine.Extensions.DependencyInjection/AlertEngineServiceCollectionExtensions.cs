using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertEngine;

/// <summary>Registers AlertEngine in a service collection.</summary>
public static class AlertEngineServiceCollectionExtensions
{
    /// <summary>
    /// Adds the alert engine: <see cref="IAlertEngine"/>, its <see cref="AlertPipeline"/>, and an
    /// <see cref="InMemoryAlertStore"/> as <see cref="IAlertStore"/> unless one is registered already (registrations use
    /// <c>TryAdd</c>, so register your own store before or after). <see cref="TimeProvider"/> and
    /// <see cref="ILogger{TCategoryName}"/> are taken from the container when present (<see cref="TimeProvider.System"/>
    /// and no logging otherwise). Options are validated once, listing every problem, when the engine is first resolved
    /// (and at host start when a host validates options on start).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Adds policies and sets options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAlertEngine(this IServiceCollection services, Action<AlertEngineServiceOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);

        services.AddOptions<AlertEngineServiceOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<AlertEngineServiceOptions>, AlertEngineServiceOptionsValidator>());
        services.TryAddSingleton<IAlertStore, InMemoryAlertStore>();
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<AlertEngineServiceOptions>>().Value;
            return new AlertPipeline(
                options.Policies,
                options.Engine,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILogger<AlertPipeline>>());
        });
        services.TryAddSingleton<IAlertEngine>(sp => new AlertEngineService(
            sp.GetRequiredService<AlertPipeline>(),
            sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<IOptions<AlertEngineServiceOptions>>().Value.MaxPendingStoreWrites,
            sp.GetService<ILogger<AlertEngineService>>()));
        return services;
    }
}
