namespace AlertEngine.AspNetCore;

/// <summary>
/// Who may see an incident: <see cref="IncidentManager"/> has no permissions of its own, so the web layer derives them
/// from the incident's alerts. An incident is visible (and may be worked on) only when the caller may see every one of
/// its alerts: an incident's title, entities (users, IP addresses) and timeline come from all its alerts, so showing it
/// to a caller who may not see one of them would leak that alert. An alert id the store no longer has hides the
/// incident, for the same reason. Hidden incidents are 404, like hidden alerts.
/// </summary>
internal static class IncidentAccess
{
    public static async ValueTask<bool> CanSeeAsync(Incident incident, AlertPermissions permissions, IAlertStore store, CancellationToken cancellationToken)
    {
        if (incident.AlertIds.IsDefaultOrEmpty || permissions.Categories.Count == 0)
        {
            return false;
        }

        foreach (var alertId in incident.AlertIds)
        {
            var alert = await store.GetAsync(alertId, cancellationToken).ConfigureAwait(false);
            if (alert is null || !permissions.CanSee(alert.Category))
            {
                return false;
            }
        }

        return true;
    }

    public static async ValueTask<List<Incident>> VisibleAsync(IncidentManager incidents, IncidentQuery query, AlertPermissions permissions, IAlertStore store, CancellationToken cancellationToken)
    {
        var visible = new List<Incident>();
        foreach (var incident in await incidents.Store.QueryAsync(query, cancellationToken).ConfigureAwait(false))
        {
            if (await CanSeeAsync(incident, permissions, store, cancellationToken).ConfigureAwait(false))
            {
                visible.Add(incident);
            }
        }

        return visible;
    }

    /// <summary>The incident when it exists and the caller may see it; <see langword="null"/> otherwise (the two are not told apart).</summary>
    public static async ValueTask<Incident?> GetAsync(IncidentManager incidents, string id, AlertPermissions permissions, IAlertStore store, CancellationToken cancellationToken)
    {
        var incident = await incidents.GetAsync(id, cancellationToken).ConfigureAwait(false);
        return incident is not null && await CanSeeAsync(incident, permissions, store, cancellationToken).ConfigureAwait(false) ? incident : null;
    }
}
