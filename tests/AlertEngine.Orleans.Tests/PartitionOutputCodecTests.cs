namespace AlertEngine.Orleans.Tests;

public class PartitionOutputCodecTests
{
    private static readonly DateTimeOffset T = new(2026, 3, 2, 9, 0, 0, TimeSpan.Zero);

    private static readonly AlertPolicy[] Policies =
    [
        new() { Id = "p0", Name = "P0", Operations = ["Op"] },
        new() { Id = "p1", Name = "P1", Operations = ["Op"], Trigger = new ThresholdTrigger(3, TimeSpan.FromMinutes(5), TriggerScope.User) },
    ];

    public static TheoryData<DetectionReason?> Reasons() => new(
        (DetectionReason?)null,
        new DistinctValues(3, ["a", "b", "c"]),
        new NewValueSeen("10.0.0.1", T.AddDays(-3)),
        new SilenceObserved(TimeSpan.FromHours(2), T.AddHours(-2)),
        new SpikeCounts(12, 3),
        new SumTotal(5000.5));

    [Theory]
    [MemberData(nameof(Reasons))]
    public void Detections_round_trip_with_their_reason_and_score(DetectionReason? reason)
    {
        var a1 = new Activity("a1", T, "Op") { UserId = "alice" };
        var a2 = new Activity("a2", T.AddSeconds(5), "Op") { UserId = "alice", Properties = new Dictionary<string, string> { ["Bytes"] = "7" } };
        var detection = new Detection(T.AddSeconds(5), a2, [a1, a2], 4, "alice") { PolicyId = "p1", Anomaly = new AnomalyScore(9, 2.5, 3.1), Reason = reason };
        var output = new PartitionOutput();
        output.Add(new PartitionEvent(41, 3, T.Ticks, 7, PartitionEventKind.Detection, 1, detection));

        var decoded = RoundTrip(output);

        var e = Assert.Single(decoded.Events);
        Assert.Equal((41L, 3, T.Ticks, 7L, PartitionEventKind.Detection, 1), (e.Sequence, e.Order, e.Due, e.Arrival, e.Kind, e.Policy));
        var d = Assert.IsType<Detection>(e.Payload);
        Assert.Equal(detection.Time, d.Time);
        Assert.Equal("a2", d.TriggeringActivity.Id);
        Assert.Equal(["a1", "a2"], d.Activities.Select(x => x.Id));
        Assert.Equal("7", d.Activities[1].Properties["Bytes"]);
        Assert.Equal((4, "alice", "p1"), (d.HitCount, d.ScopeKey, d.PolicyId));
        Assert.Equal(detection.Anomaly, d.Anomaly);
        if (reason is DistinctValues distinct)
        {
            var back = Assert.IsType<DistinctValues>(d.Reason);
            Assert.Equal(distinct.Count, back.Count);
            Assert.Equal(distinct.Values, back.Values);
        }
        else
        {
            Assert.Equal(reason, d.Reason);
        }
    }

    [Fact]
    public void Warnings_diagnostics_and_errors_round_trip_in_order()
    {
        var activity = new Activity("a1", T, "Op") { UserId = "bob" };
        var output = new PartitionOutput();
        output.Add(new PartitionEvent(1, 2, long.MinValue, long.MinValue, PartitionEventKind.EarlyWarning, 1, new EarlyWarning(Policies[1], activity, "bob")));
        output.Add(new PartitionEvent(1, 3, long.MinValue, long.MinValue, PartitionEventKind.Diagnostic, 1, new EngineDiagnostic(DiagnosticKind.MissingScopeKey, "a1", "p1", "no user")));
        output.Add(new PartitionEvent(2, 2, long.MinValue, long.MinValue, PartitionEventKind.EvaluationError, 0, new FormatException("bad number")));

        var events = RoundTrip(output).Events;

        Assert.Equal(3, events.Count);
        var warning = Assert.IsType<EarlyWarning>(events[0].Payload);
        Assert.Same(Policies[1], warning.Policy);
        Assert.Equal(("a1", "bob"), (warning.Activity.Id, warning.ScopeKey));
        Assert.Equal(new EngineDiagnostic(DiagnosticKind.MissingScopeKey, "a1", "p1", "no user"), events[1].Payload);
        var error = Assert.IsType<RemoteEvaluationException>(events[2].Payload);
        Assert.Equal(("bad number", typeof(FormatException).FullName), (error.Message, error.TypeName));
    }

    [Fact]
    public void An_event_naming_no_policy_is_invalid_data()
    {
        var output = new PartitionOutput();
        output.Add(new PartitionEvent(1, 0, 0, 0, PartitionEventKind.Diagnostic, 5, new EngineDiagnostic(DiagnosticKind.InvalidInput, null, null, "x")));
        var bytes = PartitionOutputCodec.Encode(output);
        Assert.Throws<InvalidDataException>(() => PartitionOutputCodec.Decode(bytes, Policies, new PartitionOutput()));
    }

    private static PartitionOutput RoundTrip(PartitionOutput output)
    {
        var decoded = new PartitionOutput();
        PartitionOutputCodec.Decode(PartitionOutputCodec.Encode(output), Policies, decoded);
        return decoded;
    }
}
