using Orleans;

namespace AlertEngine;

/// <summary>Client side of the Orleans-hosted engine.</summary>
public static class AlertEngineClientExtensions
{
    /// <summary>The engine named <see cref="AlertEngineClusterOptions.DefaultEngineName"/>.</summary>
    /// <param name="grains">An <c>IClusterClient</c>, or a grain's <c>GrainFactory</c>.</param>
    /// <returns>A handle to send batches with; cheap, thread-safe.</returns>
    public static AlertEngineClient GetAlertEngine(this IGrainFactory grains) =>
        GetAlertEngine(grains, AlertEngineClusterOptions.DefaultEngineName);

    /// <summary>The engine of that name, as hosted by <c>siloBuilder.AddAlertEngine(name, …)</c>.</summary>
    /// <param name="grains">An <c>IClusterClient</c>, or a grain's <c>GrainFactory</c>.</param>
    /// <param name="name">The engine's name.</param>
    /// <returns>A handle to send batches with; cheap, thread-safe.</returns>
    public static AlertEngineClient GetAlertEngine(this IGrainFactory grains, string name)
    {
        ArgumentNullException.ThrowIfNull(grains);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return new AlertEngineClient(grains.GetGrain<IEngineCoordinatorGrain>(name), name);
    }
}
