using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertEngine;

/// <summary>Registers alert notifiers.</summary>
public static class NotificationServiceCollectionExtensions
{
    /// <summary>
    /// Adds <typeparamref name="TNotifier"/> as an <see cref="IAlertNotifier"/> (once per type, as a singleton). Every
    /// registered notifier receives every notification. When none is registered, the engine logs notifications with
    /// <see cref="LoggingAlertNotifier"/>.
    /// </summary>
    /// <typeparam name="TNotifier">The notifier type.</typeparam>
    /// <param name="services">The services.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddAlertNotifier<TNotifier>(this IServiceCollection services)
        where TNotifier : class, IAlertNotifier
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertNotifier, TNotifier>());
        return services;
    }

    /// <summary>Registers the <see cref="NotificationDispatcher"/> (once) with the notifiers in the container, or a
    /// <see cref="LoggingAlertNotifier"/> when there are none, whatever the registration order.</summary>
    internal static IServiceCollection AddAlertNotificationDispatcher(this IServiceCollection services)
    {
        services.TryAddSingleton(sp =>
        {
            var notifiers = sp.GetServices<IAlertNotifier>().ToArray();
            if (notifiers.Length == 0)
            {
                notifiers = [new LoggingAlertNotifier(sp.GetService<ILogger<LoggingAlertNotifier>>())];
            }

            return new NotificationDispatcher(
                notifiers,
                sp.GetRequiredService<IOptions<AlertEngineServiceOptions>>().Value.Notifications,
                sp.GetService<TimeProvider>(),
                sp.GetService<ILogger<NotificationDispatcher>>());
        });
        return services;
    }
}
