using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>
/// The checkpoint contract: for any stream and any cut point i, A over the whole stream gives the same detections (times,
/// activities, hit counts, reasons) and diagnostics as B over stream[..i], WriteState, ReadState into a fresh C, then C
/// over stream[i..].
/// </summary>
public class WindowedCheckpointPropertyTests
{
    [Property(MaxTest = 200, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Distinct_restarts_from_a_checkpoint_at_any_cut(WindowedScenario s, NonNegativeInt cut) =>
        Restart(WindowedTriggerPropertyTests.DistinctDetector(s), s.Activities(), cut.Get);

    [Property(MaxTest = 200, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Sum_restarts_from_a_checkpoint_at_any_cut(WindowedScenario s, NonNegativeInt cut) =>
        Restart(WindowedTriggerPropertyTests.SumDetector(s), s.Activities(), cut.Get);

    [Property(MaxTest = 200, Arbitrary = [typeof(WindowedArbitraries)])]
    public Property Spike_restarts_from_a_checkpoint_at_any_cut(WindowedScenario s, NonNegativeInt cut) =>
        Restart(WindowedTriggerPropertyTests.SpikeDetector(s), s.Activities(), cut.Get);

    [Fact]
    public void A_truncated_or_corrupt_state_is_InvalidDataException()
    {
        var scenario = new WindowedScenario
        {
            Count = 5, WindowSeconds = 60, ResolutionSeconds = 1, LatenessSeconds = 0, MaxItems = 1000, Threshold = 400,
            Ratio = 2, MinCount = 1, MinReference = 1, UseClientIp = false,
            Steps = [.. Enumerable.Range(0, 12).Select(i => new WindowedStep(1 + (i % 2), 1, i, false, 0))],
        };
        foreach (var create in new[] { WindowedTriggerPropertyTests.DistinctDetector(scenario), WindowedTriggerPropertyTests.SumDetector(scenario), WindowedTriggerPropertyTests.SpikeDetector(scenario) })
        {
            var detector = create(_ => { });
            foreach (var a in scenario.Activities())
            {
                detector.Observe(a);
            }

            using var writer = new CheckpointWriter();
            detector.WriteState(writer);
            var bytes = writer.Written.ToArray();
            Assert.Throws<InvalidDataException>(() => create(_ => { }).ReadState(new CheckpointReader(bytes.AsMemory(0, bytes.Length - 3))));

            // A watermark moved before the keys' newest times: the keys no longer fit.
            var corrupt = bytes.ToArray();
            BitConverter.TryWriteBytes(corrupt.AsSpan(0, 8), 0L);
            Assert.Throws<InvalidDataException>(() => create(_ => { }).ReadState(new CheckpointReader(corrupt)));
        }
    }

    private static Property Restart(Func<Action<EngineDiagnostic>, IPolicyDetector> create, IReadOnlyList<Activity> activities, int cut)
    {
        var split = cut % (activities.Count + 1);
        var expected = WindowedCompare.Run(create, activities);

        var diagnostics = new List<(string, DiagnosticKind)>();
        var detections = new List<Detection>();
        var before = create(d => diagnostics.Add((d.ActivityId!, d.Kind)));
        detections.AddRange(activities.Take(split).Select(before.Observe).OfType<Detection>());
        using var writer = new CheckpointWriter();
        before.WriteState(writer);
        var after = create(d => diagnostics.Add((d.ActivityId!, d.Kind)));
        var reader = new CheckpointReader(writer.Written.ToArray());
        after.ReadState(reader);
        var consumed = reader.AtEnd;
        detections.AddRange(activities.Skip(split).Select(after.Observe).OfType<Detection>());

        var e = WindowedCompare.Describe(expected.Detections);
        var a = WindowedCompare.Describe(detections);
        var ed = WindowedCompare.Describe(expected.Diagnostics);
        var ad = WindowedCompare.Describe(diagnostics);
        return (consumed && e.SequenceEqual(a) && ed.SequenceEqual(ad))
            .Label($"split at {split}, consumed {consumed}: detections " + WindowedCompare.Explain(e, a) + "; diagnostics " + WindowedCompare.Explain(ed, ad));
    }
}
