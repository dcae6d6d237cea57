namespace AlertEngine;

/// <summary>What <see cref="IAlertEngine.ProcessAsync"/> does when <see cref="AlertEngineServiceOptions.MaxPendingStoreWrites"/>
/// alert changes are already waiting for a failing store. Either way the activity is not evaluated until there is room,
/// so no change is ever dropped and no activity is consumed without its changes being kept.</summary>
public enum StoreBackpressureMode
{
    /// <summary>Wait (asynchronously, cancellable) until the store has taken some of the pending writes, retrying on
    /// the backoff schedule, then evaluate the activity. The default.</summary>
    Wait,

    /// <summary>Throw <see cref="InvalidOperationException"/> at once, before the activity is evaluated: the caller may
    /// hand the same activity again later.</summary>
    Fail,
}
