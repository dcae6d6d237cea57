using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Orleans.Hosting;

namespace AlertEngine;

/// <summary>Hosts alert engines in an Orleans silo.</summary>
public static class AlertEngineSiloBuilderExtensions
{
    /// <summary>Hosts the engine named <see cref="AlertEngineClusterOptions.DefaultEngineName"/> on this silo.</summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="configure">Adds the policies and sets the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">A policy, an engine option or the partition count is invalid (every problem
    /// listed), or an engine of that name is registered already.</exception>
    public static ISiloBuilder AddAlertEngine(this ISiloBuilder builder, Action<AlertEngineClusterOptions> configure) =>
        AddAlertEngine(builder, AlertEngineClusterOptions.DefaultEngineName, configure);

    /// <summary>
    /// Hosts an engine on this silo: a coordinator grain (sequential phases, aggregation, counters) and
    /// <see cref="AlertEngineClusterOptions.Partitions"/> partition grains (duplicate filter by activity id, trigger
    /// state by scope key), placed over the silos by Orleans. Give every silo the same configuration. The options are
    /// validated here, once. Alerts go to the <see cref="IAlertStore"/> registered in the silo's services (an
    /// <see cref="InMemoryAlertStore"/> unless one is registered, before or after this call); grain state goes to the
    /// grain storage named <see cref="AlertEngineClusterOptions.StorageName"/>, which the host must register.
    /// Clients send batches with <see cref="AlertEngineClientExtensions.GetAlertEngine(IGrainFactory, string)"/>.
    /// </summary>
    /// <param name="builder">The silo builder.</param>
    /// <param name="name">The engine's name; clients address it by this name.</param>
    /// <param name="configure">Adds the policies and sets the options.</param>
    /// <returns>The builder, for chaining.</returns>
    /// <exception cref="ArgumentException">A policy, an engine option or the partition count is invalid (every problem
    /// listed), or <paramref name="name"/> is empty.</exception>
    public static ISiloBuilder AddAlertEngine(this ISiloBuilder builder, string name, Action<AlertEngineClusterOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new AlertEngineClusterOptions();
        configure(options);
        var definition = EngineDefinition.Create(name, options);
        var services = builder.Services;
        foreach (var existing in services)
        {
            if (existing.ServiceType == typeof(EngineDefinition) && existing.ImplementationInstance is EngineDefinition other && other.Name == name)
            {
                throw new ArgumentException($"An alert engine named '{name}' is already registered on this silo.", nameof(name));
            }
        }

        services.AddSingleton(definition);
        services.TryAddSingleton(sp => new EngineRegistry(sp.GetServices<EngineDefinition>()));
        services.TryAddSingleton<IAlertStore, InMemoryAlertStore>();
        services.TryAddSingleton(TimeProvider.System);
        return builder;
    }
}
