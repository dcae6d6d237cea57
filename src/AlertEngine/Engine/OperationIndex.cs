using System.Collections.Frozen;

namespace AlertEngine;

/// <summary>
/// The dispatch index of an engine: operation (compared ordinal ignore-case) → the enabled policies tracking it, in
/// policy order, each once. Built by <see cref="AlertPipeline"/> (of its policy runtimes) and by
/// <see cref="PartitionRouter"/> (of policy indexes), so both dispatch an activity to the same policies in the same
/// order. The result is immutable.
/// </summary>
internal static class OperationIndex
{
    /// <summary>Indexes <paramref name="items"/>, one per policy in policy order, by their policies' operations.</summary>
    public static FrozenDictionary<string, T[]> Build<T>(IReadOnlyList<T> items, Func<T, AlertPolicy> policyOf)
    {
        var byOperation = new Dictionary<string, List<T>>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var policy = policyOf(item);
            if (!policy.Enabled)
            {
                continue;
            }

            foreach (var operation in policy.Operations)
            {
                if (!byOperation.TryGetValue(operation, out var bucket))
                {
                    byOperation.Add(operation, bucket = []);
                }

                // A policy listing an operation twice (in two spellings) is a candidate once.
                if (bucket.Count == 0 || !EqualityComparer<T>.Default.Equals(bucket[^1], item))
                {
                    bucket.Add(item);
                }
            }
        }

        return byOperation.ToFrozenDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
    }
}
