namespace AlertEngine;

/// <summary>Options of <c>services.AddAlertEngine(...)</c>: the policies and the engine options.</summary>
public sealed class AlertEngineServiceOptions
{
    /// <summary>The policies the engine evaluates. Load them from JSON with <see cref="PolicySerializer"/> or build them in code.</summary>
    public IList<AlertPolicy> Policies { get; } = new List<AlertPolicy>();

    /// <summary>The engine options (plan, duplicate horizon, allowed lateness, caps).</summary>
    public AlertEngineOptions Engine { get; } = new();

    /// <summary>
    /// How many alert changes to keep for retry when the store fails, before <see cref="IAlertEngine.ProcessAsync"/>
    /// reports back-pressure by throwing. Default 100,000. Changes are never dropped silently.
    /// </summary>
    public int MaxPendingStoreWrites { get; set; } = 100_000;

    /// <summary>
    /// The role table of <see cref="AlertManager"/> and <see cref="AlertPolicyManager"/>: which role groups see which
    /// alert categories and hold which alert roles. Default <see cref="AlertRoleTable.Default"/>. Read once, when the
    /// managers are first resolved.
    /// </summary>
    public AlertRoleTable RoleTable { get; set; } = AlertRoleTable.Default;

    /// <summary>Notification options: daily-limit time zone, updates, throttle, retries, queue capacity.</summary>
    public NotificationOptions Notifications { get; } = new();
}
