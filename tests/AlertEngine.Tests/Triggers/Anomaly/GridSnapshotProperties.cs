using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Triggers.Anomaly.GridModelProperties;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The public snapshot with issue 15's dispersion grid (<see cref="BaselineSnapshot"/> version 4, written only by a model
/// that runs the grid: the population model, the default, where it applies): a snapshot at a random cut restored into a fresh model continues as the uninterrupted run;
/// the grid's block is read with the engine checkpoint's reader and checks (<see cref="GridCheckpoint"/>), each damage
/// refused as corrupt with the key and the problem named; a snapshot of either switch setting restores into a model of
/// the other (docs/anomaly.md, "Snapshots").
/// </summary>
public class GridSnapshotProperties
{
    private static readonly AlertEngineOptions ProfileOnly = new() { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = false, MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) };

    private static AnomalyDetector Detector(AlertEngineOptions options) => new(Policy(), (AnomalyTrigger)Policy().Trigger, options, _ => { });

    private static byte[] Bytes(BaselineSnapshot snapshot, int? version = null)
    {
        using var stream = new MemoryStream();
        if (version is { } v)
        {
            snapshot.WriteTo(stream, v);
        }
        else
        {
            snapshot.WriteTo(stream);
        }

        return stream.ToArray();
    }

    private static BaselineSnapshot Read(byte[] bytes) => BaselineSnapshot.ReadFrom(new MemoryStream(bytes));

    /// <summary>
    /// A snapshot at a random cut (mode 0), right after the activity that crossed a UTC day start (1: the lagged prior's
    /// step done, the new totals pending) or right before it (2), written, read back and restored into a fresh detector,
    /// then continued, gives the uninterrupted run's detections and, at the end, its snapshot byte for byte. The snapshot
    /// by design leaves out each key's working state (the batch of equal-time activities in progress and the threshold
    /// cached when its bucket opened: a restore computes the threshold again) and the kept activities; the engine's
    /// checkpoint carries them, and so they are handed over here through the checkpoint's internal calls, so that the
    /// run can be equal at any cut: everything else, the grid's evidence and prior among it, comes from the snapshot.
    /// </summary>
    [Property(MaxTest = 30)]
    public Property Restore_from_a_snapshot_at_a_random_cut_equals_the_uninterrupted_run() =>
        Prop.ForAll(Cuts(), c =>
        {
            var (expected, actual, whole, restored) = RunWithRestart(c, first =>
            {
                var bytes = Bytes(first.CreateSnapshot());
                Assert.Equal(4, BitConverter.ToInt32(bytes, 4));
                var restored = GridDetector();
                restored.Restore(Read(bytes));
                foreach (var key in first.CreateSnapshot().Keys.Select(k => k.Key))
                {
                    restored.Model.RestoreWorkingState(key, first.Model.ExportWorkingState(key));
                }

                // A snapshot of the restored detector is the one it was restored from.
                Assert.Equal(bytes, Bytes(restored.CreateSnapshot()));
                return restored;
            });

            Assert.Equal(expected, actual);
            Assert.Equal(Bytes(whole.CreateSnapshot()), Bytes(restored.CreateSnapshot()));
            Assert.True(whole.Model.GridPriorState!.Current.Number >= 3);
        });

    [Fact]
    public void A_snapshot_restored_without_its_grid_state_runs_otherwise()
    {
        // What the property protects: the same cut restored with the grid's evidence dropped (the snapshot written as
        // version 3, read into the grid model) or with the prior dropped (version 4 with a uniform prior) continues
        // differently. Seed 3 fires; the cut right after the day start in the middle of the stream.
        var activities = EngineStream(3);
        var crossings = Crossings(activities);
        var cut = crossings[^2] + 1;
        var first = GridDetector();
        foreach (var a in activities.Take(cut))
        {
            Run(first, a);
        }

        var snapshot = first.CreateSnapshot();
        Assert.True(snapshot.Grid!.Prior.HasPending);
        Assert.NotEqual(0, snapshot.Grid.Prior.Current.Number);
        var uniform = new LaggedGridPrior();
        var withoutPrior = new BaselineSnapshot(snapshot.BucketTicks, snapshot.SlotCount, snapshot.TimeZoneId, snapshot.Ring, snapshot.WatermarkTicks, snapshot.Keys, snapshot.Profile, snapshot.Grid with { Prior = uniform });
        string Continue(BaselineSnapshot from)
        {
            var restored = GridDetector();
            restored.Restore(from);
            foreach (var key in from.Keys.Select(k => k.Key))
            {
                restored.Model.RestoreWorkingState(key, first.Model.ExportWorkingState(key));
            }

            foreach (var a in activities.Skip(cut))
            {
                Run(restored, a);
            }

            return Convert.ToHexString(Bytes(restored.CreateSnapshot()));
        }

        var full = Continue(Read(Bytes(snapshot)));
        Assert.NotEqual(full, Continue(Read(Bytes(snapshot, 3))));
        Assert.NotEqual(full, Continue(withoutPrior));
    }

    [Fact]
    public void Without_the_grid_the_snapshot_versions_are_the_old_ones()
    {
        var plain = Detector(new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey });
        var profile = Detector(ProfileOnly);
        var grid = GridDetector();
        foreach (var a in EngineStream(3))
        {
            Run(plain, a);
            Run(profile, a);
            Run(grid, a);
        }

        Assert.Null(profile.CreateSnapshot().Grid);
        Assert.Equal(2, BitConverter.ToInt32(Bytes(plain.CreateSnapshot()), 4));
        Assert.Equal(3, BitConverter.ToInt32(Bytes(profile.CreateSnapshot()), 4));
        Assert.Equal(4, BitConverter.ToInt32(Bytes(grid.CreateSnapshot()), 4));

        // Version 4 is version 3 (the same keys and profile) followed by the grid's block.
        var v4 = Bytes(grid.CreateSnapshot());
        var v3 = Bytes(grid.CreateSnapshot(), 3);
        Assert.Equal(v3[8..], v4[8..v3.Length]);
        Assert.Equal(v4.Length - v3.Length - 4, BitConverter.ToInt32(v4, v3.Length));
        Assert.Throws<ArgumentOutOfRangeException>(() => Bytes(profile.CreateSnapshot(), 4));
    }

    [Fact]
    public void A_grid_snapshot_restores_into_a_model_without_the_grid_which_drops_the_grid_state()
    {
        var grid = GridDetector();
        var profile = Detector(ProfileOnly);
        foreach (var a in EngineStream(3))
        {
            Run(grid, a);
            Run(profile, a);
        }

        var snapshot = Read(Bytes(grid.CreateSnapshot()));
        var informed = snapshot.Keys.Where((_, i) => snapshot.Grid!.Keys[i].Informed).Select(k => k.Key).ToHashSet();
        Assert.NotEmpty(informed);

        // Into the profile-only model: the keys, their φ̂ and the profile as saved; an informed key's moment sums are
        // derived from its φ̂ as a version-1 snapshot's (the grid model does not update them); it writes version 3.
        var withoutGrid = Detector(ProfileOnly);
        withoutGrid.Restore(snapshot);
        Assert.False(withoutGrid.Model.HasGrid);
        var back = withoutGrid.CreateSnapshot();
        Assert.Null(back.Grid);
        Assert.Equal(3, BitConverter.ToInt32(Bytes(back), 4));
        Assert.Equal(snapshot.Profile!.Sums, back.Profile!.Sums);
        foreach (var (saved, restored) in snapshot.Keys.Zip(back.Keys))
        {
            Assert.Equal(saved.Key, restored.Key);
            Assert.Equal(saved.Dispersion, restored.Dispersion);
            Assert.Equal(saved.Levels, restored.Levels);
            var sums = informed.Contains(saved.Key) ? BaselineSnapshot.LegacyDispersionSums(saved.Dispersion) : (saved.DispersionSum, saved.DispersionWeight);
            Assert.Equal(sums, (restored.DispersionSum, restored.DispersionWeight));
        }

        // Into a model without the profile: the profile dropped too (version 2).
        var plain = Detector(new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey });
        plain.Restore(snapshot);
        Assert.Equal(2, BitConverter.ToInt32(Bytes(plain.CreateSnapshot()), 4));
        Assert.Equal(snapshot.Keys.Select(k => k.Dispersion), plain.CreateSnapshot().Keys.Select(k => k.Dispersion));

        // The model without the grid runs on from there.
        foreach (var a in EngineStream(4).Select(a => new Activity(a.Id, a.Time.AddDays(6), a.Operation) { UserId = a.UserId }))
        {
            Run(withoutGrid, a);
        }

        Assert.NotEqual(Bytes(back), Bytes(withoutGrid.CreateSnapshot()));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(2)]
    public void An_older_snapshot_restores_into_a_grid_model_with_empty_grid_evidence_and_the_uniform_prior(int version)
    {
        // Version 3 (a profile-only model's) or 2 (a model without the profile): every key uninformed with empty evidence
        // and its saved φ̂, as a new key; the uniform prior without pending totals, as a new model's; the grid's day the
        // watermark's. Into a grid model that already ran: its own prior and evidence are replaced.
        var profile = Detector(version == 3 ? ProfileOnly : new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey });
        var activities = EngineStream(3);
        foreach (var a in activities)
        {
            Run(profile, a);
        }

        var old = Read(Bytes(profile.CreateSnapshot()));
        Assert.Equal(version, BitConverter.ToInt32(Bytes(old), 4));
        var grid = GridDetector();
        foreach (var a in activities)
        {
            Run(grid, a);
        }

        Assert.NotEqual(0, grid.Model.GridPriorState!.Current.Number);
        grid.Restore(old);
        var model = grid.Model;
        var prior = model.GridPriorState!;
        Assert.Same(GridPrior.Uniform, prior.Current);
        Assert.False(prior.HasPending);
        Assert.Equal(old.WatermarkTicks / TimeSpan.TicksPerDay, model.GridDay);
        Assert.Equal(version == 3, model.Profile!.HasRates);
        foreach (var saved in old.Keys)
        {
            var state = model.GridStateOf(saved.Key)!.Value;
            Assert.False(state.Informed);
            var evidence = state.Evidence;
            for (var k = 0; k < GridLikelihood.Size; k++)
            {
                Assert.Equal(0, evidence[k]);
            }

            Assert.Equal(saved.Dispersion, model.DispersionOf(saved.Key));
        }

        // It runs on as a grid model: keys get informed at their informative buckets, φ̂ the posterior mean, and the
        // first day start sums their posteriors under the uniform prior.
        var later = activities.Select(a => new Activity(a.Id, a.Time.AddDays(6), a.Operation) { UserId = a.UserId }).Take(activities.Count / 3).ToList();
        foreach (var a in later)
        {
            Run(grid, a);
        }

        Assert.Contains(old.Keys, k => model.GridStateOf(k.Key) is { Informed: true });
        Assert.True(prior.HasPending || prior.Current.Number > 0);
        var again = GridDetector();
        again.Restore(Read(Bytes(grid.CreateSnapshot())));
        Assert.Equal(Bytes(grid.CreateSnapshot()), Bytes(again.CreateSnapshot()));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_pipelines_saved_anomaly_state_restores_under_the_other_switch(bool savedWithGrid)
    {
        static AlertEngineOptions Options(bool grid) => new() { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = grid };
        using var before = new AlertPipeline([Policy()], Options(savedWithGrid));
        foreach (var a in EngineStream(3))
        {
            before.Process(a);
        }

        using var saved = new MemoryStream();
        Assert.Equal(1, before.SaveAnomalyState(saved));
        saved.Position = 0;
        using var after = new AlertPipeline([Policy()], Options(!savedWithGrid));
        var result = after.RestoreAnomalyState(saved);
        Assert.Equal(["anomaly-user"], result.Restored);
        Assert.Empty(result.Skipped);
    }

    /// <summary>Where the grid's block and its parts are in a version-4 snapshot of <paramref name="detector"/>.</summary>
    private sealed record Layout(byte[] Bytes, int LengthAt, int BlockAt, int PendingFlagAt, int ProfileFlagAt, string Key, int KeyGridAt, int DispersionAt, int WatermarkDay);

    private static Layout Locate(AnomalyDetector detector)
    {
        var snapshot = detector.CreateSnapshot();
        var bytes = Bytes(snapshot);
        var v3 = Bytes(snapshot, 3);
        var lengthAt = v3.Length;
        var blockAt = lengthAt + 4;
        var pendingFlagAt = blockAt + 4 + 4 + 8 + (GridLikelihood.Size * 8);
        var profileFlagAt = v3.Length - (1 + 8 + 8 + 4 + (3 * 8 * snapshot.SlotCount) + 1 + 1 + 1);
        Assert.Equal(1, bytes[profileFlagAt]);
        var priorBytes = snapshot.Grid!.Prior.HasPending ? GridCheckpoint.MaxPriorBytes : GridCheckpoint.MinPriorBytes;
        var index = Array.FindIndex(snapshot.Grid.Keys, g => g.Informed);
        Assert.True(index >= 0);
        var key = snapshot.Keys[index].Key;
        var keyGridAt = blockAt + priorBytes + (index * GridCheckpoint.KeyBytes);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var recordAt = bytes.AsSpan().IndexOf([(byte)keyBytes.Length, .. keyBytes, .. BitConverter.GetBytes(snapshot.Keys[index].NewestBucket)]);
        Assert.True(recordAt > 0);
        var dispersionAt = recordAt + 1 + keyBytes.Length + (4 * 8);
        Assert.Equal(snapshot.Keys[index].Dispersion, BitConverter.ToSingle(bytes, dispersionAt));
        return new Layout(bytes, lengthAt, blockAt, pendingFlagAt, profileFlagAt, key, keyGridAt, dispersionAt, (int)(snapshot.WatermarkTicks / TimeSpan.TicksPerDay));
    }

    /// <summary>One case per check of the grid's reader in a snapshot: the snapshot's own (the block's length, the
    /// profile the grid goes with, the block read exactly, truncation) and the engine checkpoint's, reused (the prior, its
    /// days against the watermark's, each key's flag, evidence and φ̂). Each is an <see cref="InvalidDataException"/> of
    /// <see cref="BaselineSnapshot.ReadFrom"/>, as every damaged snapshot, naming the problem and, for a key's state, the
    /// key.</summary>
    [Theory]
    [InlineData("length", "the dispersion grid's state has 3 bytes", false)]
    [InlineData("no-profile", "holds the dispersion grid's state without the population profile", false)]
    [InlineData("unread", "4 unread bytes after the dispersion grid's state", false)]
    [InlineData("truncated", "Truncated anomaly baseline snapshot.", false)]
    [InlineData("prior-number", "grid prior has number 70000", false)]
    [InlineData("prior-sum", "the points sum to", false)]
    [InlineData("pending-day", "pending grid totals are of day", false)]
    [InlineData("prior-day", "after the watermark's day", false)]
    [InlineData("flag", "the grid state of key '{0}' has a bad flag", true)]
    [InlineData("evidence", "the grid state of key '{0}': grid evidence has no grid point at the maximum (0)", true)]
    [InlineData("not-informed", "the grid state of key '{0}' has evidence but is not informed", true)]
    [InlineData("dispersion", "the grid state of key '{0}' does not fit its record", true)]
    public void A_damaged_grid_state_in_a_snapshot_is_invalid_data_naming_the_problem_and_the_key(string damage, string message, bool names)
    {
        var detector = GridDetector();
        var activities = EngineStream(3);
        var crossings = Crossings(activities);
        foreach (var a in activities.Take(crossings[^1] + 1))
        {
            Run(detector, a);
        }

        var l = Locate(detector);
        var prior = detector.Model.GridPriorState!;
        Assert.True(prior.HasPending);
        Assert.NotEqual(0, prior.Current.Number);
        Assert.Equal(l.WatermarkDay, prior.PendingDay);
        var bytes = l.Bytes.ToArray();
        var length = BitConverter.ToInt32(bytes, l.LengthAt);
        void SetLength(int value) => BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(l.LengthAt), value);
        switch (damage)
        {
            case "length":
                SetLength(3);
                break;
            case "no-profile":
                bytes = [.. bytes[..l.ProfileFlagAt], 0, .. bytes[l.LengthAt..]];
                break;
            case "unread":
                // Without pending totals and 4 bytes more: the length is possible, the block is not read exactly.
                bytes = [.. bytes[..l.PendingFlagAt], 0, .. bytes[(l.PendingFlagAt + 1 + 4 + 8 + (GridLikelihood.Size * 8))..], 0, 0, 0, 0];
                SetLength(length - (4 + 8 + (GridLikelihood.Size * 8)) + 4);
                break;
            case "truncated":
                bytes = bytes[..(l.KeyGridAt + 10)];
                break;
            case "prior-number":
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(l.BlockAt), 70_000);
                break;
            case "prior-sum":
                var point = l.BlockAt + 4 + 4 + 8;
                BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(point), BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(point)) + 1000);
                break;
            case "pending-day":
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(l.PendingFlagAt + 1), l.WatermarkDay + 1);
                break;
            case "prior-day":
                // No pending totals, and the prior in force from the day after the watermark's.
                bytes = [.. bytes[..l.PendingFlagAt], 0, .. bytes[(l.PendingFlagAt + 1 + 4 + 8 + (GridLikelihood.Size * 8))..]];
                SetLength(length - (4 + 8 + (GridLikelihood.Size * 8)));
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(l.BlockAt + 4), l.WatermarkDay + 1);
                break;
            case "flag":
                bytes[l.KeyGridAt] = 2;
                break;
            case "evidence":
                for (var k = 0; k < GridLikelihood.Size; k++)
                {
                    BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(l.KeyGridAt + 1 + (2 * k)), 7);
                }

                break;
            case "not-informed":
                bytes[l.KeyGridAt] = 0;
                break;
            default:
                // The key's stored φ̂ one step off its posterior mean (a valid dispersion for the key record's own check).
                BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(l.DispersionAt), BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(l.DispersionAt)) + 1);
                break;
        }

        var error = Assert.Throws<InvalidDataException>(() => Read(bytes));
        if (damage != "truncated")
        {
            Assert.StartsWith("Corrupt anomaly baseline snapshot: ", error.Message, StringComparison.Ordinal);
        }

        Assert.Contains(string.Format(CultureInfo.InvariantCulture, message, l.Key), error.Message, StringComparison.Ordinal);
        Assert.EndsWith(".", error.Message, StringComparison.Ordinal);
        Assert.Equal(names, error.Message.Contains($"key '{l.Key}'", StringComparison.Ordinal));

        // The undamaged bytes read and restore.
        var restored = GridDetector();
        restored.Restore(Read(l.Bytes));
        Assert.Equal(l.Bytes, Bytes(restored.CreateSnapshot()));
    }

    [Fact]
    public void A_snapshot_made_in_code_against_the_formats_rules_is_a_programmer_error()
    {
        var detector = GridDetector();
        foreach (var a in EngineStream(3))
        {
            Run(detector, a);
        }

        var s = detector.CreateSnapshot();
        BaselineSnapshot Made(BaselineSnapshot.ProfileRecord? profile, BaselineSnapshot.GridRecord grid, long watermark) =>
            new(s.BucketTicks, s.SlotCount, s.TimeZoneId, s.Ring, watermark, s.Keys, profile, grid);
        Assert.NotNull(Made(s.Profile, s.Grid!, s.WatermarkTicks));
        Assert.Throws<ArgumentException>(() => Made(null, s.Grid!, s.WatermarkTicks));
        Assert.Throws<ArgumentException>(() => Made(s.Profile, s.Grid! with { Keys = s.Grid.Keys[1..] }, s.WatermarkTicks));
        Assert.True(s.Grid!.Prior.HasPending);
        var dayLater = Assert.Throws<ArgumentException>(() => Made(s.Profile, s.Grid!, s.WatermarkTicks + TimeSpan.TicksPerDay));
        Assert.Contains("pending grid totals are of day", dayLater.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_grid_snapshot_of_a_model_that_saw_nothing_round_trips()
    {
        var empty = GridDetector().CreateSnapshot();
        var bytes = Bytes(empty);
        Assert.Equal(4, BitConverter.ToInt32(bytes, 4));
        Assert.Null(Read(bytes).Watermark);
        var restored = GridDetector();
        restored.Restore(Read(bytes));
        Assert.Same(GridPrior.Uniform, restored.Model.GridPriorState!.Current);
        Assert.Equal(long.MinValue, restored.Model.GridDay);
        Assert.Equal(bytes, Bytes(restored.CreateSnapshot()));
    }
}
