using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.GridModelProperties;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The engine checkpoint's anomaly state written under one setting of issue 15's dispersion grid switch and read under
/// the other follows the public snapshot's mix rule (docs/anomaly.md, "Mixes"): what the restoring model keeps and the
/// state lacks starts as in a new model, what it does not keep is dropped. The oracle writes the rule's state by hand,
/// as a snapshot in the restoring setting's own form, and restores it through that setting's own path.
/// </summary>
public class GridCheckpointMixProperties
{
    /// <summary>The rule's state, naively: the saving detector's snapshot <paramref name="saved"/> rewritten for a model
    /// with the grid (<paramref name="toGrid"/>: every key uninformed with no evidence and its saved φ̂, the prior a new
    /// model's: uniform, nothing pending) or without it (the grid's state dropped; a key the grid had informed continues
    /// its moments from its φ̂ with the weight of 20 buckets at the reference level, as a version-1 snapshot's
    /// dispersion).</summary>
    internal static BaselineSnapshot RuleState(BaselineSnapshot saved, bool toGrid)
    {
        if (toGrid)
        {
            Assert.Null(saved.Grid);
            var empty = saved.Keys.Select(_ => new BaselineSnapshot.GridKeyState(false, default)).ToArray();
            return new BaselineSnapshot(saved.BucketTicks, saved.SlotCount, saved.TimeZoneId, saved.Ring, saved.WatermarkTicks, saved.Keys, saved.Profile, new BaselineSnapshot.GridRecord(new LaggedGridPrior(), empty));
        }

        var grid = saved.Grid!;
        var keys = saved.Keys.Select((k, i) =>
        {
            if (!grid.Keys[i].Informed)
            {
                return k;
            }

            // Weight 20 / (φ + 1/10)² (the moments' variance of a dispersion estimate at level 10), sum weight · φ.
            var s = k.Dispersion + 0.1;
            var weight = 20 / (s * s);
            return k with { DispersionSum = (float)(weight * k.Dispersion), DispersionWeight = (float)weight };
        }).ToArray();
        return new BaselineSnapshot(saved.BucketTicks, saved.SlotCount, saved.TimeZoneId, saved.Ring, saved.WatermarkTicks, keys, saved.Profile);
    }

    private static AnomalyDetector Detector(bool grid) => grid ? GridDetector() : ProfileDetector();

    private static byte[] Bytes(BaselineSnapshot snapshot)
    {
        using var stream = new MemoryStream();
        snapshot.WriteTo(stream);
        return stream.ToArray();
    }

    /// <summary>A run under one switch, its engine checkpoint at a random cut (mode 0), right after the activity that
    /// crossed a UTC day start (1, totals pending) or right before it (2), restored under the other switch and continued,
    /// equals a run of the restoring setting started from the rule's state (with the working state and the kept
    /// activities the checkpoint carries and a snapshot does not, handed over through the checkpoint's internal calls):
    /// the same detections and, at the end, the same snapshot.</summary>
    [Property(MaxTest = 30)]
    public Property A_checkpoint_under_one_switch_restored_under_the_other_runs_as_the_rules_state() =>
        Prop.ForAll(Cuts(), Gen.Elements(true, false).ToArbitrary(), (c, savedWithGrid) =>
        {
            var (activities, cut) = CutStream(c);
            var first = Detector(savedWithGrid);
            foreach (var a in activities.Take(cut))
            {
                Run(first, a);
            }

            var restored = Detector(!savedWithGrid);
            restored.ReadState(new CheckpointReader(State(first)));

            var saved = first.CreateSnapshot();
            var oracle = Detector(!savedWithGrid);
            oracle.Restore(RuleState(saved, !savedWithGrid));
            AssertRestoredLikeOracle(oracle, first, saved, restored, activities, cut);
        });

    [Fact]
    public void The_rule_matters_for_the_streams_of_the_property()
    {
        // What the property protects: at a cut in the middle of seed 3's stream, a grid checkpoint has informed keys
        // (whose moments the rule derives) and the continuations from the rule's state differ from a fresh start and,
        // for a grid model, from the saved grid state.
        var activities = EngineStream(3);
        var cut = activities.Count / 2;
        var grid = GridDetector();
        var plain = ProfileDetector();
        foreach (var a in activities.Take(cut))
        {
            Run(grid, a);
            Run(plain, a);
        }

        Assert.Contains(grid.CreateSnapshot().Grid!.Keys, k => k.Informed);
        string Continue(AnomalyDetector from, bool toGrid)
        {
            var restored = Detector(toGrid);
            restored.ReadState(new CheckpointReader(State(from)));
            return string.Concat(activities.Skip(cut).Select(a => Run(restored, a) + ";")) + Convert.ToHexString(Bytes(restored.CreateSnapshot()));
        }

        string Fresh(bool toGrid)
        {
            var fresh = Detector(toGrid);
            return string.Concat(activities.Skip(cut).Select(a => Run(fresh, a) + ";")) + Convert.ToHexString(Bytes(fresh.CreateSnapshot()));
        }

        Assert.NotEqual(Fresh(false), Continue(grid, toGrid: false));
        Assert.NotEqual(Fresh(true), Continue(plain, toGrid: true));
        Assert.NotEqual(Continue(grid, toGrid: true), Continue(plain, toGrid: true));
    }
    /// <summary>The engine's detector of the previous default, the per-key model (no profile, no grid: anomaly state
    /// format 1), otherwise as <see cref="GridModelProperties.GridDetector"/>.</summary>
    private static AnomalyDetector PerKeyDetector() =>
        new(Policy(), (AnomalyTrigger)Policy().Trigger, new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey, MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) }, _ => { });

    /// <summary>The engine's detector of the default options (the population model), otherwise as
    /// <see cref="GridModelProperties.GridDetector"/>: no switch set.</summary>
    private static AnomalyDetector DefaultDetector() =>
        new(Policy(), (AnomalyTrigger)Policy().Trigger, new AlertEngineOptions { MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) }, _ => { });

    /// <summary>Upgrading (flip-16): an engine checkpoint written by the previous default (the per-key model, format 1) at
    /// a random cut, right after or right before a UTC day start, restored into the new default and continued, equals
    /// the new default started from the rule's state (keys' levels, learning and dispersion kept; the profile empty until
    /// the next UTC day start; the grid's prior uniform and every key uninformed with its saved φ̂: the per-key model's
    /// snapshot restored into the default model), with the working state and kept activities handed over: the same
    /// detections and the same final snapshot.</summary>
    [Property(MaxTest = 20)]
    public Property A_checkpoint_of_the_previous_default_restored_into_the_default_runs_as_the_rules_state() =>
        Prop.ForAll(Cuts(), c =>
        {
            var (activities, cut) = CutStream(c);
            var first = PerKeyDetector();
            foreach (var a in activities.Take(cut))
            {
                Run(first, a);
            }

            var state = State(first);
            Assert.True(BitConverter.ToInt64(state, 0) > 0, "format 1 starts with the bucket length");
            var restored = DefaultDetector();
            Assert.True(restored.Model.HasGrid);
            restored.ReadState(new CheckpointReader(state));

            // The rule's state: the per-key model's own snapshot (version 2) restored into the default model, the
            // snapshot's row "version 1 or 2 into a model with the grid" (pinned by GridSnapshotProperties).
            var saved = first.CreateSnapshot();
            Assert.Null(saved.Profile);
            var oracle = DefaultDetector();
            oracle.Restore(saved);
            Assert.All(oracle.CreateSnapshot().Grid!.Keys, k => Assert.False(k.Informed));
            Assert.Equal(0, oracle.Model.GridPriorState!.Current.Number);
            AssertRestoredLikeOracle(oracle, first, saved, restored, activities, cut);
        });

    /// <summary>At the engine level: a whole-engine checkpoint of an engine on the previous default (per-key model)
    /// restores every policy into an engine on the default, nothing skipped, the anomaly keys' learning kept (a key that
    /// had learned fires on the next burst without learning again), and the continuation differs from a fresh start's
    /// (what the restore protects).</summary>
    [Fact]
    public void An_engine_checkpoint_of_the_previous_default_restores_into_the_default_without_relearning()
    {
        var activities = EngineStream(3);
        var cut = activities.Count * 2 / 3;
        using var before = new AlertPipeline([Policy()], new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey, MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) });
        foreach (var activity in activities.Take(cut))
        {
            before.Process(activity);
        }

        using var saved = new MemoryStream();
        before.SaveCheckpoint(saved);
        saved.Position = 0;
        using var after = new AlertPipeline([Policy()], new AlertEngineOptions { MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) });
        var result = after.RestoreCheckpoint(saved);
        Assert.Equal(["anomaly-user"], result.Restored);
        Assert.Empty(result.Skipped);
        var model = ((AnomalyDetector)after.DetectorOf("anomaly-user")!).Model;
        Assert.Equal(AnomalyModel.Population, model.ModelInUse);
        var was = ((AnomalyDetector)before.DetectorOf("anomaly-user")!).Model.CreateSnapshot();
        Assert.Equal(was.Keys.Select(k => (k.Key, k.FirstTicks, k.Folded, k.Dispersion)), model.CreateSnapshot().Keys.Select(k => (k.Key, k.FirstTicks, k.Folded, k.Dispersion)));
        Assert.All(model.CreateSnapshot().Grid!.Keys, k => Assert.False(k.Informed));

        using var fresh = new AlertPipeline([Policy()], new AlertEngineOptions { MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) });
        var continued = activities.Skip(cut).SelectMany(a => after.Process(a)).Select(c => c.Alert.Id).ToList();
        var restarted = activities.Skip(cut).SelectMany(a => fresh.Process(a)).Select(c => c.Alert.Id).ToList();
        Assert.NotEmpty(continued);
        Assert.NotEqual(restarted, continued);
    }

    /// <summary>Completes the oracle from the saved detector (each key's working state and kept activities, which the
    /// snapshot does not carry), then checks that the restored detector holds the oracle's state and continues the
    /// stream after the cut exactly as it does.</summary>
    private static void AssertRestoredLikeOracle(AnomalyDetector oracle, AnomalyDetector first, BaselineSnapshot saved, AnomalyDetector restored, IReadOnlyList<Activity> activities, int cut)
    {
        var kept = new List<(long, string, long, Activity)>();
        foreach (var key in saved.Keys.Select(k => k.Key))
        {
            oracle.Model.RestoreWorkingState(key, first.Model.ExportWorkingState(key));
            kept.AddRange(first.Model.KeptItems(key).Select(k => (k.Sequence, key, k.Ticks, k.Item)));
        }

        oracle.Model.RestoreKept(kept);
        Assert.Equal(Bytes(oracle.CreateSnapshot()), Bytes(restored.CreateSnapshot()));
        var expected = activities.Skip(cut).Select(a => Run(oracle, a)).ToList();
        var actual = activities.Skip(cut).Select(a => Run(restored, a)).ToList();
        Assert.Equal(expected, actual);
        Assert.Equal(Bytes(oracle.CreateSnapshot()), Bytes(restored.CreateSnapshot()));
    }
}
