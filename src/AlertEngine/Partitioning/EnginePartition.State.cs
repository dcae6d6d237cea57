namespace AlertEngine;

// What a batch may change in a partition's persisted state (for incremental persistence: the Orleans partition grain).
internal sealed partial class EnginePartition
{
    /// <summary>
    /// Adds to <paramref name="keys"/>[i] every scope key of this partition that <paramref name="batch"/> hands to the
    /// detector of the policy at i (a superset of the keys <see cref="IPolicyDetector.Observe"/> sees: conditions are
    /// not evaluated); sets are created on first use with <paramref name="comparer"/>(i). Every-time policies have no
    /// keys. Read-only on the partition.
    /// </summary>
    public void CollectKeys(ReadOnlySpan<AdmittedActivity> batch, HashSet<string>?[] keys, Func<int, IEqualityComparer<string>> comparer)
    {
        ArgumentNullException.ThrowIfNull(keys);
        ArgumentNullException.ThrowIfNull(comparer);
        foreach (ref readonly var admitted in batch)
        {
            var activity = admitted.Activity;
            if (!_byOperation.TryGetValue(activity.Operation, out var candidates))
            {
                continue;
            }

            foreach (var index in candidates)
            {
                if (_runtimes[index].Key is not { } reader)
                {
                    continue;
                }

                string key;
                try
                {
                    key = reader(activity) ?? string.Empty;
                }
#pragma warning disable CA1031 // a key that cannot be read is not observed (Evaluate reports it)
                catch (Exception)
#pragma warning restore CA1031
                {
                    continue;
                }

                if (Partitioner.Of(key, Partitions) == Partition)
                {
                    (keys[index] ??= new HashSet<string>(comparer(index))).Add(key);
                }
            }
        }
    }
}
