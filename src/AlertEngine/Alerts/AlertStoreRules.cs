namespace AlertEngine;

/// <summary>
/// The checks and comparisons every <see cref="IAlertStore"/> of this repository applies the same way: which enum
/// values an alert may carry, and when two versions of an alert have the same management fields (the optimistic
/// concurrency rule of <see cref="IAlertStore.TryUpdateManagementAsync"/>).
/// </summary>
internal static class AlertStoreRules
{
    /// <summary>The number of <see cref="AlertStatus"/> values.</summary>
    internal static readonly int StatusCount = Enum.GetValues<AlertStatus>().Length;

    /// <summary>The number of <see cref="AlertCategory"/> values.</summary>
    internal static readonly int CategoryCount = Enum.GetValues<AlertCategory>().Length;

    /// <summary>The number of <see cref="AlertSeverity"/> values.</summary>
    internal static readonly int SeverityCount = Enum.GetValues<AlertSeverity>().Length;

    /// <summary>Throws <see cref="ArgumentOutOfRangeException"/> (for <paramref name="paramName"/>) when the alert's
    /// status, category or severity is not a defined value.</summary>
    internal static void CheckEnums(Alert alert, string paramName)
    {
        if ((uint)alert.Status >= (uint)StatusCount)
        {
            throw new ArgumentOutOfRangeException(paramName, alert.Status, "The alert's status is not a defined value.");
        }

        if ((uint)alert.Category >= (uint)CategoryCount)
        {
            throw new ArgumentOutOfRangeException(paramName, alert.Category, "The alert's category is not a defined value.");
        }

        if ((uint)alert.Severity >= (uint)SeverityCount)
        {
            throw new ArgumentOutOfRangeException(paramName, alert.Severity, "The alert's severity is not a defined value.");
        }
    }

    /// <summary>The number of entries in the alert's history (0 when it has none).</summary>
    internal static int HistoryLength(Alert alert) => alert.History.IsDefault ? 0 : alert.History.Length;

    /// <summary>Whether two versions of an alert have the same management fields: status, notification suppression and
    /// history length.</summary>
    internal static bool SameManagement(Alert a, Alert b) =>
        a.Status == b.Status && a.NotificationsSuppressed == b.NotificationsSuppressed && HistoryLength(a) == HistoryLength(b);
}
