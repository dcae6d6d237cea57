using static AlertEngine.Tests.Triggers.Anomaly.AnomalyStreams;

namespace AlertEngine.Tests.Triggers.Anomaly;

public class AnomalyTimeZoneTests
{
    private static readonly TimeZoneInfo Tokyo = TimeZoneInfo.FindSystemTimeZoneById("Asia/Tokyo");
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");

    private static AlertPolicy Policy() => TestData.EveryTime("unusual-deletions") with { Trigger = Trigger() };

    [Fact]
    public void The_engine_learns_anomaly_baselines_in_the_configured_time_zone()
    {
        var options = new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey, TimeZone = Tokyo };
        var detector = new AnomalyDetector(Policy(), (AnomalyTrigger)Policy().Trigger, options, _ => { });
        Assert.Equal(Tokyo.Id, detector.CreateSnapshot().TimeZoneId);

        var utc = new AnomalyDetector(Policy(), (AnomalyTrigger)Policy().Trigger, new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey }, _ => { });
        Assert.Equal(TimeZoneInfo.Utc.Id, utc.CreateSnapshot().TimeZoneId);
    }

    [Fact]
    public void A_Sunday_afternoon_in_Los_Angeles_is_a_weekend_slot_in_its_zone_and_a_weekday_slot_in_UTC()
    {
        // Busy Monday to Friday 09:00-18:00 Los Angeles time, quiet otherwise, for two weeks.
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, TimeZone = LosAngeles });
        var utcModel = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        var times = new List<DateTimeOffset>();
        for (var hour = 0; hour < 14 * 24; hour++)
        {
            var local = TimeZoneInfo.ConvertTime(Start.AddHours(hour), LosAngeles);
            if (local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && local.Hour is >= 9 and < 18)
            {
                times.AddRange(Steady(Start.AddHours(hour), 1, 10));
            }
        }

        Feed(model, "k", times);
        Feed(utcModel, "k", times);

        // Sunday 2026-01-18 17:00 in Los Angeles is Monday 01:00 UTC: quiet, but in UTC a weekday hour that is busy
        // on the other weekdays (Monday to Thursday evenings in Los Angeles).
        var sundayAfternoon = new DateTimeOffset(2026, 1, 19, 1, 0, 0, TimeSpan.Zero);
        Assert.True(model.GetBaseline("k", sundayAfternoon)!.Expected < 1);
        Assert.True(utcModel.GetBaseline("k", sundayAfternoon)!.Expected > 5);
    }

    [Fact]
    public void A_missing_time_zone_is_listed_with_the_other_option_errors()
    {
        var errors = new AlertEngineOptions { AnomalyModel = AnomalyModel.PerKey, TimeZone = null!, MaxActivitiesPerAlert = 0 }.Validate();
        Assert.Equal(["MaxActivitiesPerAlert", "TimeZone"], errors.Select(e => e.Path));
    }

    /// <summary>Busy Monday to Friday 09:00-18:00 in a zone, for two weeks, for one key.</summary>
    private static List<DateTimeOffset> OfficeWeeks(TimeZoneInfo zone)
    {
        var times = new List<DateTimeOffset>();
        for (var hour = 0; hour < 14 * 24; hour++)
        {
            var local = TimeZoneInfo.ConvertTime(Start.AddHours(hour), zone);
            if (local.DayOfWeek is not (DayOfWeek.Saturday or DayOfWeek.Sunday) && local.Hour is >= 9 and < 18)
            {
                times.AddRange(Steady(Start.AddHours(hour), 1, 10));
            }
        }

        return times;
    }

    [Fact]
    public void Each_key_learns_in_its_own_time_zone_when_the_model_is_told_it()
    {
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, KeyTimeZone = key => key == "la" ? LosAngeles : null });
        FeedMany(model, OfficeWeeks(LosAngeles).Select(t => (Key: "la", Time: t))
            .Concat(OfficeWeeks(TimeZoneInfo.Utc).Select(t => (Key: "utc", Time: t)))
            .OrderBy(x => x.Time));

        // Sunday 17:00 in Los Angeles is Monday 01:00 UTC: a quiet weekend hour for "la"; a quiet weekday night for "utc".
        var sundayAfternoon = new DateTimeOffset(2026, 1, 19, 1, 0, 0, TimeSpan.Zero);
        Assert.True(model.GetBaseline("la", sundayAfternoon)!.Expected < 1);
        Assert.True(model.GetBaseline("utc", sundayAfternoon)!.Expected < 1);

        // Monday 14:00 in Los Angeles (22:00 UTC) is busy for "la" only.
        var mondayAfternoon = new DateTimeOffset(2026, 1, 19, 22, 0, 0, TimeSpan.Zero);
        Assert.True(model.GetBaseline("la", mondayAfternoon)!.Expected > 5);
        Assert.True(model.GetBaseline("utc", mondayAfternoon)!.Expected < 1);
    }

    [Fact]
    public void A_restored_snapshot_asks_each_key_for_its_zone_again()
    {
        var options = new AnomalyDetectorOptions { Model = AnomalyModel.PerKey, KeyTimeZone = key => key == "la" ? LosAngeles : null };
        var model = new BaselineModel<int>(Trigger(), options);
        Feed(model, "la", OfficeWeeks(LosAngeles));
        var sundayAfternoon = new DateTimeOffset(2026, 1, 19, 1, 0, 0, TimeSpan.Zero);
        var before = model.GetBaseline("la", sundayAfternoon);

        var asked = new List<string>();
        var restored = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions
        {
            Model = AnomalyModel.PerKey,
            KeyTimeZone = key =>
            {
                asked.Add(key);
                return key == "la" ? LosAngeles : null;
            },
            InitialState = model.CreateSnapshot(),
        });

        Assert.Equal(["la"], asked);
        Assert.Equal(before, restored.GetBaseline("la", sundayAfternoon));
    }

    [Fact]
    public void The_engine_asks_for_a_users_zone_once_per_anomaly_policy_and_user()
    {
        var asked = new List<string>();
        var options = new AlertEngineOptions
        {
            AnomalyModel = AnomalyModel.PerKey,
            AnomalyKeyTimeZone = key =>
            {
                asked.Add(key);
                return Tokyo;
            },
        };
        using var pipeline = new AlertPipeline([Policy()], options);
        pipeline.Process(Activity("a1", Start, "alice@contoso.com"));
        pipeline.Process(Activity("a2", Start.AddMinutes(1), "alice@contoso.com"));
        pipeline.Process(Activity("a3", Start.AddMinutes(2), "bob@contoso.com"));

        Assert.Equal(["alice@contoso.com", "bob@contoso.com"], asked);
    }

    [Fact]
    public void A_key_whose_zone_cannot_be_resolved_is_not_tracked_and_is_asked_again_on_its_next_observation()
    {
        var asked = new List<string>();
        var failing = true;
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions
        {
            Model = AnomalyModel.PerKey,
            KeyTimeZone = key =>
            {
                asked.Add(key);
                return key == "bad" && failing ? throw new InvalidOperationException("directory unavailable") : null;
            },
        });
        Feed(model, "good", Steady(Start, 8 * 24, 5));
        var goodBefore = model.CreateSnapshot();

        Assert.Throws<InvalidOperationException>(() => model.Observe("bad", Start.AddDays(8), 0, out _));
        Assert.Equal(1, model.KeyCount);
        Assert.Null(model.GetBaseline("bad", Start.AddDays(8)));

        failing = false;
        Assert.Equal(AnomalyOutcome.Counted, model.Observe("bad", Start.AddDays(8), 1, out _));
        Assert.Equal(["good", "bad", "bad"], asked);
        Assert.Equal(2, model.KeyCount);

        // "bad" has a state of its own: "good"'s is as it was.
        var good = Assert.Single(model.CreateSnapshot().Keys, k => k.Key == "good");
        var expected = Assert.Single(goodBefore.Keys);
        Assert.Equal(expected.Levels, good.Levels);
        Assert.Equal(expected.Counts, good.Counts);
        Assert.Equal(expected.FirstTicks, good.FirstTicks);
        var bad = Assert.Single(model.CreateSnapshot().Keys, k => k.Key == "bad");
        Assert.Equal(Start.AddDays(8).UtcTicks, bad.FirstTicks);
        Assert.Equal(1, bad.Counts[0]);
    }

    [Fact]
    public void A_restore_whose_zone_resolver_throws_leaves_the_model_as_it_was()
    {
        var failing = false;
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions
        {
            Model = AnomalyModel.PerKey,
            KeyTimeZone = key => failing && key == "b" ? throw new InvalidOperationException("directory unavailable") : key == "a" ? LosAngeles : null,
        });
        FeedMany(model, OfficeWeeks(LosAngeles).Select(t => (Key: "a", Time: t))
            .Concat(OfficeWeeks(TimeZoneInfo.Utc).Select(t => (Key: "b", Time: t)))
            .OrderBy(x => x.Time));
        var before = Bytes(model.CreateSnapshot());

        var other = new BaselineModel<int>(Trigger(), AnomalyStreams.PerKey());
        Feed(other, "a", Steady(Start, 24, 1));
        Feed(other, "b", Steady(Start, 24, 1));
        failing = true;
        Assert.Throws<InvalidOperationException>(() => model.Restore(other.CreateSnapshot()));

        Assert.Equal(before, Bytes(model.CreateSnapshot()));
    }

    private static byte[] Bytes(BaselineSnapshot snapshot)
    {
        using var stream = new MemoryStream();
        snapshot.WriteTo(stream);
        return stream.ToArray();
    }
}
