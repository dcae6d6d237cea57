using System.Globalization;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>
/// Issue 15's dispersion grid wired into the model (eleventh session; on in the population model, the default,
/// where it applies; the internal <see cref="AnomalyDetectorOptions.DispersionGrid"/> sets it, on only with the population profile): at every UTC day start
/// the lagged prior takes the totals summed at the previous one, and the totals summed now equal a naive sum (in
/// another order) of every informed key's quantized posterior under the prior in force; every informed key's φ̂ is its
/// evidence's posterior mean under the prior in force at any time; uninformed keys keep the initial φ̂; a partitioned
/// engine is refused; steady state allocates nothing.
/// </summary>
public class GridModelProperties
{
    private static readonly DateTimeOffset Origin = new(2026, 3, 1, 17, 0, 0, TimeSpan.Zero); // a Sunday evening

    private static AnomalyDetectorOptions GridOptions(TimeSpan lateness = default, TimeSpan? retention = null) => new()
    {
        Retention = retention ?? AnomalyDetectorOptions.DefaultRetention,
        ProfileFitLimit = BaselineMath.ProfileFitDefault,
        DispersionGrid = true,
        AllowedLateness = lateness,
        MaxActivitiesPerDetection = 0,
    };

    private static AnomalyTrigger Trigger() => new(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.Medium, TimeSpan.FromHours(1));

    [Fact]
    public void The_grid_needs_the_population_profile()
    {
        var error = Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { ProfileFitLimit = 0, DispersionGrid = true }));
        Assert.Throws<ArgumentException>(() => new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, DispersionGrid = true }));
        Assert.Contains("DispersionGrid", error.Message, StringComparison.Ordinal);
        Assert.False(new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = false }).HasGrid);
        Assert.False(new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey()).HasGrid);
        Assert.True(new BaselineModel<int>(Trigger(), GridOptions()).HasGrid);
    }

    [Fact]
    public void Without_the_switch_the_model_holds_no_grid_state()
    {
        // The switch-off model must allocate exactly as before the grid: none of the grid's fields is allocated (the
        // per-key array stays the shared empty one).
        var fields = typeof(BaselineModel<int>).GetFields(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)
            .Where(f => f.Name is "_prior" or "_dayTotals" or "_posterior" or "_gridChunks").ToArray();
        Assert.Equal(4, fields.Length);
        foreach (var options in new[] { new AnomalyDetectorOptions { Model = AnomalyModel.PerKey }, new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = false } })
        {
            var model = new BaselineModel<int>(Trigger(), options);
            model.Observe("a", Origin, 0, out _);
            foreach (var field in fields)
            {
                var value = field.GetValue(model);
                Assert.True(value is null || (value is Array { Length: 0 }), $"{field.Name} is allocated without the grid");
            }
        }

        var grid = new BaselineModel<int>(Trigger(), GridOptions());
        grid.Observe("a", Origin, 0, out _);
        Assert.All(fields, f => Assert.NotNull(f.GetValue(grid)));
    }

    [Property(MaxTest = 40)]
    public Property At_each_day_start_the_prior_takes_the_previous_totals_and_the_new_totals_are_a_naive_sum_of_the_keys_posteriors() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from users in Gen.Choose(2, 12)
             from lateMinutes in Gen.Elements(0, 90)
             select (seed, users, lateMinutes)).ToArbitrary(),
            c =>
        {
            var (seed, users, lateMinutes) = c;
            var model = new BaselineModel<int>(Trigger(), GridOptions(TimeSpan.FromMinutes(lateMinutes)));
            var prior = model.GridPriorState!;
            var keys = Enumerable.Range(0, users).Select(u => "user" + u.ToString(CultureInfo.InvariantCulture)).ToArray();
            var random = new Random(seed);
            var dayStarts = 0;
            var changes = 0;
            long? lastDay = null;
            foreach (var (ticks, user) in Stream(seed, users, days: 9))
            {
                var day = ticks / TimeSpan.TicksPerDay;
                if (lastDay is { } previousDay && day > previousDay && ticks > model.Watermark!.Value.UtcTicks)
                {
                    // The crossing: the pending totals (summed at the previous day start) become the prior, then every
                    // informed key's posterior under it is summed. Checked before the crossing activity folds anything.
                    var pending = prior.HasPending ? (Totals: prior.PendingTotals.ToArray(), Keys: prior.PendingKeys) : default;
                    var before = prior.Current;
                    model.AdvanceTo(ticks);
                    dayStarts++;
                    Assert.Equal(day, model.GridDay);
                    if (pending.Keys > 0 && day == previousDay + 1)
                    {
                        Assert.Equal(pending.Totals, prior.Current.Totals.ToArray());
                        Assert.Equal(pending.Keys, prior.Current.Keys);
                        Assert.Equal((int)day, prior.Current.Day);
                        Assert.Equal(GridPrior.Next(before.Number), prior.Current.Number);
                        changes++;
                    }

                    Assert.True(prior.HasPending);
                    Assert.Equal((int)day, prior.PendingDay);
                    var naive = new GridPriorTotals();
                    var posterior = new double[GridLikelihood.Size];
                    foreach (var key in keys.OrderBy(_ => random.Next()))
                    {
                        if (model.GridStateOf(key) is { Informed: true } state)
                        {
                            GridEvidenceMath.PosteriorMean(state.Evidence, prior.Current.LogWeights, posterior);
                            naive.Add(posterior);
                        }
                    }

                    Assert.Equal(naive.Totals.ToArray(), prior.PendingTotals.ToArray());
                    Assert.Equal(naive.Keys, prior.PendingKeys);
                    AssertEstimatesArePosteriorMeans(model, keys);
                }

                model.Observe(keys[user], new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
                lastDay = Math.Max(lastDay ?? day, day);
                if (random.Next(200) == 0)
                {
                    AssertEstimatesArePosteriorMeans(model, keys);
                }
            }

            AssertEstimatesArePosteriorMeans(model, keys);
            Assert.True(dayStarts >= 7, $"{dayStarts} day starts");
            Assert.True(changes >= 5, $"the prior changed {changes} times");
            Assert.True(keys.Count(k => model.GridStateOf(k)!.Value.Informed) >= 1);
        });

    private static void AssertEstimatesArePosteriorMeans(BaselineModel<int> model, string[] keys)
    {
        var posterior = new double[GridLikelihood.Size];
        foreach (var key in keys)
        {
            if (model.GridStateOf(key) is not { } state)
            {
                continue;
            }

            var expected = state.Informed
                ? (float)GridEvidenceMath.PosteriorMean(state.Evidence, model.GridPriorState!.Current.LogWeights, posterior)
                : BaselineMath.InitialDispersion;
            Assert.Equal(expected, model.DispersionOf(key));
        }
    }

    [Fact]
    public void Bursty_keys_learn_a_larger_dispersion_than_steady_ones_in_one_model()
    {
        // 40 steady keys (hourly CV 0.2) and 40 bursty ones (CV 0.8) in one policy over 12 days: the grid's φ̂ (posterior
        // mean under the mixture prior) must separate them; without informative buckets both would stay at 0.1.
        var model = new BaselineModel<int>(Trigger(), GridOptions());
        var random = new Random(15);
        var keys = Enumerable.Range(0, 80).Select(u => ("k" + u.ToString(CultureInfo.InvariantCulture), u < 40 ? 0.2 : 0.8)).ToArray();
        for (var hour = 0; hour < 12 * 24; hour++)
        {
            ObserveHour(model, random, Origin.AddHours(hour), keys);
        }

        var steady = Enumerable.Range(0, 40).Select(u => (double)model.DispersionOf("k" + u.ToString(CultureInfo.InvariantCulture))!).Order().ToArray();
        var bursty = Enumerable.Range(40, 40).Select(u => (double)model.DispersionOf("k" + u.ToString(CultureInfo.InvariantCulture))!).Order().ToArray();
        Assert.InRange(steady[20], 0.01, 0.12);
        Assert.InRange(bursty[20], 0.35, 1.2);
        Assert.True(model.GridPriorState!.Current.Number >= 5);
    }

    [Fact]
    public void Keys_on_both_sides_of_a_grid_chunk_boundary_keep_their_own_evidence()
    {
        // The grid state is held in chunks of 1,024 handles: 2,048 keys take handles in both chunks, then keys around
        // handle 1,024 and at the end of the second chunk are active (steady and bursty alternating) while the others
        // stay idle. A handle addressed in the wrong chunk would show a key evidence that is not its own (its φ̂ would
        // not be its evidence's posterior mean, or an idle key would look informed).
        var model = new BaselineModel<int>(Trigger(), GridOptions());
        var keys = Enumerable.Range(0, 2048).Select(u => "k" + u.ToString(CultureInfo.InvariantCulture)).ToArray();
        foreach (var key in keys)
        {
            model.Observe(key, Origin, 0, out _);
        }

        var active = Enumerable.Range(1000, 50).Concat(Enumerable.Range(1998, 50)).ToArray();
        var random = new Random(1024);
        var activeKeys = active.Select(u => (keys[u], u % 2 == 0 ? 0.2 : 0.8)).ToArray();
        for (var hour = 1; hour < 12 * 24; hour++)
        {
            ObserveHour(model, random, Origin.AddHours(hour), activeKeys);
        }

        AssertEstimatesArePosteriorMeans(model, keys);
        var informed = keys.Where(k => model.GridStateOf(k) is { Informed: true }).ToHashSet();
        Assert.Subset(active.Select(u => keys[u]).ToHashSet(), informed);
        Assert.Equal(active.Length, informed.Count);
        foreach (var range in new[] { active[..50], active[50..] })
        {
            var steady = range.Where(u => u % 2 == 0).Select(u => (double)model.DispersionOf(keys[u])!).Order().ToArray();
            var bursty = range.Where(u => u % 2 == 1).Select(u => (double)model.DispersionOf(keys[u])!).Order().ToArray();
            Assert.True(bursty[bursty.Length / 2] > 2 * steady[steady.Length / 2], $"bursty {bursty[bursty.Length / 2]}, steady {steady[steady.Length / 2]}");
        }
    }

    [Fact]
    public void The_engines_switch_builds_the_grid_model()
    {
        // (Snapshots carry the grid: GridSnapshotProperties; the partitioned engine runs it through Process and the
        // staged phases: PartitionedGridProperties.)
        var policy = Policy();
        var options = new AlertEngineOptions { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = true };
        var detector = new AnomalyDetector(policy, (AnomalyTrigger)policy.Trigger, options, _ => { });
        Assert.True(detector.Model.HasGrid);
        using var single = new AlertPipeline([policy], options);
        Assert.Empty(single.Process(new Activity("x", Origin, "FileDownloaded") { UserId = "u" }));
    }

    /// <summary>A seed of <see cref="EngineStream"/>, and where to cut it (<see cref="CutStream"/>).</summary>
    internal static Arbitrary<(int Seed, int At, int Mode)> Cuts() =>
        (from seed in Gen.Choose(0, int.MaxValue)
         from at in Gen.Choose(0, 10_000)
         from mode in Gen.Choose(0, 2)
         select (seed, at, mode)).ToArbitrary();

    /// <summary>The indices of the activities whose time is on a later UTC day than the one before.</summary>
    internal static int[] Crossings(List<Activity> activities) =>
        Enumerable.Range(1, activities.Count - 1).Where(i => activities[i].Time.UtcTicks / TimeSpan.TicksPerDay > activities[i - 1].Time.UtcTicks / TimeSpan.TicksPerDay).ToArray();

    /// <summary><see cref="EngineStream"/> of the case's seed and the index to cut it at: mode 0 a random cut; 1 right after
    /// the activity that crossed a UTC day start (the scan and the lagged prior's step done, the totals pending); 2 right
    /// before it.</summary>
    internal static (List<Activity> Activities, int Cut) CutStream((int Seed, int At, int Mode) c)
    {
        var activities = EngineStream(c.Seed);
        var crossings = Crossings(activities);
        return (activities, c.Mode == 0 ? c.At % activities.Count : crossings[c.At % crossings.Length] + (c.Mode == 1 ? 1 : 0));
    }

    /// <summary>The case's stream (<see cref="CutStream"/>) run by one detector, and by another that
    /// <paramref name="restart"/> replaces at the cut by a restored one: both runs' detections and final detectors.</summary>
    internal static (List<string> Expected, List<string> Actual, AnomalyDetector Whole, AnomalyDetector Restored) RunWithRestart((int Seed, int At, int Mode) c, Func<AnomalyDetector, AnomalyDetector> restart)
    {
        var (activities, cut) = CutStream(c);
        var whole = GridDetector();
        var expected = activities.Select(a => Run(whole, a)).ToList();
        var first = GridDetector();
        var actual = activities.Take(cut).Select(a => Run(first, a)).ToList();
        var restored = restart(first);
        actual.AddRange(activities.Skip(cut).Select(a => Run(restored, a)));
        return (expected, actual, whole, restored);
    }

    [Property(MaxTest = 30)]
    public Property Restart_from_a_checkpoint_at_a_random_cut_equals_the_uninterrupted_run() =>
        Prop.ForAll(Cuts(), c =>
        {
            var (expected, actual, whole, restored) = RunWithRestart(c, first =>
            {
                var restored = GridDetector();
                restored.ReadState(new CheckpointReader(State(first)));
                return restored;
            });

            // (Some random streams fire nothing: that the streams fire is checked on a fixed one, EngineStream(3), in
            // A_checkpoint_of_the_other_model_restores_and_a_damaged_one_is_refused_with_invalid_data.)
            Assert.Equal(expected, actual);
            Assert.Equal(State(whole), State(restored));
            Assert.True(whole.Model.GridPriorState!.Current.Number >= 3);
        });

    [Fact]
    public void A_checkpoint_of_the_other_model_restores_and_a_damaged_one_is_refused_with_invalid_data()
    {
        var grid = GridDetector();
        var profileOnly = ProfileDetector();
        var fired = 0;
        foreach (var a in EngineStream(3))
        {
            fired += Run(grid, a).Length > 0 ? 1 : 0;
            Run(profileOnly, a);
        }

        Assert.True(fired > 0);

        var gridState = State(grid);
        Assert.Equal(-3, BitConverter.ToInt64(gridState, 0));
        Assert.Equal(-2, BitConverter.ToInt64(State(profileOnly), 0));

        // A valid state of the other model restores by the snapshot's mix rule (GridCheckpointMixProperties); a damaged
        // one is corrupt for either detector.
        var intoGrid = GridDetector();
        intoGrid.ReadState(new CheckpointReader(State(profileOnly)));
        Assert.Equal(-3, BitConverter.ToInt64(State(intoGrid), 0));
        var intoProfile = ProfileDetector();
        intoProfile.ReadState(new CheckpointReader(gridState));
        Assert.Equal(-2, BitConverter.ToInt64(State(intoProfile), 0));
        foreach (var length in new[] { 9, gridState.Length / 3, gridState.Length / 2, gridState.Length - 1 })
        {
            Assert.Throws<InvalidDataException>(() => GridDetector().ReadState(new CheckpointReader(gridState.AsSpan(0, length).ToArray())));
            Assert.Throws<InvalidDataException>(() => ProfileDetector().ReadState(new CheckpointReader(gridState.AsSpan(0, length).ToArray())));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void An_engine_checkpoint_under_the_other_switch_restores_every_policy_keeping_the_keys_levels_and_the_profile(bool savedWithGrid)
    {
        // A checkpoint written with the other switch restores by the snapshot's mix rule: nothing is skipped, every key
        // keeps its levels, learning clock and open buckets, the profile is kept, and the threshold policy beside it
        // keeps its state (the continuation against the rule's state: GridCheckpointMixProperties).
        static AlertEngineOptions Options(bool grid) => new() { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = grid };
        var threshold = Checkpoints.CheckpointStreams.Policy("t", "FileDeleted", new ThresholdTrigger(3, TimeSpan.FromMinutes(10), TriggerScope.User), new AggregationSettings(AggregationMode.Policy, TimeSpan.FromHours(1)));
        var stream = EngineStream(3);
        var cut = stream.Count / 2;
        var at = stream[..cut].Max(a => a.Time);
        Activity Deleted(string id) => new(id, at, "FileDeleted") { UserId = "alice" };

        using var before = new AlertPipeline([Policy(), threshold], Options(savedWithGrid));
        foreach (var activity in stream.Take(cut))
        {
            before.Process(activity);
        }

        before.Process(Deleted("d1"));
        before.Process(Deleted("d2"));
        using var saved = new MemoryStream();
        before.SaveCheckpoint(saved);
        saved.Position = 0;

        using var after = new AlertPipeline([Policy(), threshold], Options(!savedWithGrid));
        var result = after.RestoreCheckpoint(saved);
        Assert.Equal(["anomaly-user", "t"], result.Restored.Order(StringComparer.Ordinal));
        Assert.Empty(result.Skipped);
        Assert.Equal(AlertChangeKind.Created, Assert.Single(after.Process(Deleted("d3"))).Kind);

        var was = ((AnomalyDetector)before.DetectorOf("anomaly-user")!).Model.CreateSnapshot();
        var model = ((AnomalyDetector)after.DetectorOf("anomaly-user")!).Model;
        Assert.Equal(savedWithGrid, was.Grid is not null);
        Assert.Equal(!savedWithGrid, model.HasGrid);
        var now = model.CreateSnapshot();
        Assert.Equal(was.WatermarkTicks, now.WatermarkTicks);
        static IEnumerable<string> Learned(BaselineSnapshot s) =>
            s.Keys.Select(k => string.Join('|', k.Key, k.FirstTicks, k.NewestBucket, k.Folded, k.Dispersion, string.Join(',', k.Counts), string.Join(',', k.Levels), Convert.ToHexString(k.Samples)));
        Assert.Equal(Learned(was), Learned(now));
        Assert.Equal(was.Profile!.Sums, now.Profile!.Sums);
        Assert.Equal(was.Profile.Running, now.Profile.Running);
        Assert.Equal(was.Profile.NextFreeze, now.Profile.NextFreeze);
    }

    [Theory]
    [InlineData("flag", "has a bad flag")]
    [InlineData("not-informed", "has evidence but is not informed")]
    [InlineData("evidence", "the grid state of key '{0}': grid evidence has no grid point at the maximum (0)")]
    [InlineData("dispersion", "is not the posterior mean of its grid evidence")]
    [InlineData("pending-day", "pending grid totals are of day")]
    [InlineData("prior-day", "after the watermark's day")]
    public void A_damaged_grid_state_is_refused_as_corrupt_naming_the_field_and_the_key(string damage, string message)
    {
        var detector = GridDetector();
        foreach (var a in EngineStream(3))
        {
            Run(detector, a);
        }

        var model = detector.Model;
        var state = State(detector);
        var key = Enumerable.Range(0, 8).Select(u => "user" + u.ToString(CultureInfo.InvariantCulture)).First(k => model.GridStateOf(k) is { Informed: true });
        var grid = model.GridStateOf(key)!.Value;
        using var keyWriter = new CheckpointWriter();
        keyWriter.Write(true);
        GridCheckpoint.Write(keyWriter, grid.Evidence);
        var at = IndexOfOnly(state, keyWriter.Written.ToArray()); // the key's grid flag, then its evidence
        using var priorWriter = new CheckpointWriter();
        GridCheckpoint.Write(priorWriter, model.GridPriorState!);
        var priorAt = IndexOfOnly(state, priorWriter.Written.ToArray());
        var pendingFlagAt = priorAt + 4 + 4 + 8 + (GridLikelihood.Size * 8);
        Assert.True(model.GridPriorState!.HasPending);
        Assert.NotEqual(0, model.GridPriorState!.Current.Number);
        var watermarkDay = (int)(model.WatermarkTicks / TimeSpan.TicksPerDay);
        Assert.Equal(watermarkDay, model.GridPriorState!.PendingDay);

        var bytes = state.ToArray();
        switch (damage)
        {
            case "flag":
                bytes[at] = 2;
                break;
            case "not-informed":
                bytes[at] = 0;
                break;
            case "evidence":
                for (var k = 0; k < GridLikelihood.Size; k++)
                {
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at + 1 + (2 * k)), 7);
                }

                break;
            case "dispersion":
                // The key's stored φ̂ (in its record, before its grid state) one step off the posterior mean.
                var phi = BitConverter.GetBytes(model.DispersionOf(key)!.Value);
                var d = state.AsSpan(0, at).LastIndexOf(phi);
                Assert.True(d > 0);
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(d), BitConverter.SingleToInt32Bits(model.DispersionOf(key)!.Value) + 1);
                break;
            case "pending-day":
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(pendingFlagAt + 1), watermarkDay + 1);
                break;
            default:
                // No pending totals, and the prior in force from the day after the watermark's.
                bytes = [.. bytes[..pendingFlagAt], 0, .. bytes[(pendingFlagAt + 1 + 4 + 8 + (GridLikelihood.Size * 8))..]];
                System.Buffers.Binary.BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(priorAt + 4), watermarkDay + 1);
                break;
        }

        var error = Assert.Throws<InvalidDataException>(() => GridDetector().ReadState(new CheckpointReader(bytes)));
        Assert.StartsWith("Corrupt checkpoint: ", error.Message, StringComparison.Ordinal);

        // A detector without the grid, which drops the grid's state, refuses it the same way.
        Assert.Equal(error.Message, Assert.Throws<InvalidDataException>(() => ProfileDetector().ReadState(new CheckpointReader(bytes))).Message);
        Assert.Contains(string.Format(CultureInfo.InvariantCulture, message, key), error.Message, StringComparison.Ordinal);
        if (!damage.EndsWith("-day", StringComparison.Ordinal))
        {
            Assert.Contains($"key '{key}'", error.Message, StringComparison.Ordinal);
        }

        // The undamaged state restores.
        var restored = GridDetector();
        restored.ReadState(new CheckpointReader(state));
        Assert.Equal(state, State(restored));
    }

    [Fact]
    public void A_checkpoint_read_into_a_detector_that_already_ran_is_refused_before_it_changes_the_prior()
    {
        var activities = EngineStream(3);
        var saved = GridDetector();
        foreach (var a in activities)
        {
            Run(saved, a);
        }

        var running = GridDetector();
        foreach (var a in activities.Take(activities.Count / 2))
        {
            Run(running, a);
        }

        var prior = running.Model.GridPriorState!;
        var before = (prior.Current, prior.PendingDay, Pending: prior.PendingTotals.ToArray());
        Assert.NotEqual(saved.Model.GridPriorState!.Current.Number, prior.Current.Number);
        Assert.Throws<InvalidOperationException>(() => running.ReadState(new CheckpointReader(State(saved))));
        Assert.Same(before.Current, prior.Current);
        Assert.Equal(before.PendingDay, prior.PendingDay);
        Assert.Equal(before.Pending, prior.PendingTotals.ToArray());
    }

    private static int IndexOfOnly(byte[] bytes, byte[] part)
    {
        var at = bytes.AsSpan().IndexOf(part);
        Assert.True(at >= 0);
        Assert.Equal(-1, bytes.AsSpan(at + 1).IndexOf(part));
        return at;
    }

    /// <summary>Six users: six days of hourly traffic, then two-day stretches after gaps of 2, 31, 32, 33 and 40 UTC day
    /// starts (the gap's first activity is on the day that many days after the last one's).</summary>
    private static List<(long Ticks, int User)> GappedStream(int seed)
    {
        var list = Stream(seed, 6, days: 6);
        var originDay = Origin.UtcTicks / TimeSpan.TicksPerDay;
        var gap = 0;
        foreach (var days in new[] { 2, 31, 32, 33, 40 })
        {
            var lastDay = list[^1].Ticks / TimeSpan.TicksPerDay;
            var shift = (lastDay + days - originDay) * TimeSpan.TicksPerDay;
            list.AddRange(Stream(seed + ++gap, 6, days: 2).Select(e => (e.Ticks + shift, e.User)));
        }

        return list;
    }

    [Property(MaxTest = 12)]
    public Property A_clock_jump_runs_the_day_starts_one_at_a_time_and_at_most_the_last_32_as_a_naive_day_by_day_oracle() =>
        Prop.ForAll(Gen.Choose(0, int.MaxValue).ToArbitrary(), seed =>
        {
            // The documented behaviour (BaselineModel.MoveGridDay): a jump across n UTC day starts processes them one by
            // one, in order, the last min(n, 32) of them (every key idle meanwhile: one more EM step on the same
            // evidence each). The oracle: the state before the jump, stepped a day at a time over those days with a naive
            // sum of the informed keys' posteriors. Keys are retained across the longest gap (retention 60 days).
            var model = new BaselineModel<int>(Trigger(), GridOptions(retention: TimeSpan.FromDays(60)));
            var keys = Enumerable.Range(0, 6).Select(u => "user" + u.ToString(CultureInfo.InvariantCulture)).ToArray();
            var prior = model.GridPriorState!;
            var jumps = new List<long>();
            foreach (var (ticks, user) in GappedStream(seed))
            {
                var day = ticks / TimeSpan.TicksPerDay;
                if (model.GridDay != long.MinValue && day > model.GridDay && ticks > model.WatermarkTicks)
                {
                    var from = model.GridDay;
                    var oracle = new LaggedGridPrior();
                    GridPriorTotals? pending = null;
                    if (prior.HasPending)
                    {
                        pending = new GridPriorTotals();
                        pending.Set(prior.PendingTotals, prior.PendingKeys);
                    }

                    oracle.Restore(prior.Current, pending, prior.PendingDay);
                    var informed = keys.Select(k => model.GridStateOf(k)).Where(g => g is { Informed: true }).Select(g => g!.Value.Evidence).ToArray();
                    var posterior = new double[GridLikelihood.Size];
                    for (var d = from + 1; d <= day; d++)
                    {
                        if (day - d >= 32)
                        {
                            continue; // more than 32 day starts in one jump: only the last 32 run
                        }

                        oracle.ApplyPending((int)d);
                        var totals = new GridPriorTotals();
                        foreach (var evidence in informed)
                        {
                            GridEvidenceMath.PosteriorMean(evidence, oracle.Current.LogWeights, posterior);
                            totals.Add(posterior);
                        }

                        oracle.SetPending(totals, (int)d);
                    }

                    model.AdvanceTo(ticks);
                    jumps.Add(day - from);
                    Assert.Equal(day, model.GridDay);
                    Assert.Equal(oracle.Current.Number, prior.Current.Number);
                    Assert.Equal(oracle.Current.Day, prior.Current.Day);
                    Assert.Equal(oracle.Current.Totals.ToArray(), prior.Current.Totals.ToArray());
                    Assert.Equal(oracle.Current.LogWeights.ToArray(), prior.Current.LogWeights.ToArray());
                    Assert.Equal(oracle.PendingDay, prior.PendingDay);
                    Assert.Equal(oracle.PendingTotals.ToArray(), prior.PendingTotals.ToArray());
                    Assert.Equal(oracle.PendingKeys, prior.PendingKeys);
                    AssertEstimatesArePosteriorMeans(model, keys);
                    if (day - from > 1)
                    {
                        Assert.True(informed.Length > 0, $"no informed key before the jump of {day - from} days");
                    }
                }

                model.Observe(keys[user], new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
            }

            foreach (var gap in new[] { 2L, 31, 32, 33, 40 })
            {
                Assert.Contains(gap, jumps);
            }
        });

    [Property(MaxTest = 12)]
    public Property Restart_from_a_checkpoint_cut_inside_a_gap_equals_the_uninterrupted_run() =>
        Prop.ForAll(
            (from seed in Gen.Choose(0, int.MaxValue)
             from gap in Gen.Choose(0, 4)
             from daysIn in Gen.Choose(0, 45)
             select (seed, gap, daysIn)).ToArbitrary(),
            c =>
        {
            // The cut after the last activity before gap number `gap`; the clock moved `daysIn` days into the gap first
            // (0: not moved), in both runs; the restored detector then takes the jump (the engine's retention of 30
            // days retires every key in the longer gaps).
            var (seed, gap, daysIn) = c;
            var n = 0;
            var activities = GappedStream(seed).Select(e => new Activity("e" + n++.ToString(CultureInfo.InvariantCulture), new DateTimeOffset(e.Ticks, TimeSpan.Zero), "FileDownloaded") { UserId = "user" + e.User.ToString(CultureInfo.InvariantCulture) }).ToList();
            var gaps = Enumerable.Range(1, activities.Count - 1).Where(i => activities[i].Time.UtcTicks / TimeSpan.TicksPerDay - (activities[i - 1].Time.UtcTicks / TimeSpan.TicksPerDay) >= 2).ToArray();
            Assert.Equal(5, gaps.Length);
            var cut = gaps[gap];
            var moveTo = daysIn == 0 ? (long?)null : Math.Min(activities[cut - 1].Time.UtcTicks + (daysIn * TimeSpan.TicksPerDay), activities[cut].Time.UtcTicks - 1);

            var whole = GridDetector();
            var expected = new List<string>();
            for (var i = 0; i < activities.Count; i++)
            {
                if (i == cut && moveTo is { } m)
                {
                    whole.Model.AdvanceTo(m);
                }

                expected.Add(Run(whole, activities[i]));
            }

            var first = GridDetector();
            var actual = activities.Take(cut).Select(a => Run(first, a)).ToList();
            if (moveTo is { } move)
            {
                first.Model.AdvanceTo(move);
            }

            var restored = GridDetector();
            restored.ReadState(new CheckpointReader(State(first)));
            Assert.Equal(first.Model.GridDay, restored.Model.GridDay);
            actual.AddRange(activities.Skip(cut).Select(a => Run(restored, a)));

            // The same state; the checkpoint's bytes may order the keys otherwise (keys retired in the gap free their
            // handles, which new keys reuse in another order than a restored model's).
            Assert.Equal(expected, actual);
            Assert.Equal(Describe(whole.Model), Describe(restored.Model));
            Assert.Equal(State(whole).Length, State(restored).Length);
        });

    /// <summary>The model's grid state and every user's φ̂ and grid state, independent of handle order.</summary>
    private static string Describe(BaselineModel<Activity> model)
    {
        var prior = model.GridPriorState!;
        var text = new System.Text.StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{model.WatermarkTicks}|{model.GridDay}|{prior.Current.Number}|{prior.Current.Day}|{string.Join(",", prior.Current.Totals.ToArray())}|{prior.HasPending}|{prior.PendingDay}|{prior.PendingKeys}|{string.Join(",", prior.PendingTotals.ToArray())}");
        for (var u = 0; u < 6; u++)
        {
            var key = "user" + u.ToString(CultureInfo.InvariantCulture);
            text.Append(CultureInfo.InvariantCulture, $";{key}:{model.DispersionOf(key)?.ToString("R", CultureInfo.InvariantCulture)}");
            if (model.GridStateOf(key) is { } g)
            {
                var evidence = g.Evidence;
                text.Append(CultureInfo.InvariantCulture, $":{g.Informed}");
                for (var k = 0; k < GridLikelihood.Size; k++)
                {
                    text.Append(CultureInfo.InvariantCulture, $",{evidence[k]}");
                }
            }
        }

        return text.ToString();
    }

    [Fact]
    public void A_key_retired_by_the_retention_leaves_no_evidence_to_the_new_key_that_reuses_its_handle()
    {
        // "old" is informed, then idle beyond the retention (3 days) while "a" and "b" go on: it is retired, the next
        // day start sums only the tracked keys, and "new" takes its handle (the free list) with empty evidence.
        var model = new BaselineModel<int>(Trigger(), GridOptions(retention: TimeSpan.FromDays(3)));
        var keysField = typeof(BaselineModel<int>).GetField("_keys", System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic)!;
        int HandleOf(string key) => Array.IndexOf((string?[])keysField.GetValue(model)!, key);
        var names = new[] { "a", "b", "old" };
        var stream = Stream(5, 3, days: 12);
        var oldHandle = -1;
        var retired = false;
        foreach (var (ticks, user) in stream)
        {
            var time = new DateTimeOffset(ticks, TimeSpan.Zero);
            if (user == 2 && time >= Origin.AddDays(6))
            {
                continue; // "old" stops after six days
            }

            model.Observe(names[user], time, 0, out _);
            if (oldHandle < 0 && model.GridStateOf("old") is { Informed: true })
            {
                oldHandle = HandleOf("old");
            }

            if (!retired && oldHandle >= 0 && model.GridStateOf("old") is null)
            {
                retired = true;
            }
        }

        Assert.True(oldHandle >= 0, "the key to retire was never informed");
        Assert.True(retired);
        Assert.Null(model.GridStateOf("old"));
        Assert.Equal(2, model.GridPriorState!.PendingKeys); // "a" and "b" (informed), not the retired key
        Assert.True(model.GridStateOf("a")!.Value.Informed && model.GridStateOf("b")!.Value.Informed);

        model.Observe("new", Origin.AddDays(12).AddMinutes(1), 0, out _);
        Assert.Equal(oldHandle, HandleOf("new"));
        var state = model.GridStateOf("new")!.Value;
        Assert.False(state.Informed);
        var evidence = state.Evidence;
        for (var k = 0; k < GridLikelihood.Size; k++)
        {
            Assert.Equal(0, evidence[k]);
        }

        Assert.Equal(BaselineMath.InitialDispersion, model.DispersionOf("new"));
        model.AdvanceTo(Origin.AddDays(13).AddMinutes(1).UtcTicks);
        Assert.Equal(2, model.GridPriorState!.PendingKeys);
        AssertEstimatesArePosteriorMeans(model, ["a", "b", "new"]);
    }

    internal static AnomalyDetector GridDetector() =>
        new(Policy(), (AnomalyTrigger)Policy().Trigger, new AlertEngineOptions { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = true, MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) }, _ => { });

    /// <summary>The engine's detector with the population profile and without the grid (otherwise as <see cref="GridDetector"/>).</summary>
    internal static AnomalyDetector ProfileDetector() =>
        new(Policy(), (AnomalyTrigger)Policy().Trigger, new AlertEngineOptions { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = false, MaxActivitiesPerAlert = 3, AllowedLateness = TimeSpan.FromMinutes(30) }, _ => { });

    /// <summary>The engine's calls for one activity (Pass, then Observe); the detection, described, or "".</summary>
    internal static string Run(AnomalyDetector detector, Activity activity)
    {
        detector.Pass(activity);
        return detector.Observe(activity) is { } d ? $"{d.ScopeKey}|{d.Time.UtcTicks}|{d.HitCount}|{d.Anomaly}" : "";
    }

    internal static byte[] State(AnomalyDetector detector)
    {
        using var writer = new CheckpointWriter();
        detector.WriteState(writer);
        return writer.Written.ToArray();
    }

    /// <summary>Eight users over six days with bursts, a few late activities (within the lateness), in arrival order.</summary>
    internal static List<Activity> EngineStream(int seed)
    {
        var random = new Random(seed);
        var list = new List<Activity>();
        var n = 0;
        foreach (var (ticks, user) in Stream(seed, 8, days: 6, burstEvery: 100))
        {
            var time = new DateTimeOffset(ticks, TimeSpan.Zero);
            if (random.Next(50) == 0)
            {
                time -= TimeSpan.FromMinutes(random.Next(20));
            }

            list.Add(new Activity("e" + n++.ToString(CultureInfo.InvariantCulture), time, "FileDownloaded") { UserId = "user" + user.ToString(CultureInfo.InvariantCulture) });
        }

        return list;
    }

    [Fact]
    public void The_engines_detector_with_the_grid_fires_as_the_model_it_wraps()
    {
        var policy = Policy();
        var options = new AlertEngineOptions { AnomalyProfileFitLimit = BaselineMath.ProfileFitDefault, AnomalyDispersionGrid = true, MaxActivitiesPerAlert = 1 };
        using var pipeline = new AlertPipeline([policy], options);
        var model = new BaselineModel<int>((AnomalyTrigger)policy.Trigger, new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = true, MaxActivitiesPerDetection = 1, AllowedLateness = options.AllowedLateness });
        var engine = new List<long>();
        var direct = new List<long>();
        var n = 0;
        foreach (var (ticks, user) in Stream(7, 20, days: 10, burstEvery: 150))
        {
            var key = "user" + user.ToString(CultureInfo.InvariantCulture);
            var time = new DateTimeOffset(ticks, TimeSpan.Zero);
            if (model.Observe(key, time, 0, out _) == AnomalyOutcome.Detected)
            {
                direct.Add(ticks);
            }

            foreach (var change in pipeline.Process(new Activity("a" + n++.ToString(CultureInfo.InvariantCulture), time, "FileDownloaded") { UserId = key }))
            {
                // One alert per detection (no aggregation): the activity that fired it is the one just processed.
                engine.Add(ticks);
            }
        }

        Assert.NotEmpty(direct);
        Assert.Equal(direct, engine);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Steady_state_with_the_grid_allocates_nothing_per_activity(bool grid)
    {
        // 60 learned keys at a steady 12 an hour (nothing fires): every bucket change folds an informative bucket into
        // the grid. Each day's hours 1–23 must allocate nothing; the first hour of a day (its first activity crosses the
        // UTC day start: the scan over every key and the lagged prior's step, which builds the new immutable prior, two
        // arrays of 24) at most 1 KB whatever the number of keys.
        const int Keys = 60;
        const int PerHour = 12;
        const int Days = 8;
        var options = new AnomalyDetectorOptions { ProfileFitLimit = BaselineMath.ProfileFitDefault, DispersionGrid = grid, MaxActivitiesPerDetection = 0 };
        var model = new BaselineModel<int>(Trigger(), options);
        var keys = Enumerable.Range(0, Keys).Select(u => "key" + u.ToString(CultureInfo.InvariantCulture)).ToArray();
        var perHour = Keys * PerHour;
        var times = new long[Days * 24 * perHour];
        var owners = new int[times.Length];
        var start = new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero).UtcTicks;
        for (var i = 0; i < times.Length; i++)
        {
            var hour = i / perHour;
            var within = i % perHour;
            times[i] = start + (hour * TimeSpan.TicksPerHour) + (within * (TimeSpan.TicksPerHour / perHour));
            owners[i] = within % Keys;
        }

        var detections = 0;
        void Hours(int from, int to)
        {
            for (var i = from * perHour; i < to * perHour; i++)
            {
                if (model.Observe(keys[owners[i]], new DateTimeOffset(times[i], TimeSpan.Zero), 0, out _) == AnomalyOutcome.Detected)
                {
                    detections++;
                }
            }
        }

        Hours(0, 4 * 24);
        var crossing = 0L;
        var withinDay = long.MaxValue;
        for (var day = 4; day < Days; day++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            Hours(day * 24, (day * 24) + 1);
            crossing = Math.Max(crossing, GC.GetAllocatedBytesForCurrentThread() - before);
            before = GC.GetAllocatedBytesForCurrentThread();
            Hours((day * 24) + 1, (day + 1) * 24);
            withinDay = Math.Min(withinDay, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, withinDay);
        Assert.InRange(crossing, 0, grid ? 1024 : 0);
        Assert.Equal(0, detections);
        Assert.Equal(grid, model.HasGrid);
        if (grid)
        {
            Assert.True(model.GridStateOf("key0")!.Value.Informed);
            Assert.True(model.GridPriorState!.Current.Number >= 4);
        }
    }

    internal static AlertPolicy Policy() => Checkpoints.CheckpointStreams.Policy(
        "anomaly-user", "FileDownloaded", new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(2), AnomalySensitivity.High, TimeSpan.FromHours(1)), new AggregationSettings(AggregationMode.None));

    /// <summary>Hourly traffic of <paramref name="users"/> keys over <paramref name="days"/> days in time order: office
    /// hours busier, a per-key rate and burstiness, a few bursts.</summary>
    private static List<(long Ticks, int User)> Stream(int seed, int users, int days, int burstEvery = 400)
    {
        var random = new Random(seed);
        var rates = Enumerable.Range(0, users).Select(_ => 3 + (15 * random.NextDouble())).ToArray();
        var cvs = Enumerable.Range(0, users).Select(_ => 0.2 + (0.7 * random.NextDouble())).ToArray();
        var list = new List<(long, int)>();
        for (var hour = 0; hour < days * 24; hour++)
        {
            var start = Origin.AddHours(hour);
            var shape = start.Hour is >= 8 and < 18 ? 1.0 : 0.2;
            for (var u = 0; u < users; u++)
            {
                var cv = cvs[u];
                var count = GridReference.Poisson(random, rates[u] * shape * GridReference.Gamma(random, 1 / (cv * cv)) * cv * cv);
                if (random.Next(burstEvery) == 0)
                {
                    count += 30 + random.Next(40);
                }

                for (var i = 0; i < count; i++)
                {
                    list.Add((start.UtcTicks + random.NextInt64(TimeSpan.TicksPerHour), u));
                }
            }
        }

        list.Sort();
        return list;
    }

    /// <summary>One hour from <paramref name="start"/> of gamma-Poisson activity (12 an hour on average, each key's
    /// hourly CV) for every key, observed in time order.</summary>
    private static void ObserveHour(BaselineModel<int> model, Random random, DateTimeOffset start, IEnumerable<(string Key, double Cv)> keys)
    {
        var events = new List<(long, string)>();
        foreach (var (key, cv) in keys)
        {
            var count = GridReference.Poisson(random, 12 * GridReference.Gamma(random, 1 / (cv * cv)) * cv * cv);
            for (var i = 0; i < count; i++)
            {
                events.Add((start.UtcTicks + random.NextInt64(TimeSpan.TicksPerHour), key));
            }
        }

        events.Sort();
        foreach (var (ticks, key) in events)
        {
            model.Observe(key, new DateTimeOffset(ticks, TimeSpan.Zero), 0, out _);
        }
    }
}
