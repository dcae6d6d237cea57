using System.Collections.Frozen;

namespace AlertEngine;

/// <summary>
/// Routes a batch of admitted activities once for all the partitions of an engine (<see cref="BatchRoutes"/>): for each
/// activity, the candidate policies of its operation, whether it passed each one's conditions, and which partition
/// owns its key for each (<see cref="Partitioner"/>). Built once per engine (in the Orleans package, up to 8 per silo,
/// each routing parts of a batch: EngineDefinition.RoutesFor) for the same policies, in the same order, as the partitions. Thread-safe: routing runs under a lock (compiled conditions
/// and composite key readers keep caches).
/// </summary>
internal sealed class PartitionRouter
{
    private readonly Lock _gate = new();
    private readonly Func<Activity, bool>[] _matches;
    private readonly Func<Activity, string?>?[] _keys;
    // Looked up under _gate only (the lookup's cache of recent operation instances is not thread-safe): the reader
    // interns operations, so most activities are answered by a reference comparison instead of a case-insensitive hash
    // and compare in the frozen dictionary (~19 ns per activity in a --threads 2 profile of the replay).
    private readonly OperationLookup<int> _byOperation;

    /// <summary>A router for <paramref name="partitions"/> partitions of the policies (validated by the caller).</summary>
    public PartitionRouter(IReadOnlyList<AlertPolicy> policies, int partitions)
    {
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        Partitions = partitions;
        _matches = new Func<Activity, bool>[policies.Count];
        _keys = new Func<Activity, string?>?[policies.Count];
        for (var i = 0; i < policies.Count; i++)
        {
            _matches[i] = ConditionCompiler.Compile(policies[i].Conditions);
            _keys[i] = KeyReader(policies[i].Trigger);
        }

        _byOperation = new OperationLookup<int>(IndexByOperation(policies));
    }

    /// <summary>The number of partitions.</summary>
    public int Partitions { get; }

    /// <summary>Routes <paramref name="batch"/> into a new <see cref="BatchRoutes"/>.</summary>
    public BatchRoutes Route(ReadOnlySpan<AdmittedActivity> batch)
    {
        var routes = new BatchRoutes();
        Route(batch, routes);
        return routes;
    }

    /// <summary>Routes <paramref name="batch"/> into <paramref name="routes"/> (refilled: reuse one per caller).</summary>
    public void Route(ReadOnlySpan<AdmittedActivity> batch, BatchRoutes routes)
    {
        ArgumentNullException.ThrowIfNull(routes);
        lock (_gate)
        {
            routes.Begin(batch, Partitions);
            for (var i = 0; i < batch.Length; i++)
            {
                var activity = batch[i].Activity;
                var candidates = _byOperation.Candidates(activity.Operation);
                if (candidates.Length != 0)
                {
                    // Policies of one scope share a key reader: hash the key once per activity and reader.
                    object? lastReader = null;
                    var lastOwner = 0;
                    foreach (var index in candidates)
                    {
                        Exception? error = null;
                        try
                        {
                            if (!_matches[index](activity))
                            {
                                continue;
                            }
                        }
#pragma warning disable CA1031 // the partition that owns the key reports it (as an evaluation error of the policy)
                        catch (Exception ex)
#pragma warning restore CA1031
                        {
                            error = ex;
                        }

                        var reader = _keys[index];
                        object readerKey = reader ?? (object)_keys;
                        if (!ReferenceEquals(readerKey, lastReader))
                        {
                            var key = reader is null ? activity.Id : reader(activity) ?? string.Empty;
                            lastOwner = Partitioner.Of(key, Partitions);
                            lastReader = readerKey;
                        }

                        routes.Add(index, lastOwner, error);
                    }
                }

                routes.End(i);
            }
        }
    }

    /// <summary>The candidate policies of each operation (ordinal ignore-case): the enabled policies listing it, in
    /// policy order.</summary>
    internal static FrozenDictionary<string, int[]> IndexByOperation(IReadOnlyList<AlertPolicy> policies)
    {
        var indexes = new int[policies.Count];
        for (var i = 0; i < indexes.Length; i++)
        {
            indexes[i] = i;
        }

        return OperationIndex.Build(indexes, i => policies[i]);
    }

    /// <summary>The partition key of an activity for a trigger: its scope key (<c>""</c> when it has none, like the
    /// detectors), or <see langword="null"/> for every-time triggers (the activity id decides).</summary>
    internal static Func<Activity, string?>? KeyReader(Trigger trigger) => trigger switch
    {
        EveryTimeTrigger => null,
        ThresholdTrigger t => ScopeKeys.Reader(t.Scope),
        AnomalyTrigger t => ScopeKeys.Reader(t.Scope),
        DistinctTrigger t => ScopeKeys.Reader(t.Scope),
        SumTrigger t => ScopeKeys.Reader(t.Scope),
        SpikeTrigger t => ScopeKeys.Reader(t.Scope),
        NewValueTrigger t => ScopeKeys.Reader(t.Scope),
        AbsenceTrigger t => ScopeKeys.Reader(t.Scope),
        TemporalTrigger t => ScopeKeys.Reader(t.Scope),
        _ => throw new NotSupportedException($"Trigger {trigger.GetType().Name} cannot be partitioned."),
    };
}
