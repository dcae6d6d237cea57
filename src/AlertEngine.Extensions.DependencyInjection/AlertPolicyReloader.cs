using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AlertEngine;

/// <summary>
/// Hot reload: when <see cref="IOptionsMonitor{TOptions}"/> reports new <see cref="AlertEngineServiceOptions"/>, their
/// policies replace the running set through <see cref="AlertPolicyManager.ReplaceAll"/> (validated against the plan
/// and the built-in catalog; an invalid set is logged and the running set stays). Only the policies reload: other
/// options (plan, horizons, caps, role table) keep the values the engine started with, and a change to them is logged.
/// </summary>
internal sealed partial class AlertPolicyReloader : IDisposable
{
    private readonly IServiceProvider _services;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private IDisposable? _registration;
    private AlertEngineOptions? _started;

    public AlertPolicyReloader(IServiceProvider services, ILogger<AlertPolicyReloader>? logger)
    {
        _services = services;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Starts listening; called once the pipeline exists.</summary>
    public void Attach(IOptionsMonitor<AlertEngineServiceOptions> monitor, AlertEngineOptions started)
    {
        lock (_gate)
        {
            if (_registration is not null)
            {
                return;
            }

            _started = started;
            _registration = monitor.OnChange(OnChange);
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            _registration?.Dispose();
            _registration = null;
        }
    }

    private void OnChange(AlertEngineServiceOptions options, string? name)
    {
        if (name is not null && name != Options.DefaultName)
        {
            return;
        }

        if (_started is { } started && !SameEngineOptions(started, options.Engine))
        {
            LogEngineOptionsIgnored(_logger);
        }

        var result = _services.GetRequiredService<AlertPolicyManager>().ReplaceAll(options.Policies);
        if (result.Succeeded)
        {
            var s = result.Value;
            LogReloaded(_logger, s.Added.Count, s.Removed.Count, s.Reset.Count, s.Updated.Count, s.Unchanged.Count);
        }
        else
        {
            LogReloadRejected(_logger, string.Join(Environment.NewLine, result.Errors));
        }
    }

    private static bool SameEngineOptions(AlertEngineOptions a, AlertEngineOptions b) =>
        a.Plan == b.Plan
        && a.DuplicateHorizon == b.DuplicateHorizon
        && a.AllowedLateness == b.AllowedLateness
        && a.MaxActivitiesPerAlert == b.MaxActivitiesPerAlert
        && a.MaxTrackedKeysPerPolicy == b.MaxTrackedKeysPerPolicy
        && a.ThresholdResolution == b.ThresholdResolution
        && a.TimeZone.Id == b.TimeZone.Id
        && a.AnomalyKeyTimeZone == b.AnomalyKeyTimeZone
        && a.AnomalyModel == b.AnomalyModel
        && a.FutureTolerance == b.FutureTolerance
        && a.MaxValuesPerKey == b.MaxValuesPerKey;

    [LoggerMessage(EventId = 2201, Level = LogLevel.Information, Message = "Policies reloaded: {Added} added, {Removed} removed, {Reset} reset, {Updated} updated with state kept, {Unchanged} unchanged")]
    private static partial void LogReloaded(ILogger logger, int added, int removed, int reset, int updated, int unchanged);

    [LoggerMessage(EventId = 2202, Level = LogLevel.Error, Message = "Reloaded policies rejected; the running policies stay:\n{Errors}")]
    private static partial void LogReloadRejected(ILogger logger, string errors);

    [LoggerMessage(EventId = 2203, Level = LogLevel.Warning, Message = "Engine options changed on reload; only policies reload, the other options take effect at the next start")]
    private static partial void LogEngineOptionsIgnored(ILogger logger);
}
