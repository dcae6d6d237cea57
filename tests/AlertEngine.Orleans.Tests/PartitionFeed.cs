namespace AlertEngine.Orleans.Tests;

/// <summary>
/// Feeds one partition of <c>partitions</c> a stream batch by batch as the coordinator does: the duplicate questions
/// whose digest the partition owns (each with the filter's clock so far) and every activity admitted in order, with
/// whether it moves the engine's clock.
/// </summary>
internal sealed class PartitionFeed(int partition, int partitions)
{
    private long _sequence;
    private long _clock = long.MinValue;
    private long _filterClock = long.MinValue;

    /// <summary>The partition's inputs for the next batch.</summary>
    public (List<DuplicateQuery> Queries, AdmittedActivity[] Admitted) Next(List<Activity> batch)
    {
        var queries = new List<DuplicateQuery>();
        var admitted = new AdmittedActivity[batch.Count];
        for (var i = 0; i < batch.Count; i++)
        {
            var activity = batch[i];
            var digest = DuplicateFilter.Digest(activity.Id);
            _filterClock = Math.Max(_filterClock, activity.Time.UtcTicks);
            if (Partitioner.OfDigest(digest, partitions) == partition)
            {
                queries.Add(new DuplicateQuery(queries.Count, digest, _filterClock));
            }

            var moves = activity.Time.UtcTicks > _clock;
            _clock = Math.Max(_clock, activity.Time.UtcTicks);
            admitted[i] = new AdmittedActivity(_sequence++, activity, moves);
        }

        return (queries, admitted);
    }
}
