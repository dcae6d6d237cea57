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
    /// <para>Also registered (with <c>TryAdd</c>): <see cref="AlertManager"/> and <see cref="AlertPolicyManager"/> (with
    /// <see cref="AlertEngineServiceOptions.RoleTable"/>), and an <see cref="IInvestigationRequester"/> that only logs
    /// (register your own to start real investigations for policies with automated investigation).</para>
    /// <para><b>Checkpoints.</b> When an <see cref="IEngineStateStore"/> is registered (e.g. <see cref="FileEngineStateStore"/>
    /// or <c>AddAlertEngineSqliteStorage</c>), the pipeline and the <see cref="NotificationDispatcher"/>'s
    /// state (what was notified, daily limits, throttles, silences, failed deliveries) restore from its checkpoint when
    /// the pipeline is first resolved (the result is logged; a corrupt checkpoint is an
    /// <see cref="InvalidOperationException"/> and is left as it is), and the service
    /// saves checkpoints every <see cref="AlertEngineServiceOptions.CheckpointEveryActivities"/> activities, every
    /// <see cref="AlertEngineServiceOptions.CheckpointInterval"/>, on <see cref="IAlertEngine.CheckpointAsync"/> and at
    /// shutdown (docs/restart-safety.md).</para>
    /// <para><b>Hot reload.</b> When <see cref="IOptionsMonitor{TOptions}"/> reports new options (for example from a
    /// reloaded configuration source), their <see cref="AlertEngineServiceOptions.Policies"/> replace the running set
    /// without a restart, through <see cref="AlertPolicyManager.ReplaceAll"/> (see <see cref="AlertPipeline.UpdatePolicies"/>
    /// for what happens to each policy's state). An invalid set is rejected and logged and the running set stays; only
    /// the policies reload.</para>
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
        services.TryAddSingleton<IInvestigationRequester>(sp => new LoggingInvestigationRequester(sp.GetService<ILogger<LoggingInvestigationRequester>>()));
        services.TryAddSingleton(sp => new AlertPolicyReloader(sp, sp.GetService<ILogger<AlertPolicyReloader>>()));
        services.TryAddSingleton(sp =>
        {
            var monitor = sp.GetRequiredService<IOptionsMonitor<AlertEngineServiceOptions>>();
            var options = monitor.CurrentValue;
            var pipeline = new AlertPipeline(
                options.Policies,
                options.Engine,
                sp.GetService<TimeProvider>() ?? TimeProvider.System,
                sp.GetService<ILogger<AlertPipeline>>());
            if (sp.GetService<IEngineStateStore>() is { } stateStore)
            {
                AlertEngineService.RestoreOnStart(pipeline, sp.GetRequiredService<NotificationDispatcher>(), stateStore, sp.GetService<ILogger<AlertEngineService>>() ?? (ILogger)Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
            }

            sp.GetRequiredService<AlertPolicyReloader>().Attach(monitor, pipeline.Options);
            return pipeline;
        });
        services.AddAlertNotificationDispatcher();
        services.TryAddSingleton<IAlertEngine>(sp => new AlertEngineService(
            sp.GetRequiredService<AlertPipeline>(),
            sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<IOptionsMonitor<AlertEngineServiceOptions>>().CurrentValue,
            sp.GetService<ILogger<AlertEngineService>>(),
            sp.GetRequiredService<NotificationDispatcher>(),
            sp.GetRequiredService<IInvestigationRequester>(),
            sp.GetService<TimeProvider>(),
            sp.GetService<IEngineStateStore>()));
        services.TryAddSingleton(sp => new AlertManager(
            sp.GetRequiredService<IAlertStore>(),
            sp.GetRequiredService<IOptionsMonitor<AlertEngineServiceOptions>>().CurrentValue.RoleTable,
            sp.GetService<TimeProvider>(),
            sp.GetService<ILogger<AlertManager>>(),
            sp.GetRequiredService<NotificationDispatcher>()));
        services.TryAddSingleton(sp => new AlertPolicyManager(
            sp.GetRequiredService<AlertPipeline>(),
            sp.GetRequiredService<IOptionsMonitor<AlertEngineServiceOptions>>().CurrentValue.RoleTable,
            sp.GetService<ILogger<AlertPolicyManager>>()));
        return services;
    }
}
