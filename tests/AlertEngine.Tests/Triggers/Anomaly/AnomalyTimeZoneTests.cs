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
        var options = new AlertEngineOptions { TimeZone = Tokyo };
        var detector = new AnomalyDetector(Policy(), (AnomalyTrigger)Policy().Trigger, options, _ => { });
        Assert.Equal(Tokyo.Id, detector.CreateSnapshot().TimeZoneId);

        var utc = new AnomalyDetector(Policy(), (AnomalyTrigger)Policy().Trigger, new AlertEngineOptions(), _ => { });
        Assert.Equal(TimeZoneInfo.Utc.Id, utc.CreateSnapshot().TimeZoneId);
    }

    [Fact]
    public void A_Sunday_afternoon_in_Los_Angeles_is_a_weekend_slot_in_its_zone_and_a_weekday_slot_in_UTC()
    {
        // Busy Monday to Friday 09:00-18:00 Los Angeles time, quiet otherwise, for two weeks.
        var model = new BaselineModel<int>(Trigger(), new AnomalyDetectorOptions { TimeZone = LosAngeles });
        var utcModel = new BaselineModel<int>(Trigger());
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
        var errors = new AlertEngineOptions { TimeZone = null!, MaxActivitiesPerAlert = 0 }.Validate();
        Assert.Equal(["MaxActivitiesPerAlert", "TimeZone"], errors.Select(e => e.Path));
    }
}
