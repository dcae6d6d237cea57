namespace AlertEngine;

/// <summary>The engine's core options for the distinct-count, sum and spike detectors.</summary>
internal static class WindowedDetectors
{
    /// <summary>
    /// The engine options as core options: <see cref="AlertEngineOptions.ThresholdResolution"/>,
    /// <see cref="AlertEngineOptions.AllowedLateness"/>, <see cref="AlertEngineOptions.MaxTrackedKeysPerPolicy"/>,
    /// <see cref="AlertEngineOptions.MaxActivitiesPerAlert"/>,
    /// <see cref="AlertEngineOptions.MaxValuesPerKey"/>, and case-insensitive scope keys.
    /// </summary>
    public static WindowedTriggerOptions CoreOptions(AlertEngineOptions options) => new()
    {
        Resolution = options.ThresholdResolution,
        AllowedLateness = options.AllowedLateness,
        MaxTrackedKeys = options.MaxTrackedKeysPerPolicy,
        MaxItemsPerDetection = options.MaxActivitiesPerAlert,
        MaxValuesPerKey = options.MaxValuesPerKey,
        KeyComparer = StringComparer.OrdinalIgnoreCase,
    };

    /// <summary>The reporter of a policy's detector.</summary>
    public static WindowedTriggerReporter Reporter(string trigger, AlertPolicy policy, TriggerScope scope, Action<EngineDiagnostic> report) =>
        new(trigger, ScopeKeys.Reader(scope), scope.ToString(), policy.Id, report, logger: null);

    /// <summary>
    /// Drops from a checkpoint's keys those the core's next sweep would evict (newest slot at or before
    /// <see cref="WindowClock.EvictThrough"/>): a key idle that long holds nothing that can still count, and behaves
    /// exactly like an absent one. When a sweep runs depends on the sweeps before it, which a restored core does not
    /// repeat, so writing idle keys would make the state bytes of a restored core differ from the live one's (and the
    /// checkpoint larger) without any difference in what either detects.
    /// </summary>
    public static void RemoveIdle<TKey>(List<TKey> keys, Func<TKey, long> newestSlot, WindowClock clock)
    {
        var through = clock.EvictThrough;
        keys.RemoveAll(k => newestSlot(k) <= through);
    }

    /// <summary>Writes a key's kept activities (time in ticks, activity) into a checkpoint record.</summary>
    public static void WriteItems(CheckpointWriter writer, (long Ticks, Activity Item)[] items)
    {
        writer.Write(items.Length);
        foreach (var (ticks, item) in items)
        {
            writer.Write(ticks);
            writer.WriteActivity(item);
        }
    }

    /// <summary>Reads what <see cref="WriteItems"/> wrote.</summary>
    /// <exception cref="InvalidDataException">The data is truncated or malformed.</exception>
    public static (long Ticks, Activity Item)[] ReadItems(CheckpointReader reader)
    {
        var items = new (long, Activity)[reader.ReadCount(28)];
        for (var i = 0; i < items.Length; i++)
        {
            items[i] = (reader.ReadInt64(), reader.ReadActivity());
        }

        return items;
    }
}
