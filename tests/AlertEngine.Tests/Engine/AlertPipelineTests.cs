using static AlertEngine.Tests.TestData;

namespace AlertEngine.Tests.Engine;

public class AlertPipelineTests
{
    [Fact]
    public void Every_time_policy_creates_an_alert_with_a_deterministic_id_and_the_policy_fields()
    {
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }]);

        var changes = pipeline.Process(Act("a1", 0));

        var change = Assert.Single(changes);
        Assert.Equal(AlertChangeKind.Created, change.Kind);
        var alert = change.Alert;
        Assert.Equal("p1:a1", alert.Id);
        Assert.Equal("p1", alert.PolicyId);
        Assert.Equal("Policy p1", alert.PolicyName);
        Assert.Equal(AlertSeverity.High, alert.Severity);
        Assert.Equal(AlertCategory.ThreatManagement, alert.Category);
        Assert.Equal(AlertStatus.Active, alert.Status);
        Assert.Equal(Alert.EngineSource, alert.Source);
        Assert.Equal(T0, alert.CreatedAt);
        Assert.Equal(1, alert.HitCount);
        Assert.Equal(["alice@contoso.com"], alert.Users);
        Assert.Equal("a1", Assert.Single(alert.Activities).Id);
    }

    [Fact]
    public void An_activity_only_meets_policies_that_track_its_operation_case_insensitively()
    {
        using var pipeline = new AlertPipeline([EveryTime("del", "FileDeleted"), EveryTime("fwd", "MailRedirect")]);

        Assert.Empty(pipeline.Process(Act("a1", 0, "FileUploaded")));
        var change = Assert.Single(pipeline.Process(Act("a2", 1, "mailredirect")));
        Assert.Equal("fwd", change.Alert.PolicyId);
    }

    [Fact]
    public void A_policy_listing_an_operation_twice_fires_once_per_activity()
    {
        using var pipeline = new AlertPipeline([EveryTime("p", "FileDeleted", "filedeleted")]);
        Assert.Single(pipeline.Process(Act("a1", 0)));
    }

    [Fact]
    public void Disabled_policies_do_not_detect()
    {
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Enabled = false }]);
        Assert.Empty(pipeline.Process(Act("a1", 0)));
        Assert.Equal(0, pipeline.Statistics.Detections);
    }

    [Fact]
    public void A_duplicate_id_within_the_horizon_is_counted_and_not_evaluated_again()
    {
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }]);
        var diagnostics = new List<EngineDiagnostic>();
        using var sub = pipeline.Diagnostics.Subscribe(diagnostics.Add);

        pipeline.Process(Act("a1", 0));
        var again = pipeline.Process(Act("a1", 10));

        Assert.Empty(again);
        Assert.Equal(1, pipeline.Statistics.Duplicates);
        Assert.Equal(1, pipeline.Statistics.Detections);
        Assert.Equal(DiagnosticKind.Duplicate, Assert.Single(diagnostics).Kind);
    }

    [Fact]
    public void An_id_seen_longer_ago_than_the_horizon_is_evaluated_again()
    {
        var options = new AlertEngineOptions { DuplicateHorizon = TimeSpan.FromMinutes(1) };
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }], options);

        pipeline.Process(Act("a1", 0));
        pipeline.Process(Act("b", 60));
        var again = pipeline.Process(Act("a1", 61));

        Assert.Single(again);
        Assert.Equal(0, pipeline.Statistics.Duplicates);
    }

    [Fact]
    public void An_activity_older_than_the_allowed_lateness_is_late_reported_and_not_evaluated()
    {
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }]);
        var diagnostics = new List<EngineDiagnostic>();
        using var sub = pipeline.Diagnostics.Subscribe(diagnostics.Add);

        pipeline.Process(Act("a1", 10));
        Assert.Single(pipeline.Process(Act("a2", 10)));   // equal time is never late
        Assert.Empty(pipeline.Process(Act("a3", 9)));

        Assert.Equal(1, pipeline.Statistics.Late);
        var late = Assert.Single(diagnostics);
        Assert.Equal(DiagnosticKind.Late, late.Kind);
        Assert.Equal("a3", late.ActivityId);
    }

    [Fact]
    public void An_activity_within_the_allowed_lateness_is_evaluated()
    {
        var options = new AlertEngineOptions { AllowedLateness = TimeSpan.FromSeconds(5) };
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }], options);

        pipeline.Process(Act("a1", 10));
        Assert.Single(pipeline.Process(Act("a2", 5)));
        Assert.Empty(pipeline.Process(Act("a3", 4)));
        Assert.Equal(1, pipeline.Statistics.Late);
    }

    [Fact]
    public void Detections_inside_the_interval_join_the_open_alert_and_the_edge_opens_a_new_one()
    {
        var policy = EveryTime("p1") with { Aggregation = new(AggregationMode.Policy, TimeSpan.FromMinutes(1)) };
        using var pipeline = new AlertPipeline([policy]);

        var first = Assert.Single(pipeline.Process(Act("a1", 0, user: "alice")));
        var joined = Assert.Single(pipeline.Process(Act("a2", 59, user: "bob")));
        var edge = Assert.Single(pipeline.Process(Act("a3", 60, user: "alice")));

        Assert.Equal(AlertChangeKind.Created, first.Kind);
        Assert.Equal(AlertChangeKind.Updated, joined.Kind);
        Assert.Equal("p1:a1", joined.Alert.Id);
        Assert.Equal(2, joined.Alert.HitCount);
        Assert.Equal(["alice", "bob"], joined.Alert.Users);
        Assert.Equal(["a1", "a2"], joined.Alert.Activities.Select(a => a.Id));
        Assert.Equal(T0.AddSeconds(59), joined.Alert.LastActivityAt);
        Assert.Equal(AlertChangeKind.Created, edge.Kind);
        Assert.Equal("p1:a3", edge.Alert.Id);
    }

    [Theory]
    [InlineData(Plan.E5, 60)]
    [InlineData(Plan.E3, 900)]
    public void The_default_interval_comes_from_the_plan(Plan plan, int seconds)
    {
        using var pipeline = new AlertPipeline([EveryTime("p1")], new AlertEngineOptions { Plan = plan });

        pipeline.Process(Act("a1", 0));
        Assert.Equal(AlertChangeKind.Updated, Assert.Single(pipeline.Process(Act("a2", seconds - 1))).Kind);
        Assert.Equal(AlertChangeKind.Created, Assert.Single(pipeline.Process(Act("a3", seconds))).Kind);
    }

    [Fact]
    public void The_activity_list_is_capped_but_the_hit_count_is_not()
    {
        using var pipeline = new AlertPipeline([EveryTime("p1")], new AlertEngineOptions { MaxActivitiesPerAlert = 2 });
        AlertChange? last = null;
        for (var i = 0; i < 5; i++)
        {
            last = Assert.Single(pipeline.Process(Act("a" + i, i)));
        }

        Assert.Equal(5, last!.Alert.HitCount);
        Assert.Equal(["a0", "a1"], last.Alert.Activities.Select(a => a.Id));
        Assert.True(last.Alert.ActivitiesTruncated);
    }

    [Fact]
    public void Same_input_in_the_same_order_gives_the_same_alerts()
    {
        static List<Alert> RunOnce()
        {
            using var pipeline = new AlertPipeline([EveryTime("p1"), EveryTime("p2", "FileDeleted", "FileRecycled")]);
            var alerts = new Dictionary<string, Alert>();
            for (var i = 0; i < 300; i++)
            {
                foreach (var c in pipeline.Process(Act("a" + i, i * 7, i % 3 == 0 ? "FileRecycled" : "FileDeleted", "u" + (i % 5))))
                {
                    alerts[c.Alert.Id] = c.Alert;
                }
            }

            return alerts.Values.OrderBy(a => a, AlertOrder.Instance).ToList();
        }

        var a = RunOnce();
        var b = RunOnce();
        Assert.Equal(a.Count, b.Count);
        for (var i = 0; i < a.Count; i++)
        {
            Assert.Equal(a[i].Id, b[i].Id);
            Assert.Equal(a[i].HitCount, b[i].HitCount);
            Assert.Equal(a[i].Users, b[i].Users);
            Assert.Equal(a[i].Activities, b[i].Activities);
        }
    }

    [Fact]
    public void Parallel_producers_each_activity_counts_once()
    {
        const int producers = 8;
        const int perProducer = 2_000;
        var options = new AlertEngineOptions { AllowedLateness = TimeSpan.FromDays(1) };
        using var pipeline = new AlertPipeline([EveryTime("p1") with { Aggregation = new(AggregationMode.None) }], options);
        var created = 0;
        using var sub = pipeline.Changes.Subscribe(_ => created++); // called under the engine's lock

        Parallel.For(0, producers, new ParallelOptions { MaxDegreeOfParallelism = producers }, p =>
        {
            for (var i = 0; i < perProducer; i++)
            {
                // Every producer also re-sends the previous producer's ids: duplicates across threads.
                pipeline.Process(Act($"p{p}-{i}", i));
                pipeline.Process(Act($"p{(p + 1) % producers}-{i}", i));
            }
        });

        var stats = pipeline.Statistics;
        Assert.Equal(producers * perProducer * 2, stats.ActivitiesProcessed);
        Assert.Equal(producers * perProducer, stats.Detections);
        Assert.Equal(producers * perProducer, stats.Duplicates);
        Assert.Equal(producers * perProducer, created);
    }

    [Fact]
    public void Run_over_an_observable_emits_the_same_changes_as_process()
    {
        var activities = Enumerable.Range(0, 50).Select(i => Act("a" + i, i * 20)).ToArray();
        using var viaProcess = new AlertPipeline([EveryTime("p1")]);
        var expected = activities.SelectMany(viaProcess.Process).Select(c => (c.Kind, c.Alert.Id, c.Alert.HitCount)).ToList();

        using var viaRun = new AlertPipeline([EveryTime("p1")]);
        var actual = new List<(AlertChangeKind, string, int)>();
        var completed = false;
        using var sub = viaRun.Run(System.Reactive.Linq.Observable.ToObservable(activities))
            .Subscribe(c => actual.Add((c.Kind, c.Alert.Id, c.Alert.HitCount)), () => completed = true);

        Assert.True(completed);
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Invalid_options_are_rejected_with_every_problem_listed()
    {
        var options = new AlertEngineOptions { MaxActivitiesPerAlert = 0, AllowedLateness = TimeSpan.FromSeconds(-1) };
        var ex = Assert.Throws<ArgumentException>(() => new AlertPipeline([EveryTime()], options));
        Assert.Contains("MaxActivitiesPerAlert", ex.Message);
        Assert.Contains("AllowedLateness", ex.Message);
    }

    [Fact]
    public void Processing_after_dispose_throws()
    {
        var pipeline = new AlertPipeline([EveryTime()]);
        pipeline.Dispose();
        Assert.Throws<ObjectDisposedException>(() => pipeline.Process(Act("a1", 0)));
    }

    [Fact]
    public void An_alert_becomes_final_once_the_watermark_passes_its_interval()
    {
        using var pipeline = new AlertPipeline([EveryTime("p1")]);
        var alert = Assert.Single(pipeline.Process(Act("a1", 0))).Alert;
        Assert.False(pipeline.IsFinal(alert));
        pipeline.Process(Act("x", 59, "Other"));
        Assert.False(pipeline.IsFinal(alert));
        pipeline.Process(Act("y", 60, "Other"));
        Assert.True(pipeline.IsFinal(alert));
    }
}
