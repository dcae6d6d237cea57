namespace AlertEngine;

/// <summary>Options of <c>services.AddAlertEngine(...)</c>: the policies and the engine options.</summary>
public sealed class AlertEngineServiceOptions
{
    /// <summary>The policies the engine evaluates. Load them from JSON with <see cref="PolicySerializer"/> or build them in code.</summary>
    public IList<AlertPolicy> Policies { get; } = new List<AlertPolicy>();

    /// <summary>The engine options (plan, duplicate horizon, allowed lateness, caps).</summary>
    public AlertEngineOptions Engine { get; } = new();

    /// <summary>
    /// How many alert changes to keep for retry when the store fails. Once that many are pending,
    /// <see cref="IAlertEngine.ProcessAsync"/> applies <see cref="StoreBackpressure"/> before evaluating the next activity
    /// (the queue can exceed the limit by the changes of one activity). Default 100,000. Changes are never dropped.
    /// The same limit bounds the queue of automated investigation requests.
    /// </summary>
    public int MaxPendingStoreWrites { get; set; } = 100_000;

    /// <summary>What <see cref="IAlertEngine.ProcessAsync"/> does when <see cref="MaxPendingStoreWrites"/> changes are
    /// pending: wait for the store (default) or fail before evaluating the activity.</summary>
    public StoreBackpressureMode StoreBackpressure { get; set; } = StoreBackpressureMode.Wait;

    /// <summary>
    /// The delay before the first retry after a store write failed; it doubles with each failed retry up to
    /// <see cref="MaxStoreRetryDelay"/>, with jitter (each delay is scaled by a factor in [0.5, 1)). Until a retry is
    /// due, activities are evaluated and their changes queued without calling the store. Default 1 second.
    /// </summary>
    public TimeSpan StoreRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between two store retries. Default 1 minute.</summary>
    public TimeSpan MaxStoreRetryDelay { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// How long disposing the engine service (at host shutdown) may spend on a last attempt to write pending alert
    /// changes and investigation requests; what is still pending after it is counted and logged. Default 30 seconds;
    /// <see cref="Timeout.InfiniteTimeSpan"/> waits as long as the store takes.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// The role table of <see cref="AlertManager"/> and <see cref="AlertPolicyManager"/>: which role groups see which
    /// alert categories and hold which alert roles. Default <see cref="AlertRoleTable.Default"/>. Read once, when the
    /// managers are first resolved.
    /// </summary>
    public AlertRoleTable RoleTable { get; set; } = AlertRoleTable.Default;

    /// <summary>
    /// With an <see cref="IEngineStateStore"/> registered (e.g. <see cref="FileEngineStateStore"/>, or the SQLite store of
    /// AlertEngine.Storage.Sqlite): save an engine checkpoint after this many activities. 0 turns the count off.
    /// Default 10,000. A checkpoint is cut only when every earlier alert change is in the <see cref="IAlertStore"/>;
    /// after a crash, the activities since the last checkpoint must be delivered again (docs/restart-safety.md).
    /// </summary>
    public int CheckpointEveryActivities { get; set; } = 10_000;

    /// <summary>
    /// With an <see cref="IEngineStateStore"/> registered: save an engine checkpoint when this much wall time (the
    /// container's <see cref="TimeProvider"/>) has passed since the last one, checked as activities are processed.
    /// <see cref="TimeSpan.Zero"/> turns the timer off. Default 1 minute. A final checkpoint is saved when the service is
    /// disposed (graceful shutdown), and the engine restores from the store's checkpoint when it is first resolved.
    /// </summary>
    public TimeSpan CheckpointInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Notification options: daily-limit time zone, updates, throttle, retries, queue capacity.</summary>
    public NotificationOptions Notifications { get; } = new();
}
