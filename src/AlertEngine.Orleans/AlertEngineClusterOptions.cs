namespace AlertEngine;

/// <summary>
/// What one engine hosted in an Orleans cluster evaluates: the policies, the engine options, and the number of
/// partitions its per-key state is split into. Set in <c>siloBuilder.AddAlertEngine(options =&gt; …)</c>; every silo of
/// the cluster must be given the same values. Not thread-safe while being configured; read only afterwards.
/// </summary>
public sealed class AlertEngineClusterOptions
{
    /// <summary>The default engine name, used by the overloads that take none.</summary>
    public const string DefaultEngineName = "default";

    /// <summary>
    /// The name of the grain storage provider the engine's grains persist their state in at batch boundaries. Register
    /// one under this name on every silo: <c>siloBuilder.AddMemoryGrainStorage("AlertEngine")</c> for tests, or a durable
    /// provider (ADO.NET, Redis, Azure, …) in production.
    /// </summary>
    public const string StorageName = "AlertEngine";

    /// <summary>The default number of partitions, 16.</summary>
    public const int DefaultPartitions = 16;

    /// <summary>The policies, in evaluation order (as for <c>AlertPipeline</c>). Validated against
    /// <see cref="Engine"/>'s plan.</summary>
    public IList<AlertPolicy> Policies { get; } = new List<AlertPolicy>();

    /// <summary>The engine options (plan, duplicate horizon, lateness, caps). Validated.</summary>
    public AlertEngineOptions Engine { get; set; } = new();

    /// <summary>
    /// How many partition grains the per-key state (and the duplicate filter, by activity id) is split into; each is
    /// placed on a silo by Orleans placement. More partitions spread the work over more silos; each batch costs one
    /// grain call per partition and phase. Default <see cref="DefaultPartitions"/>; at least 1. Fixed for the life of
    /// the engine's persisted state: an engine restarted with another count refuses to run (its state is split by it).
    /// </summary>
    public int Partitions { get; set; } = DefaultPartitions;
}
