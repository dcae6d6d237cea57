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
        BaselineModel<T> restored, BaselineModel<T> model, byte[] bytes, Func<CheckpointReader, T> readItem, out bool atEnd)
    {
        var reader = new CheckpointReader(bytes);
        var count = reader.BeginKeys();
        restored.BeginCheckpointRestore(model.BucketTicks, model.SlotCount, model.TimeZoneId, model.WatermarkTicks, count);
        var kept = new List<(long, string, long, T)>();
        for (var k = 0; k < count; k++)
        {
            var key = reader.BeginKey();
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
}
