namespace AlertEngine.AspNetCore.Api;

/// <summary>
/// Evaluates a batch that <see cref="ActivityBatch"/> read completely and found valid, for the API's ingest endpoint
/// and the dashboard's upload alike: each activity through the engine, each alert change into incident correlation
/// (when incident response is registered). Stateless.
/// </summary>
internal static class ActivityIngest
{
    /// <summary>What an evaluated batch did; <see cref="StoreBehind"/> is set when the engine refused to go on.</summary>
    /// <param name="Evaluated">Activities evaluated (all of them unless the store was behind).</param>
    /// <param name="Total">Activities in the batch.</param>
    /// <param name="Created">Alerts created.</param>
    /// <param name="Updated">Detections that joined an existing alert.</param>
    /// <param name="AlertIds">The alerts created or updated, each once, in first-change order.</param>
    /// <param name="StoreBehind">The engine's message when the store is behind and it refuses rather than waits
    /// (<see cref="StoreBackpressureMode.Fail"/>): the first <see cref="Evaluated"/> activities were evaluated, the rest not.</param>
    public sealed record Outcome(int Evaluated, int Total, int Created, int Updated, IReadOnlyList<string> AlertIds, string? StoreBehind);

    public static async Task<Outcome> EvaluateAsync(WebCaller caller, IReadOnlyList<Activity> activities, CancellationToken cancellationToken)
    {
        var engine = caller.Engine;
        var incidents = caller.Incidents;
        int created = 0, updated = 0;
        var ids = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < activities.Count; i++)
        {
            IReadOnlyList<AlertChange> changes;
            try
            {
                changes = await engine.ProcessAsync(activities[i], cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidOperationException ex) when (ex is not ObjectDisposedException)
            {
                // The store is behind (the service's backpressure); a disposed engine (shutting down) is not that.
                return new(i, activities.Count, created, updated, ids, ex.Message);
            }

            foreach (var change in changes)
            {
                if (change.Kind == AlertChangeKind.Created)
                {
                    created++;
                }
                else
                {
                    updated++;
                }

                if (seen.Add(change.Alert.Id))
                {
                    ids.Add(change.Alert.Id);
                }

                if (incidents is not null)
                {
                    await incidents.CorrelateAsync(change, cancellationToken).ConfigureAwait(false);
                }
            }
        }

        return new(activities.Count, activities.Count, created, updated, ids, null);
    }
}
