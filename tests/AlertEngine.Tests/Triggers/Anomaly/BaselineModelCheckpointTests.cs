using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The engine checkpoint writes the model's key records straight from its arrays: the bytes must be those of
/// <see cref="BaselineSnapshot"/>'s key record (one layout, so a field added to the key state must be added to both),
/// and reading them back must give the same model (its snapshot, working state and kept items).
/// </summary>
public class BaselineModelCheckpointTests
{
    private static readonly TimeSpan[] Lateness = [TimeSpan.Zero, TimeSpan.FromMinutes(30), TimeSpan.FromHours(3)];

    private static Arbitrary<(int Lateness, (int Key, int Gap, int Count)[] Steps)> AnyInput() =>
        Arb.From(
            from lateness in Gen.Choose(0, Lateness.Length - 1)
            from steps in Gen.ArrayOf(
                from key in Gen.Choose(0, 4)
                from gap in Gen.Frequency((3, Gen.Choose(0, 20)), (1, Gen.Choose(0, 600)))
                from count in Gen.Frequency((8, Gen.Constant(1)), (1, Gen.Choose(2, 60)))
                select (key, gap, count))
            select (lateness, steps));

    private static BaselineModel<Activity> Model(int lateness) =>
        new(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.High, TimeSpan.FromHours(1)),
            new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, AllowedLateness = Lateness[lateness], MaxKeptActivities = 64 });

    private static BaselineModel<Activity> Fed((int Lateness, (int Key, int Gap, int Count)[] Steps) input)
    {
        var model = Model(input.Lateness);
        var t = Start;
        var n = 0;
        foreach (var (key, gap, count) in input.Steps)
        {
            t = t.AddMinutes(gap);
            for (var i = 0; i < count; i++)
            {
                // Some observations a little late, within or beyond the lateness.
                var at = (n % 7 == 3) ? t.AddMinutes(-25) : t;
                model.Observe("user" + key, at, Activity("a" + n++, at, "user" + key), out _);
            }
        }

        return model;
    }

    private static byte[] Write(BaselineModel<Activity> model)
    {
        using var writer = new CheckpointWriter();
        model.WriteCheckpointKeys(writer, static (w, a) => w.WriteActivity(a));
        return writer.Written.ToArray();
    }

    private static byte[] SnapshotBytes(BaselineModel<Activity> model)
    {
        using var stream = new MemoryStream();
        model.CreateSnapshot().WriteTo(stream);
        return stream.ToArray();
    }

    [Property(MaxTest = 150)]
    public Property Each_key_record_has_the_bytes_of_the_snapshots_key_record() =>
        Prop.ForAll(AnyInput(), input =>
        {
            var model = Fed(input);
            var expected = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            foreach (var record in model.CreateSnapshot().Keys)
            {
                using var stream = new MemoryStream();
                using (var binary = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
                {
                    BaselineSnapshot.WriteKey(binary, record, withProfileCache: model.HasProfile);
                }

                expected.Add(record.Key, stream.ToArray());
            }

            var reader = new CheckpointReader(Write(model));
            var count = reader.BeginKeys();
            Assert.Equal(expected.Count, count);
            for (var k = 0; k < count; k++)
            {
                var key = reader.BeginKey();
                Assert.Equal(expected[key], reader.ReadBlock().ToArray());
                var working = model.ExportWorkingState(key);
                Assert.Equal(working, new BaselineModel<Activity>.WorkingState(reader.ReadInt64(), reader.ReadInt64(), reader.ReadInt32(), reader.ReadInt32(), reader.ReadSingle(), reader.ReadSingle()));
                var kept = model.KeptItems(key);
                Assert.Equal(kept.Count, reader.ReadInt32());
                foreach (var (_, ticks, item) in kept)
                {
                    _ = reader.ReadInt64();
                    Assert.Equal(ticks, reader.ReadInt64());
                    Assert.Equal(item.Id, reader.ReadActivity().Id);
                }

                reader.EndKey();
            }

            Assert.True(reader.AtEnd);
        });

    [Property(MaxTest = 150)]
    public Property Reading_the_keys_back_gives_the_same_model() =>
        Prop.ForAll(AnyInput(), input =>
        {
            var model = Fed(input);
            var bytes = Write(model);
            var restored = Model(input.Lateness);
            var kept = BaselineCheckpointReading.ReadKeys(restored, model, bytes, static r => r.ReadActivity(), out var atEnd);
            restored.RestoreKept(kept);
            Assert.True(atEnd);
            Assert.Equal(SnapshotBytes(model), SnapshotBytes(restored));
            foreach (var record in model.CreateSnapshot().Keys)
            {
                Assert.Equal(model.ExportWorkingState(record.Key), restored.ExportWorkingState(record.Key));
                Assert.Equal(model.KeptItems(record.Key).Select(x => (x.Ticks, x.Item.Id)), restored.KeptItems(record.Key).Select(x => (x.Ticks, x.Item.Id)));
            }

            // Saved again, the restored model gives the same bytes (the key order is the checkpoint's).
            Assert.Equal(bytes, Write(restored));
        });

    [Fact]
    public void A_corrupt_key_record_is_InvalidDataException_and_a_key_twice_does_not_fit()
    {
        var model = Fed((1, [(0, 0, 3), (1, 10, 2)]));
        var bytes = Write(model);

        // A negative baseline value inside the first record.
        var corrupt = (byte[])bytes.Clone();
        var reader = new CheckpointReader(corrupt);
        reader.BeginKeys();
        reader.BeginKey();
        var recordStart = bytes.Length - reader.Remaining;
        corrupt[recordStart + 4 + 1 + 5 + 32 + 20 + (4 * model.Ring) + 3] = 0xFF; // the sign byte of the first level
        Assert.Throws<InvalidDataException>(() => ReadInto(Model(1), model, corrupt));

        // The same key twice: the state does not fit (the engine skips the policy with the reason).
        var first = new CheckpointReader(bytes);
        first.BeginKeys();
        var start = bytes.Length - first.Remaining;
        var key = first.BeginKey();
        var scratch = Model(1);
        scratch.BeginCheckpointRestore(model.BucketTicks, model.SlotCount, model.TimeZoneId, model.WatermarkTicks, 1);
        scratch.ReadCheckpointKey(first, key, model.Ring);
        for (var i = first.ReadInt32(); i > 0; i--)
        {
            _ = (first.ReadInt64(), first.ReadInt64(), first.ReadActivity());
        }

        first.EndKey();
        var one = bytes[start..(bytes.Length - first.Remaining)];
        byte[] twice = [2, 0, 0, 0, .. one, .. one];
        Assert.Throws<ArgumentException>(() => ReadInto(Model(1), model, twice));
    }

    private static void ReadInto(BaselineModel<Activity> restored, BaselineModel<Activity> model, byte[] bytes) =>
        BaselineCheckpointReading.ReadKeys(restored, model, bytes, static r => r.ReadActivity(), out _);
}
