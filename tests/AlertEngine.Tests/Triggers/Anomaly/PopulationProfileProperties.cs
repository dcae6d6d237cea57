using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using static AlertEngine.Tests.Checkpoints.CheckpointStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// The population day profile of an anomaly policy (issue 15): its integer sums equal a naive recount of the admitted
/// activities, frozen at each UTC day start the detector's clock reaches; the partitioned engine (every partition counts
/// every admitted activity in <c>Pass</c>) gives the single engine's output; a checkpoint taken mid-day restores into
/// another partition count with the same detections.
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
                new AnomalyDetectorOptions { AllowedLateness = lateness, MaxTrackedKeys = 3 });
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
                    model.Pass(ticks);
                    model.ObserveCore(key, new DateTimeOffset(ticks, TimeSpan.Zero), 0, countInProfile: false, out _);
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
            var perKeyZones = ProfileOptions();
            perKeyZones.AnomalyKeyTimeZone = _ => TimeZoneInfo.Utc; // per-key zones: no profile
            var without = RunSingle(activities, perKeyZones);
            fired += with.Count > 0 ? 1 : 0;
            differ += with.SequenceEqual(without) ? 0 : 1;
        }

        Assert.True(fired >= 10, $"only {fired} of 12 streams fired");
        Assert.True(differ >= 3, $"the profile changed the detections of only {differ} of 12 streams");
    }

    [Fact]
    public void The_profile_is_frozen_at_the_clocks_day_start_and_halved_once_a_week()
    {
        var model = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)));
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
        var zoned = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromHours(1)), new AnomalyDetectorOptions { KeyTimeZone = _ => TimeZoneInfo.Utc });
        var daily = new BaselineModel<int>(new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(1), AnomalySensitivity.Medium, TimeSpan.FromDays(1)));
        Assert.Null(zoned.Profile);
        Assert.Null(daily.Profile);
    }

    [Fact]
    public void A_snapshot_carries_the_profile_and_an_older_snapshot_restores_with_an_empty_one()
    {
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, TimeSpan.FromMinutes(10));
        var model = new BaselineModel<int>(trigger);
        foreach (var (ticks, user) in SparseTimes(new Random(7), TimeSpan.Zero))
        {
            model.Observe("user" + user, new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
        }

        using var bytes = new MemoryStream();
        model.CreateSnapshot().WriteTo(bytes);
        bytes.Position = 0;
        var restored = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = BaselineSnapshot.ReadFrom(bytes) });
        Assert.Equal(model.Profile!.Sums.ToArray(), restored.Profile!.Sums.ToArray());
        Assert.Equal(model.Profile.Covered.ToArray(), restored.Profile.Covered.ToArray());
        Assert.Equal(model.Profile.Running.ToArray(), restored.Profile.Running.ToArray());
        Assert.Equal(model.Profile.NextFreeze, restored.Profile.NextFreeze);
        Assert.True(restored.Profile.HasRates);

        // Version 2 (before the profile): the bytes without the profile's flag and a version of 2.
        var v3 = bytes.ToArray();
        var v2 = model.CreateSnapshot();
        using var old = new MemoryStream();
        new BaselineSnapshot(v2.BucketTicks, v2.SlotCount, v2.TimeZoneId, v2.Ring, v2.WatermarkTicks, v2.Keys).WriteTo(old);
        var legacy = old.ToArray()[..^1]; // no profile: one flag byte (false)
        BitConverter.GetBytes(2).CopyTo(legacy, 4);
        Assert.Equal(v3.Length - legacy.Length - 1, (3 * 8 * restored.SlotCount) + 8 + 8 + 4);
        var fromOld = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { InitialState = BaselineSnapshot.ReadFrom(new MemoryStream(legacy)) });
        Assert.False(fromOld.Profile!.HasRates);
        Assert.Equal(model.KeyCount, fromOld.KeyCount);
    }

    [Fact]
    public void An_engine_checkpoint_of_format_1_restores_with_an_empty_profile_and_format_2_with_the_profile()
    {
        var policy = Policy("anomaly", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromHours(2), AnomalySensitivity.Medium, TimeSpan.FromMinutes(10)), new AggregationSettings(AggregationMode.None));
        AnomalyDetector Detector() => new(policy, (AnomalyTrigger)policy.Trigger, new AlertEngineOptions(), _ => { });
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
        var profileBytes = 8 + 8 + 4 + (3 * 8 * detector.Model.SlotCount);
        var format1 = format2[8..headerEnd].Concat(format2[(headerEnd + profileBytes)..]).ToArray();
        var old = Detector();
        old.ReadState(new CheckpointReader(format1));
        Assert.False(old.Model.Profile!.HasRates);
        Assert.Equal(detector.Model.KeyCount, old.Model.KeyCount);
        Assert.Equal(detector.Model.CreateSnapshot().Keys.Select(k => k.Levels.Sum()), old.Model.CreateSnapshot().Keys.Select(k => k.Levels.Sum()));

        // An unknown format is corrupt data.
        var format3 = (byte[])format2.Clone();
        BitConverter.GetBytes(-3L).CopyTo(format3, 0);
        Assert.Throws<InvalidDataException>(() => Detector().ReadState(new CheckpointReader(format3)));
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

    private static AlertEngineOptions ProfileOptions() => new() { AllowedLateness = TimeSpan.FromMinutes(10), MaxActivitiesPerAlert = 5 };

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
