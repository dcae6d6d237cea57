namespace AlertEngine;

/// <summary>
/// The alert status lifecycle. New alerts are <see cref="AlertStatus.Active"/>. Allowed changes:
/// <list type="table">
/// <listheader><term>From</term><description>To</description></listheader>
/// <item><term>Active</term><description>Investigating, Resolved, Dismissed</description></item>
/// <item><term>Investigating</term><description>Active (back to the queue), Resolved, Dismissed</description></item>
/// <item><term>Resolved</term><description>Active (reopen)</description></item>
/// <item><term>Dismissed</term><description>Active (reopen)</description></item>
/// </list>
/// Anything else is refused: a change to the same status, and going from one closed status (Resolved, Dismissed) to
/// another or straight to Investigating — reopen first, so the history shows it.
/// </summary>
public static class AlertStatusTransitions
{
    /// <summary>Whether an alert may go from <paramref name="from"/> to <paramref name="to"/>.</summary>
    /// <param name="from">The current status.</param>
    /// <param name="to">The requested status.</param>
    /// <returns><see langword="true"/> when the change is allowed.</returns>
    public static bool IsAllowed(AlertStatus from, AlertStatus to) => (from, to) switch
    {
        (AlertStatus.Active, AlertStatus.Investigating or AlertStatus.Resolved or AlertStatus.Dismissed) => true,
        (AlertStatus.Investigating, AlertStatus.Active or AlertStatus.Resolved or AlertStatus.Dismissed) => true,
        (AlertStatus.Resolved or AlertStatus.Dismissed, AlertStatus.Active) => true,
        _ => false,
    };

    /// <summary>The statuses an alert may go to from <paramref name="from"/>.</summary>
    /// <param name="from">The current status.</param>
    /// <returns>The allowed targets, in enum order.</returns>
    public static IReadOnlyList<AlertStatus> AllowedFrom(AlertStatus from) =>
        Array.FindAll(Enum.GetValues<AlertStatus>(), to => IsAllowed(from, to));

    /// <summary>Why a change is refused, or <see langword="null"/> when it is allowed.</summary>
    internal static string? Explain(AlertStatus from, AlertStatus to)
    {
        if (from == to)
        {
            return $"the alert is already {to}";
        }

        if (IsAllowed(from, to))
        {
            return null;
        }

        var allowed = AllowedFrom(from);
        var hint = from is AlertStatus.Resolved or AlertStatus.Dismissed ? "; reopen it first (set Active)" : string.Empty;
        return $"cannot change an alert from {from} to {to}{hint}; allowed from {from}: {string.Join(", ", allowed)}";
    }
}
