namespace AlertEngine;

/// <summary>What <see cref="BaselineModel{T}.Observe"/> did with an observation.</summary>
public enum AnomalyOutcome
{
    /// <summary>Counted in its bucket; no detection.</summary>
    Counted,
    /// <summary>Counted, and it made its bucket anomalous: a detection fired.</summary>
    Detected,
    /// <summary>Older than the allowed lateness behind the newest time seen (or than the key's open buckets): not counted.</summary>
    Late,
    /// <summary>A new key while the cap on tracked keys is reached: not counted.</summary>
    KeyCapExceeded,
}

/// <summary>An anomalous bucket of one key, detected by <see cref="BaselineModel{T}"/>. Immutable.</summary>
/// <typeparam name="T">The item type kept with each observation (an activity in the engine).</typeparam>
public sealed class BaselineDetection<T>
{
    internal BaselineDetection(string key, DateTimeOffset bucketStart, TimeSpan bucketLength, long observed, double expected, double score, IReadOnlyList<T> items)
    {
        Key = key;
        BucketStart = bucketStart;
        BucketLength = bucketLength;
        Observed = observed;
        Expected = expected;
        Score = score;
        Items = items;
    }

    /// <summary>The scope key.</summary>
    public string Key { get; }

    /// <summary>Start of the anomalous bucket (UTC).</summary>
    public DateTimeOffset BucketStart { get; }

    /// <summary>Length of the bucket.</summary>
    public TimeSpan BucketLength { get; }

    /// <summary>The bucket's count when the detection fired (including the observation that fired it).</summary>
    public long Observed { get; }

    /// <summary>The expected count the bucket was scored against: its seasonal slot's level, pooled with the adjacent
    /// hours and scaled by the key's recent-activity factor.</summary>
    public double Expected { get; }

    /// <summary>The robust z-score <c>(Observed − Expected) / σ</c>.</summary>
    public double Score { get; }

    /// <summary>
    /// The items of the bucket that were kept (the first <see cref="AnomalyDetectorOptions.MaxActivitiesPerDetection"/>
    /// to arrive), in time order; fewer than <see cref="Observed"/> when capped or after a restore.
    /// </summary>
    public IReadOnlyList<T> Items { get; }
}
