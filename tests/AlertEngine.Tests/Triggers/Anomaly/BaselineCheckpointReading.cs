namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>Reads a model's engine checkpoint keys back as the anomaly detector does, for the checkpoint tests.</summary>
internal static class BaselineCheckpointReading
{
    /// <summary>
    /// Reads every key record of <paramref name="bytes"/> (written by <paramref name="model"/>) into
    /// <paramref name="restored"/> and returns the kept items in checkpoint order, for
    /// <see cref="BaselineModel{T}.RestoreKept"/>; <paramref name="atEnd"/> tells whether the bytes were used up.
    /// </summary>
    public static List<(long, string, long, T)> ReadKeys<T>(
        BaselineModel<T> restored, BaselineModel<T> model, byte[] bytes, Func<CheckpointReader, T> readItem, out bool atEnd) =>
        ReadKeys(restored, model, bytes, readItem, out atEnd, out _);

    /// <summary><see cref="ReadKeys{T}(BaselineModel{T}, BaselineModel{T}, byte[], Func{CheckpointReader, T}, out bool)"/>,
    /// also returning the keys in the order the checkpoint holds them.</summary>
    public static List<(long, string, long, T)> ReadKeys<T>(
        BaselineModel<T> restored, BaselineModel<T> model, byte[] bytes, Func<CheckpointReader, T> readItem, out bool atEnd, out List<string> keys)
    {
        keys = [];
        var reader = new CheckpointReader(bytes);
        var count = reader.BeginKeys();
        restored.BeginCheckpointRestore(model.BucketTicks, model.SlotCount, model.TimeZoneId, model.WatermarkTicks, count);
        restored.RestoreProfile(model.CreateSnapshot().Profile, model.WatermarkTicks); // the detector-wide header's part (AnomalyDetector.ReadState)
        var kept = new List<(long, string, long, T)>();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
            keys.Add(key);
            restored.ReadCheckpointKey(reader, key, model.Ring);
            var items = reader.ReadInt32();
            for (var i = 0; i < items; i++)
            {
                kept.Add((reader.ReadInt64(), key, reader.ReadInt64(), readItem(reader)));
            }

            reader.EndKey();
        }

        atEnd = reader.AtEnd;
        return kept;
    }

    /// <summary>A new model restored from <paramref name="model"/>'s engine checkpoint (as the anomaly detector reads it);
    /// <paramref name="keys"/> are the checkpoint's keys in order.</summary>
    public static BaselineModel<int> Restarted(BaselineModel<int> model, AnomalyTrigger trigger, AnomalyDetectorOptions options, out List<string> keys)
    {
        using var writer = new CheckpointWriter();
        model.WriteCheckpointKeys(writer, static (w, item) => w.Write(item));
        var restored = new BaselineModel<int>(trigger, options);
        var kept = ReadKeys(restored, model, writer.Written.ToArray(), static r => r.ReadInt32(), out var atEnd, out keys);
        restored.RestoreKept(kept);
        Assert.True(atEnd);
        return restored;
    }
}
