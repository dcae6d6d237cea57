using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AlertEngine;

/// <summary>Registers the SMTP notifier.</summary>
public static class SmtpNotifierServiceCollectionExtensions
{
    /// <summary>
    /// Adds the <see cref="SmtpAlertNotifier"/> as an <see cref="IAlertNotifier"/> (it then replaces the default
    /// logging notifier of <c>AddAlertEngine</c>). Options are validated once, listing every problem, when the notifier
    /// is first resolved and at host start.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the options.</param>
    /// <returns>The services, for chaining.</returns>
    public static IServiceCollection AddSmtpNotifier(this IServiceCollection services, Action<SmtpNotifierOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        services.AddOptions<SmtpNotifierOptions>().Configure(configure).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SmtpNotifierOptions>, SmtpNotifierOptionsValidator>());
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IAlertNotifier, SmtpAlertNotifier>(sp => new SmtpAlertNotifier(
            sp.GetRequiredService<IOptions<SmtpNotifierOptions>>().Value,
            sp.GetService<ILogger<SmtpAlertNotifier>>())));
        return services;
    }

    private sealed class SmtpNotifierOptionsValidator : IValidateOptions<SmtpNotifierOptions>
    {
        public ValidateOptionsResult Validate(string? name, SmtpNotifierOptions options)
        {
            var errors = options.Validate();
            return errors.Count == 0
                ? ValidateOptionsResult.Success
                : ValidateOptionsResult.Fail(errors.Select(e => "Smtp." + e));
        }
    }
}
