using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>The anomaly model's per-key storage (records and slots in chunks of 1,024 handles for hourly buckets, the
/// first chunk doubling from 16; handles reused last-freed-first) against one model per key, and its checkpoint key order
/// against a dictionary fed the same adds and removes (the order the model's key table used to give).</summary>
public class BaselineModelStorageProperties
{
    // Three chunks and a half of hourly keys; some longer than the 32 characters kept in a key's record.
    private const int KeyCount = 3_600;

    private static readonly string[] Keys = [.. Enumerable.Range(0, KeyCount).Select(static i => i % 5 == 0 ? "user" + i + "@a-much-longer-tenant.contoso.com" : "user" + i + "@contoso.com")];

    /// <summary>
    /// Steps that each observe a run of keys (every k-th from a start) at one time, far apart or close, with keys retiring
    /// (retention 1–8 hours) so that freed handles in every chunk are reused; the model restarted from its engine
    /// checkpoint at a random cut. Every observation's outcome and detection, the key count and the baselines equal those
    /// of one model per key, and the checkpoint writes the keys in the order of a dictionary that had the same keys added
    /// and the retired ones removed (in its own order), rebuilt at the restart as a restore is.
    /// </summary>
    [Property(MaxTest = 25)]
    public Property Keys_across_chunks_observe_as_models_of_their_own_and_checkpoint_in_dictionary_order() =>
        Prop.ForAll(
            (from retention in Gen.Choose(1, 8)
             from steps in Gen.ArrayOf(
                 from gap in Gen.Frequency((3, Gen.Choose(0, 30)), (2, Gen.Choose(30, 300)))
                 from first in Gen.Choose(0, KeyCount - 1)
                 from count in Gen.Frequency((1, Gen.Choose(1, 20)), (2, Gen.Choose(200, 1_500)))
                 from stride in Gen.Choose(1, 3)
                 select (gap, first, count, stride))
             from cut in Gen.Choose(0, 30)
             select (retention, steps, cut)).ToArbitrary(),
            input =>
            {
                var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.High, TimeSpan.FromHours(1));
                var options = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Retention = TimeSpan.FromHours(input.retention) };
                var model = new BaselineModel<int>(trigger, options);
                var single = new BaselineModel<int>?[KeyCount];
                var order = new Dictionary<string, int>(StringComparer.Ordinal);
                var t = Start;
                for (var n = 0; n < input.steps.Length; n++)
                {
                    if (n == input.cut)
                    {
                        model = BaselineCheckpointReading.Restarted(model, trigger, options, out var restoredKeys);
                        Assert.Equal(order.Keys, restoredKeys);
                        order = new Dictionary<string, int>(order, StringComparer.Ordinal);
                    }

                    var (gap, first, count, stride) = input.steps[n];
                    t = t.AddMinutes(gap);
                    foreach (var m in single)
                    {
                        m?.AdvanceTo(t.UtcTicks);
                    }

                    // The keys that retire at this step (the model sweeps on its first observation of the step's time).
                    foreach (var key in order.Keys.ToList())
                    {
                        if (single[order[key]]!.KeyCount == 0)
                        {
                            order.Remove(key);
                        }
                    }

                    for (var c = 0; c < count; c++)
                    {
                        var k = (first + (c * stride)) % KeyCount;
                        single[k] ??= new BaselineModel<int>(trigger, options);
                        var outcome = model.Observe(Keys[k], t, c, out var found);
                        var expected = single[k]!.Observe(Keys[k], t, c, out var expectedFound);
                        Assert.Equal(expected, outcome);
                        Assert.Equal(expectedFound?.Observed, found?.Observed);
                        Assert.Equal(expectedFound?.Expected, found?.Expected);
                        Assert.Equal(expectedFound?.Key, found?.Key);
                        order.TryAdd(Keys[k], k);
                    }

                    Assert.Equal(order.Count, model.KeyCount);
                    Assert.Equal(single.Count(m => m?.KeyCount == 1), model.KeyCount);
                }

                _ = BaselineCheckpointReading.Restarted(model, trigger, options, out var keys);
                Assert.Equal(order.Keys, keys);
                for (var k = 0; k < KeyCount; k += 7)
                {
                    Assert.Equal(single[k]?.GetBaseline(Keys[k], t), model.GetBaseline(Keys[k], t));
                }
            });
}
