namespace AlertEngine;

/// <summary>
/// A detector whose keyed records (<see cref="IPolicyDetector.WriteState"/>) change only for the scope keys it
/// observes, or by keys disappearing (eviction): a partition can then persist, after a batch, the detector-wide part
/// and the records of the keys the batch touched instead of every record. The records are those
/// <see cref="IPolicyDetector.WriteState"/> writes, byte for byte. Single-threaded, like the detector.
/// </summary>
internal interface IKeyedDetectorState
{
    /// <summary>How keys compare (records of keys equal under it are the same record).</summary>
    IEqualityComparer<string> KeyComparer { get; }

    /// <summary>The number of keyed records <see cref="IPolicyDetector.WriteState"/> would write now.</summary>
    int KeyCount { get; }

    /// <summary>Whether <see cref="IPolicyDetector.WriteState"/> would write a record for <paramref name="key"/>.</summary>
    bool ContainsKey(string key);

    /// <summary>Adds the keys of the records <see cref="IPolicyDetector.WriteState"/> would write now.</summary>
    void CopyKeysTo(List<string> keys);

    /// <summary>Writes what <see cref="IPolicyDetector.WriteState"/> writes, restricted to the records of
    /// <paramref name="keys"/> (distinct under <see cref="KeyComparer"/>) that exist, in their order.</summary>
    void WriteState(CheckpointWriter writer, IReadOnlyCollection<string> keys);
}
