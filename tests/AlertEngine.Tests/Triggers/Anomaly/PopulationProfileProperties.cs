using System.Runtime.InteropServices;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The population day profile of an anomaly policy (issue 15): its integer sums equal a naive recount of the admitted
/// activities, frozen at each UTC day start the detector's clock reaches; the partitioned engine (every partition counts
/// every admitted activity in <c>Pass</c>) gives the single engine's output; a checkpoint taken mid-day restores into
/// another partition count with the same detections. The profile is on by default in the
/// population model and off in the per-key model; the internal <see cref="AnomalyDetectorOptions.ProfileFitLimit"/> and
/// <see cref="AlertEngineOptions.AnomalyProfileFitLimit"/> set it explicitly: these tests switch it on, and the last ones
/// pin that a model without it (the per-key model) is the model it always was.
/// </summary>
public class PopulationProfileProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 17, 0, 0, TimeSpan.Zero); // a Sunday evening

    [Property(MaxTest = 120)]
    public Property The_profile_equals_a_naive_recount_of_the_admitted_activities_before_each_day_start() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from bucketMinutes in Gen.Elements(10, 15, 60)
             from latenessMinutes in Gen.Elements(0, 5, 120)
             from enginePath in Gen.Choose(0, 1)
             select (seed, bucketMinutes, latenessMinutes, enginePath)).ToArbitrary(),
            c =>
        {
            var (seed, bucketMinutes, latenessMinutes, enginePath) = c;
            var bucket = TimeSpan.FromMinutes(bucketMinutes);
            var lateness = TimeSpan.FromMinutes(latenessMinutes);
            var model = new BaselineModel<int>(
                new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, bucket),
                new AnomalyDetectorOptions { AllowedLateness = lateness, MaxTrackedKeys = 3, ProfileFitLimit = Fit, DispersionGrid = false })
            {
                CountedInPass = enginePath == 1,
            };
            var times = SparseTimes(new Random(seed), lateness);
            var arrivals = new List<long>();
            var random = new Random(seed ^ 0x5bd1e995);
            foreach (var (ticks, user) in times)
            {
                arrivals.Add(ticks);
                var key = "user" + user;
                if (enginePath == 1)
                {
                    // The engine: Pass counts, Observe does not count again (every partition calls Pass).
                    model.Pass(ticks, key);
                    model.Observe(key, new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
                }
                else
                {
                    model.Observe(key, new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
                }

                if (random.Next(8) == 0 || arrivals.Count == times.Count)
                {
                    var expected = NaiveProfile.Recount(arrivals, bucket.Ticks, lateness.Ticks);
                    var profile = model.Profile!;
                    Assert.Equal(expected.Running, profile.Running.ToArray());
                    Assert.Equal(expected.Sums, profile.Sums.ToArray());
                    Assert.Equal(expected.Covered, profile.Covered.ToArray());
                }
            }
        });

    [Property(MaxTest = 25)]
    public Property Partitioned_output_with_the_profile_equals_the_single_engines() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), Gen.Elements(2, 3, 5).ToArbitrary(), Gen.Choose(1, 60).ToArbitrary(), (seed, partitions, batchSize) =>
        {
            var activities = ProfileStream(seed);
            var expected = RunSingle(activities, ProfileOptions());
            using var pipeline = new PartitionedAlertPipeline(ProfilePolicies(), partitions, ProfileOptions());
            var actual = new List<string>();
            foreach (var batch in activities.Chunk(batchSize))
            {
                actual.AddRange(pipeline.Process(batch).Select(Describe));
            }

            Assert.Equal(expected, actual);
        });

    [Property(MaxTest = 25)]
    public Property A_checkpoint_taken_mid_day_restores_into_another_partition_count_with_the_same_detections() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from before in Gen.Elements(1, 2, 3)
             from after in Gen.Elements(1, 2, 5)
             from cutFraction in Gen.Choose(0, 1000)
             select (seed, before, after, cutFraction)).ToArbitrary(),
            c =>
        {
            var (seed, before, after, cutFraction) = c;
            var activities = ProfileStream(seed);
            var expected = RunSingle(activities, ProfileOptions());

            // The cut: an activity in the middle of a day after the first freeze (the profile has frozen sums and a
            // running day's counts).
            var firstFrozen = activities.FindIndex(a => a.Time >= Origin.AddHours(7 + 12));
            var cut = firstFrozen + (int)((long)(activities.Count - firstFrozen) * cutFraction / 1000);
            var actual = new List<string>();
            using var checkpoint = new MemoryStream();
            if (before == 1)
            {
                using var single = new AlertPipeline(ProfilePolicies(), ProfileOptions());
                foreach (var activity in activities.Take(cut))
                {
                    actual.AddRange(single.Process(activity).Select(Describe));
                }

                single.SaveCheckpoint(checkpoint);
            }
            else
            {
                using var partitioned = new PartitionedAlertPipeline(ProfilePolicies(), before, ProfileOptions());
                foreach (var batch in activities.Take(cut).Chunk(7))
                {
                    actual.AddRange(partitioned.Process(batch).Select(Describe));
                }

                partitioned.SaveCheckpoint(checkpoint);
            }

            checkpoint.Position = 0;
            if (after == 1)
            {
                using var single = new AlertPipeline(ProfilePolicies(), ProfileOptions());
                Assert.Empty(single.RestoreCheckpoint(checkpoint).Skipped);
                foreach (var activity in activities.Skip(cut))
                {
                    actual.AddRange(single.Process(activity).Select(Describe));
                }
            }
            else
            {
                using var partitioned = new PartitionedAlertPipeline(ProfilePolicies(), after, ProfileOptions());
                Assert.Empty(partitioned.RestoreCheckpoint(checkpoint).Skipped);
                foreach (var batch in activities.Skip(cut).Chunk(5))
                {
                    actual.AddRange(partitioned.Process(batch).Select(Describe));
                }
            }

            Assert.Equal(expected, actual);
        });

    /// <summary>The streams of the engine properties fire, and the profile changes what fires (so the properties above
    /// would see a partition that counted the profile differently).</summary>
    [Fact]
    public void The_profile_streams_fire_and_the_profile_changes_the_detections()
    {
        var fired = 0;
        var differ = 0;
        for (var seed = 0; seed < 12; seed++)
        {
            var activities = ProfileStream(seed);
            var with = RunSingle(activities, ProfileOptions());
            var switchedOff = ProfileOptions();
            switchedOff.AnomalyModel = AnomalyModel.PerKey; // no profile
            switchedOff.AnomalyProfileFitLimit = 0;
            var without = RunSingle(activities, switchedOff);
            fired += with.Count > 0 ? 1 : 0;
            differ += with.SequenceEqual(without) ? 0 : 1;
        }

        Assert.True(fired >= 10, $"only {fired} of 12 streams fired");
        Assert.True(differ >= 3, $"the profile changed the detections of only {differ} of 12 streams");
    }

    [Fact]
    public void The_profile_is_frozen_at_the_clocks_day_start_and_halved_once_a_week()
    {
        var model = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), On());
        var monday = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero);
        model.Observe("a", monday.AddHours(9.5), 0, out _);
        model.Observe("b", monday.AddHours(9.7), 0, out _);
        var profile = model.Profile!;
        Assert.False(profile.HasRates);
        Assert.Equal(2, profile.Running[9]);

        // The clock reaches Tuesday 00:00: Monday's counts are frozen; Monday's buckets from 09:00 on are covered.
        model.Observe("a", monday.AddDays(1).AddMinutes(1), 0, out _);
        Assert.True(profile.HasRates);
        Assert.Equal(2.0, profile.Rates[9]);
        Assert.True(double.IsNaN(profile.Rates[8]));
        Assert.Equal(0.0, profile.Rates[10]);
        Assert.Equal(1, profile.Running[0]);

        // The clock reaches the next Monday: the old sums and coverage are halved, then Sunday's day is added.
        model.Observe("a", monday.AddDays(7).AddMinutes(1), 0, out _);
        Assert.Equal(2L << (PopulationDayProfile.Shift - 1), profile.Sums[9]);
        Assert.Equal((1L << (PopulationDayProfile.Shift - 1)) + (4L << PopulationDayProfile.Shift), profile.Covered[9]); // and Tuesday to Friday
    }

    [Fact]
    public void Per_key_zones_and_buckets_longer_than_an_hour_keep_the_neighbour_pooling()
    {
        var zoned = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), new AnomalyDetectorOptions { KeyTimeZone = _ => TimeZoneInfo.Utc, ProfileFitLimit = Fit, DispersionGrid = false });
        var daily = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromDays(1)), On());
        var hourly = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), On());
        var switchedOff = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), AnomalyStreams.PerKey());
        Assert.Null(zoned.Profile);
        Assert.Null(daily.Profile);
        Assert.NotNull(hourly.Profile);
        Assert.Null(switchedOff.Profile);
    }

    [Fact]
    public void A_snapshot_carries_the_profile_and_an_older_snapshot_restores_with_an_empty_one()
    {
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, TimeSpan.FromMinutes(10));
        var model = new BaselineModel<int>(trigger, On());
        foreach (var (ticks, user) in SparseTimes(new Random(7), TimeSpan.Zero))
        {
            model.Observe("user" + user, new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
        }

        using var bytes = new MemoryStream();
        model.CreateSnapshot().WriteTo(bytes);
        bytes.Position = 0;
        Assert.Equal(3, BitConverter.ToInt32(bytes.ToArray(), 4));
        var restored = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = BaselineSnapshot.ReadFrom(bytes), ProfileFitLimit = Fit, DispersionGrid = false });
        Assert.Equal(model.Profile!.Sums.ToArray(), restored.Profile!.Sums.ToArray());
        Assert.Equal(model.Profile.Covered.ToArray(), restored.Profile.Covered.ToArray());
        Assert.Equal(model.Profile.Running.ToArray(), restored.Profile.Running.ToArray());
        Assert.Equal(model.Profile.NextFreeze, restored.Profile.NextFreeze);
        Assert.True(restored.Profile.HasRates);

        // Version 2 (before the profile): the bytes without the profile's flag and a version of 2.
        var v3 = bytes.ToArray();
        var v2 = model.CreateSnapshot();
        using var old = new MemoryStream();
        v2.WriteTo(old, 2);
        var legacy = old.ToArray();
        Assert.Equal(2, BitConverter.ToInt32(legacy, 4));
        Assert.Equal(v3.Length - legacy.Length - 1, (3 * 8 * restored.SlotCount) + 8 + 8 + 4 + SeveralKeysTrailer + (model.KeyCount * 8));
        var fromOld = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = BaselineSnapshot.ReadFrom(new MemoryStream(legacy)), ProfileFitLimit = Fit, DispersionGrid = false });
        Assert.False(fromOld.Profile!.HasRates);
        Assert.Equal(model.KeyCount, fromOld.KeyCount);
    }

    [Fact]
    public void An_engine_checkpoint_of_format_1_restores_with_an_empty_profile_and_format_2_with_the_profile()
    {
        var policy = Policy("anomaly", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, TimeSpan.FromMinutes(10)), new AggregationSettings(AggregationMode.None));
        AnomalyDetector Detector() => new(policy, (AnomalyTrigger)policy.Trigger, new AlertEngineOptions { AnomalyProfileFitLimit = Fit, AnomalyDispersionGrid = false }, _ => { });
        var detector = Detector();
        foreach (var (ticks, user) in SparseTimes(new Random(3), TimeSpan.Zero))
        {
            var activity = new Activity("a" + ticks, new DateTimeOffset(ticks, TimeSpan.Zero), "FileDownloaded") { UserId = "user" + user };
            detector.Pass(activity);
            detector.Observe(activity);
        }

        using var writer = new CheckpointWriter();
        detector.WriteState(writer);
        var format2 = writer.Written.ToArray();
        Assert.Equal(-2L, BitConverter.ToInt64(format2, 0));

        var restored = Detector();
        restored.ReadState(new CheckpointReader(format2));
        Assert.Equal(detector.Model.Profile!.Sums.ToArray(), restored.Model.Profile!.Sums.ToArray());
        Assert.Equal(detector.Model.Profile.Running.ToArray(), restored.Model.Profile.Running.ToArray());
        Assert.True(restored.Model.Profile.HasRates);

        // Format 1: no marker, and no profile after the watermark (bucket 8, slots 4, zone "UTC" 1 + 3, ring 4, watermark 8).
        var headerEnd = 8 + 8 + 4 + 4 + 4 + 8;
        var profileBytes = 8 + 8 + 4 + (3 * 8 * detector.Model.SlotCount) + SeveralKeysTrailer;
        var format1 = format2[8..headerEnd].Concat(format2[(headerEnd + profileBytes)..]).ToArray();
        var old = Detector();
        old.ReadState(new CheckpointReader(format1));
        Assert.False(old.Model.Profile!.HasRates);
        Assert.Equal(detector.Model.KeyCount, old.Model.KeyCount);
        Assert.Equal(detector.Model.CreateSnapshot().Keys.Select(k => k.Levels.Sum()), old.Model.CreateSnapshot().Keys.Select(k => k.Levels.Sum()));

        // An unknown format is corrupt data; format 3 (the dispersion grid, an internal switch) is read by a detector
        // without the grid too (dropping the grid, GridCheckpointMixProperties), so format 2's bytes marked 3 are corrupt.
        var format4 = (byte[])format2.Clone();
        BitConverter.GetBytes(-4L).CopyTo(format4, 0);
        Assert.Contains("format 4", Assert.Throws<InvalidDataException>(() => Detector().ReadState(new CheckpointReader(format4))).Message, StringComparison.Ordinal);
        var format3 = (byte[])format2.Clone();
        BitConverter.GetBytes(-3L).CopyTo(format3, 0);
        Assert.StartsWith("Corrupt checkpoint: ", Assert.Throws<InvalidDataException>(() => Detector().ReadState(new CheckpointReader(format3))).Message, StringComparison.Ordinal);
    }

    /// <summary>Each key's rate against the profile is cached in its 192-byte record for the profile's day: a freeze
    /// forgets every key's (no day stamp per key), the key's next prediction computes it again, and a checkpoint or a
    /// snapshot carries a cache valid for the restored profile's day (and only such a one).</summary>
    [Fact]
    public void A_freeze_forgets_every_keys_cached_rate_and_a_restore_keeps_the_days_cache()
    {
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1));
        var model = new BaselineModel<int>(trigger, On());
        var start = AnomalyStreams.Start;
        AnomalyStreams.FeedMany(model, AnomalyStreams.Steady(start, 48, 3).SelectMany(t => new[] { ("a", t), ("b", t.AddSeconds(1)) }));
        Assert.True(model.Profile!.Usable);
        Assert.True(model.CachedProfileRate("a") >= 0);
        Assert.True(model.CachedProfileRate("b") >= 0);
        Assert.Equal(BaselineModel<int>.RecordBytes, Marshal.SizeOf<long>() * 24); // the constant first (xUnit2000): 24 longs per record

        // Wednesday 00:05, key a only: the freeze at 00:00 forgets both; a's bucket change computes a's again.
        model.Observe("a", start.AddDays(2).AddMinutes(5), 0, out _);
        var a = model.CachedProfileRate("a")!.Value;
        Assert.True(a >= 0);
        Assert.True(float.IsNaN(model.CachedProfileRate("b")!.Value));

        var restarted = BaselineCheckpointReading.Restarted(model, trigger, On(), out _);
        Assert.Equal(a, restarted.CachedProfileRate("a"));
        Assert.True(float.IsNaN(restarted.CachedProfileRate("b")!.Value));
        var snapshot = model.CreateSnapshot();
        var restored = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = snapshot, ProfileFitLimit = Fit, DispersionGrid = false });
        Assert.Equal(a, restored.CachedProfileRate("a"));
        // A snapshot's restore computes each key's threshold again (b's with the rate computed then), and leaves the
        // cache as the snapshot had it: b computes it at its next prediction, as the model that made the snapshot does.
        Assert.True(float.IsNaN(restored.CachedProfileRate("b")!.Value));
        Assert.Equal(model.GetBaseline("b", start.AddDays(2).AddMinutes(5))!.Threshold, restored.GetBaseline("b", start.AddDays(2).AddMinutes(5))!.Threshold);

        // A cache saved for another day than the restored profile's is not used (computed again at the restore).
        var otherDay = new BaselineSnapshot(snapshot.BucketTicks, snapshot.SlotCount, snapshot.TimeZoneId, snapshot.Ring, snapshot.WatermarkTicks, [.. snapshot.Keys.Select(k => k with { ProfileRate = 1234, ProfileDay = k.ProfileDay - 1 })], snapshot.Profile);
        var stale = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = otherDay, ProfileFitLimit = Fit, DispersionGrid = false });
        Assert.True(float.IsNaN(stale.CachedProfileRate("a")!.Value));
        var sameDay = new BaselineSnapshot(snapshot.BucketTicks, snapshot.SlotCount, snapshot.TimeZoneId, snapshot.Ring, snapshot.WatermarkTicks, [.. snapshot.Keys.Select(k => k with { ProfileRate = 1234 })], snapshot.Profile);
        Assert.Equal(1234, new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = sameDay, ProfileFitLimit = Fit, DispersionGrid = false }).CachedProfileRate("a"));
    }

    /// <summary>The profile off (the per-key model, or the switch at 0): the detector writes the anomaly state's format 1 (the bucket length first,
    /// no profile, key records without the cached rate) and snapshots of version 2, as before the profile; it reads a
    /// format-2 state written with the switch on, keeping the keys and dropping the profile and the cached rates.</summary>
    [Fact]
    public void Without_the_switch_the_formats_are_the_old_ones_and_a_state_with_the_profile_is_read_without_it()
    {
        var policy = Policy("anomaly", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, TimeSpan.FromMinutes(10)), new AggregationSettings(AggregationMode.None));
        AnomalyDetector Detector(double fit) => new(policy, (AnomalyTrigger)policy.Trigger, new AlertEngineOptions { AnomalyProfileFitLimit = fit, AnomalyDispersionGrid = false }, _ => { });
        var on = Detector(Fit);
        var off = Detector(0);
        foreach (var (ticks, user) in SparseTimes(new Random(5), TimeSpan.Zero))
        {
            var activity = new Activity("a" + ticks, new DateTimeOffset(ticks, TimeSpan.Zero), "FileDownloaded") { UserId = "user" + user };
            foreach (var detector in (AnomalyDetector[])[on, off])
            {
                detector.Pass(activity);
                detector.Observe(activity);
            }
        }

        Assert.False(off.CountsInPass);
        Assert.Null(off.Model.Profile);
        var offState = StateOf(off);
        Assert.Equal(TimeSpan.FromMinutes(10).Ticks, BitConverter.ToInt64(offState, 0));
        using var snapshot = new MemoryStream();
        off.CreateSnapshot().WriteTo(snapshot);
        Assert.Equal(2, BitConverter.ToInt32(snapshot.ToArray(), 4));

        var onState = StateOf(on);
        Assert.Equal(-2L, BitConverter.ToInt64(onState, 0));
        var dropped = Detector(0);
        dropped.ReadState(new CheckpointReader(onState));
        Assert.Null(dropped.Model.Profile);
        byte[] Records(AnomalyDetector detector) => [.. detector.CreateSnapshot().Keys.SelectMany(k =>
        {
            using var stream = new MemoryStream();
            using (var binary = new BinaryWriter(stream))
            {
                BaselineSnapshot.WriteKey(binary, k);
            }

            return stream.ToArray();
        })];
        Assert.Equal(on.Model.KeyCount, dropped.Model.KeyCount);
        Assert.Equal(Records(on), Records(dropped));
        Assert.NotEqual(Records(on), Records(off)); // the profile changed what the keys learned
    }

    /// <summary>The profile's bytes after its arrays when it has seen several keys: the flag, no first key, "".</summary>
    private const int SeveralKeysTrailer = 1 + 1 + 1;

    private static readonly AlertPolicy FourUserPolicy = Policy(
        "anomaly",
        "FileDownloaded",
        new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1)),
        new AggregationSettings(AggregationMode.None));

    private static AnomalyDetector FourUserDetector() =>
        new(FourUserPolicy, (AnomalyTrigger)FourUserPolicy.Trigger, new AlertEngineOptions { AnomalyProfileFitLimit = Fit, AnomalyDispersionGrid = false }, _ => { });

    /// <summary>Monday 10:00 UTC on, one activity every 10 minutes of four users for 55 hours (Tuesday 00:00 at index
    /// 84, Wednesday 00:00 at 228).</summary>
    private static List<Activity> FourUserStream()
    {
        var start = new DateTimeOffset(2026, 3, 2, 10, 0, 0, TimeSpan.Zero);
        var list = new List<Activity>();
        for (var i = 0; i < 330; i++)
        {
            list.Add(new Activity("a" + i, start.AddMinutes(10 * i), "FileDownloaded") { UserId = "user" + (i % 4) });
        }

        return list;
    }

    private static byte[] StateOf(AnomalyDetector detector)
    {
        using var writer = new CheckpointWriter();
        detector.WriteState(writer);
        return writer.Written.ToArray();
    }

    /// <summary>The detector's state after the first <paramref name="count"/> activities in the anomaly state's format 1
    /// (before the population profile: no marker, no profile).</summary>
    private static byte[] Format1After(IReadOnlyList<Activity> activities, int count)
    {
        var detector = FourUserDetector();
        foreach (var activity in activities.Take(count))
        {
            detector.Pass(activity);
            detector.Observe(activity);
        }

        var format2 = StateOf(detector);
        var headerEnd = 8 + 8 + 4 + 4 + 4 + 8;
        var profileBytes = 8 + 8 + 4 + (3 * 8 * detector.Model.SlotCount) + SeveralKeysTrailer;
        return [.. format2[8..headerEnd], .. format2[(headerEnd + profileBytes)..]];
    }

    private static AnomalyDetector Replay(byte[] state, IEnumerable<Activity> activities)
    {
        var detector = FourUserDetector();
        detector.ReadState(new CheckpointReader(state));
        foreach (var activity in activities)
        {
            detector.Pass(activity);
            detector.Observe(activity);
        }

        return detector;
    }

    /// <summary>Review finding (sixth session): partitions (grains) restore their own older-format bases, written at
    /// different batches, and replay the inputs after them. Each counts from the next UTC day start on, so they hold
    /// one profile; before the fix each counted from its own base on.</summary>
    [Fact]
    public void Detectors_restored_from_format_1_states_of_different_batches_and_fed_the_same_inputs_hold_one_profile()
    {
        var activities = FourUserStream();
        var a = Replay(Format1After(activities, 10), activities.Skip(10));
        var b = Replay(Format1After(activities, 40), activities.Skip(40));
        Assert.True(a.Model.Profile!.HasRates && b.Model.Profile!.HasRates);
        Assert.Equal(a.Model.Profile.Sums.ToArray(), b.Model.Profile.Sums.ToArray());
        Assert.Equal(a.Model.Profile.Covered.ToArray(), b.Model.Profile.Covered.ToArray());
        Assert.Equal(a.Model.Profile.Running.ToArray(), b.Model.Profile.Running.ToArray());

        // Tuesday's counts only: 24 buckets of 6 activities.
        Assert.Equal(6L << PopulationDayProfile.Shift, a.Model.Profile.Sums[0]);
        Assert.Equal(1L << PopulationDayProfile.Shift, a.Model.Profile.Covered[0]);
    }

    /// <summary>The wait for the next day start survives a checkpoint of the new format written while waiting.</summary>
    [Fact]
    public void A_checkpoint_written_while_waiting_for_the_day_start_restores_the_wait()
    {
        var activities = FourUserStream();
        var waiting = Replay(Format1After(activities, 10), activities.Skip(10).Take(40));
        Assert.True(waiting.Model.Profile!.Waiting);
        var resumed = Replay(StateOf(waiting), activities.Skip(50));
        var uninterrupted = Replay(Format1After(activities, 10), activities.Skip(10));
        Assert.Equal(uninterrupted.Model.Profile!.Sums.ToArray(), resumed.Model.Profile!.Sums.ToArray());
        Assert.Equal(uninterrupted.Model.Profile.Covered.ToArray(), resumed.Model.Profile.Covered.ToArray());
        Assert.Equal(StateOf(uninterrupted), StateOf(resumed));
    }

    /// <summary>Review finding (sixth session): a single key's profile is its own counts, which always fit it. The
    /// profile predicts only for a population of several keys; every copy decides it from the admitted activities.</summary>
    [Fact]
    public void The_profile_predicts_only_once_it_has_counted_two_keys()
    {
        var model = new BaselineModel<int>(AnomalyStreams.Trigger(), On());
        AnomalyStreams.Feed(model, "k", AnomalyStreams.Steady(AnomalyStreams.Start, 48, 4));
        Assert.True(model.Profile!.HasRates);
        Assert.False(model.Profile.Usable);
        Assert.Equal("k", model.Profile.FirstKey);

        AnomalyStreams.Feed(model, "other", AnomalyStreams.Steady(AnomalyStreams.Start.AddDays(2), 1, 1));
        Assert.True(model.Profile.Usable);
        Assert.Null(model.Profile.FirstKey);

        // The engine's detector decides in Pass, which every partition calls for every activity: a non-owner copy
        // that observes nothing holds the same flag.
        var activities = FourUserStream();
        var owner = FourUserDetector();
        var other = FourUserDetector();
        foreach (var activity in activities.Take(30))
        {
            owner.Pass(activity);
            owner.Observe(activity);
            other.Pass(activity);
        }

        Assert.True(owner.Model.Profile!.SeveralKeys && other.Model.Profile!.SeveralKeys);
        Assert.Equal(StateOf(owner)[..200], StateOf(other)[..200]);
    }

    /// <summary>Review finding (sixth session): the profile's quantile follows a Z set on a preset (the offset is the
    /// sensitivity's, added to the thresholds' Z), and an offset that leaves no positive quantile is refused.</summary>
    [Fact]
    public void A_Z_set_on_a_preset_moves_the_quantile_used_with_the_profile_too()
    {
        double ProfileZ(AnomalySensitivity sensitivity, AnomalyThresholds? thresholds = null, double? offset = null) =>
            new BaselineModel<int>(
                new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), sensitivity, TimeSpan.FromHours(1)),
                new AnomalyDetectorOptions { Thresholds = thresholds, ProfileZOffset = offset, ProfileFitLimit = Fit, DispersionGrid = false }).ProfileZ;

        Assert.Equal(4.3, ProfileZ(AnomalySensitivity.Low), 12);
        Assert.Equal(3.75, ProfileZ(AnomalySensitivity.Medium), 12);
        Assert.Equal(3.3, ProfileZ(AnomalySensitivity.High), 12);
        Assert.Equal(5.75, ProfileZ(AnomalySensitivity.Medium, AnomalyThresholds.Medium with { Z = 6.0 }), 12);
        Assert.Equal(3.25, ProfileZ(AnomalySensitivity.Medium, AnomalyThresholds.Medium with { Z = 3.5 }), 12);
        Assert.Equal(4.0, ProfileZ(AnomalySensitivity.Medium, offset: 0), 12);
        Assert.Throws<ArgumentException>(() => ProfileZ(AnomalySensitivity.Medium, AnomalyThresholds.Medium with { Z = 0.2 }));

        // Without the profile the offset is never used, so it cannot refuse a Z.
        Assert.Null(new BaselineModel<int>(AnomalyStreams.Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, Thresholds = AnomalyThresholds.Medium with { Z = 0.2 } }).Profile);
    }

    /// <summary>Sparse activity over up to seven weeks (crossing weekly halvings and a gap longer than a week), in time
    /// order but for activities late within (and beyond) the lateness.</summary>
    private static List<(long Ticks, int User)> SparseTimes(Random random, TimeSpan lateness)
    {
        var list = new List<(long, int)>();
        var t = Origin.UtcTicks;
        var end = Origin.AddDays(49).UtcTicks;
        while (t < end && list.Count < 600)
        {
            t += random.Next(10) switch
            {
                < 4 => random.Next(0, 600) * TimeSpan.TicksPerSecond,
                < 8 => random.Next(600, 3 * 3600) * TimeSpan.TicksPerSecond,
                8 => random.Next(3, 30) * TimeSpan.TicksPerHour,
                _ => random.Next(20) == 0 ? random.Next(8, 10) * TimeSpan.TicksPerDay : random.Next(1, 3) * TimeSpan.TicksPerHour,
            };
            list.Add((t, random.Next(4)));
            if (random.Next(6) == 0)
            {
                var back = random.Next(2) == 0 ? lateness.Ticks / 2 : lateness.Ticks + TimeSpan.TicksPerMinute;
                list.Add((t - back, random.Next(4)));
            }
        }

        return list;
    }

    /// <summary>The switch on, at the evaluated fit limit.</summary>
    private const double Fit = BaselineMath.ProfileFitDefault;

    private static AnomalyDetectorOptions On() => new() { ProfileFitLimit = Fit, DispersionGrid = false };

    private static AlertEngineOptions ProfileOptions() => new() { AllowedLateness = TimeSpan.FromMinutes(10), MaxActivitiesPerAlert = 5, AnomalyProfileFitLimit = Fit, AnomalyDispersionGrid = false };

    private static IReadOnlyList<AlertPolicy> ProfilePolicies() =>
    [
        Policy("anomaly-user", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(12), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None)),
        Policy("anomaly-org", "FileDownloaded", new AnomalyTrigger(TriggerScope.Organization, TimeSpan.FromHours(12), AnomalySensitivity.High, TimeSpan.FromMinutes(30)), new AggregationSettings(AggregationMode.None)),
    ];

    /// <summary>Three days of hourly traffic of six users (office hours busier, a per-user rate), bursts, re-delivered
    /// and late activities; starts Sunday 17:00 so the clock crosses three day starts.</summary>
    private static List<Activity> ProfileStream(int seed)
    {
        var random = new Random(seed);
        var list = new List<Activity>();
        var n = 0;
        var rates = Enumerable.Range(0, 6).Select(_ => 0.5 + (3 * random.NextDouble())).ToArray();
        for (var hour = 0; hour < 72; hour++)
        {
            var start = Origin.AddHours(hour);
            var local = start.Hour;
            var shape = local is >= 8 and < 18 ? 1.0 : 0.15;
            var events = new List<Activity>();
            for (var u = 0; u < rates.Length; u++)
            {
                var count = (int)Math.Round(rates[u] * shape * (0.5 + random.NextDouble()));
                if (hour > 20 && random.Next(40) == 0)
                {
                    count += 10 + random.Next(30); // a burst
                }

                for (var i = 0; i < count; i++)
                {
                    events.Add(new Activity("p" + n++, start.AddSeconds(random.Next(3600)), "FileDownloaded") { UserId = "user" + u + "@contoso.com" });
                }
            }

            events.Sort((a, b) => a.Time.CompareTo(b.Time));
            foreach (var e in events)
            {
                list.Add(e);
                switch (random.Next(30))
                {
                    case 0:
                        list.Add(e); // re-delivered
                        break;
                    case 1:
                        list.Add(new Activity("late" + n++, e.Time - TimeSpan.FromMinutes(random.Next(15)), "FileDownloaded") { UserId = e.UserId });
                        break;
                }
            }
        }

        return list;
    }

    private static List<string> RunSingle(IReadOnlyList<Activity> activities, AlertEngineOptions options)
    {
        using var pipeline = new AlertPipeline(ProfilePolicies(), options);
        var changes = new List<string>();
        foreach (var activity in activities)
        {
            changes.AddRange(pipeline.Process(activity).Select(Describe));
        }

        return changes;
    }

    /// <summary>The oracle: the profile recomputed from scratch from the arrival sequence (no running state): which
    /// arrivals were admitted, the day starts the clock reached, and per freeze the counted activities and covered
    /// buckets, each halved once per later freeze that crossed a Monday.</summary>
    private static class NaiveProfile
    {
        public static (long[] Running, long[] Sums, long[] Covered) Recount(List<long> arrivals, long bucket, long lateness)
        {
            var calendar = new SeasonalCalendar(bucket, TimeZoneInfo.Utc);
            var slots = calendar.SlotCount;
            const long day = TimeSpan.TicksPerDay;

            // Admitted arrivals and the freezes (arrival index before which a freeze happened, and its day start).
            var admitted = new List<(int Index, long Ticks)>();
            var freezes = new List<(int Before, long Day)>();
            long watermark = long.MinValue;
            long firstDay = long.MinValue;
            for (var i = 0; i < arrivals.Count; i++)
            {
                var t = arrivals[i];
                if (t > watermark)
                {
                    watermark = t;
                    var last = freezes.Count == 0 ? firstDay : freezes[^1].Day;
                    if (firstDay != long.MinValue && watermark / day * day > last)
                    {
                        freezes.Add((i, watermark / day * day));
                    }
                }
                else if (watermark - t > lateness)
                {
                    continue;
                }

                if (firstDay == long.MinValue)
                {
                    firstDay = t / day * day;
                }

                admitted.Add((i, t));
            }

            var running = new long[slots];
            var sums = new long[slots];
            var covered = new long[slots];
            if (admitted.Count == 0)
            {
                return (running, sums, covered);
            }

            // Halvings: at freeze k when its day's week differs from the previous freeze's (or the first day's).
            var halvedAt = new bool[freezes.Count];
            for (var k = 0; k < freezes.Count; k++)
            {
                var previous = k == 0 ? firstDay : freezes[k - 1].Day;
                halvedAt[k] = freezes[k].Day / day / 7 != previous / day / 7;
            }

            int HalvingsAfter(int k)
            {
                var h = 0;
                for (var j = k + 1; j < freezes.Count; j++)
                {
                    h += halvedAt[j] ? 1 : 0;
                }

                return h;
            }

            foreach (var (index, ticks) in admitted)
            {
                // The freeze that took this activity: the first freeze at an arrival after it.
                var k = freezes.FindIndex(f => f.Before > index);
                var slot = calendar.ComputeSlot(ticks / bucket);
                if (k < 0)
                {
                    running[slot]++;
                }
                else
                {
                    sums[slot] += (1L << PopulationDayProfile.Shift) >> HalvingsAfter(k);
                }
            }

            var spanStart = admitted[0].Ticks / bucket;
            for (var k = 0; k < freezes.Count; k++)
            {
                var end = (freezes[k].Day + bucket - 1) / bucket;
                var from = Math.Max(spanStart, end - (7 * day / bucket));
                for (var b = from; b < end; b++)
                {
                    covered[calendar.ComputeSlot(b)] += (1L << PopulationDayProfile.Shift) >> HalvingsAfter(k);
                }

                spanStart = Math.Max(spanStart, end);
            }

            return (running, sums, covered);
        }
    }
}
