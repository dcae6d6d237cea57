namespace AlertEngine.Tests.Triggers.Anomaly;

/// <summary>Deterministic streams for anomaly tests.</summary>
internal static class AnomalyStreams
{
    /// <summary>Monday 2026-01-05 00:00 UTC.</summary>
    public static readonly DateTimeOffset Start = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    public static AnomalyTrigger Trigger(AnomalySensitivity sensitivity = AnomalySensitivity.Medium, TriggerScope? scope = null) =>
        new(scope ?? TriggerScope.User, AnomalyTrigger.DefaultLearningPeriod, sensitivity, AnomalyTrigger.DefaultBucket);

    /// <summary>Options of the per-key model (<see cref="AnomalyModel.PerKey"/>, the default before issue 15), for the
    /// tests written for that model: they keep running on it explicitly now that the population model is the default.</summary>
    public static AnomalyDetectorOptions PerKey() => new() { Model = AnomalyModel.PerKey };

    /// <summary>Times of <paramref name="perHour"/> observations in each hour from <paramref name="from"/> for
    /// <paramref name="hours"/> hours, evenly spread inside each hour.</summary>
    public static IEnumerable<DateTimeOffset> Steady(DateTimeOffset from, int hours, int perHour)
    {
        for (var h = 0; h < hours; h++)
        {
            for (var i = 0; i < perHour; i++)
            {
                yield return from.AddHours(h).AddTicks(TimeSpan.TicksPerHour * i / perHour);
            }
        }
    }

    /// <summary><paramref name="count"/> times inside the hour at <paramref name="hour"/>, evenly spread.</summary>
    public static IEnumerable<DateTimeOffset> Burst(DateTimeOffset hour, int count) => Steady(hour, 1, count);

    public static Activity Activity(string id, DateTimeOffset time, string? user = "alice@contoso.com", IReadOnlyDictionary<string, string>? properties = null, string? workload = null) =>
        new(id, time, "FileDeleted") { UserId = user, Properties = properties ?? new Dictionary<string, string>(), Workload = workload };

    /// <summary>Feeds (key, time) pairs in order; returns the detections.</summary>
    public static List<BaselineDetection<int>> FeedMany(BaselineModel<int> model, IEnumerable<(string Key, DateTimeOffset Time)> items)
    {
        var found = new List<BaselineDetection<int>>();
        var n = 0;
        foreach (var (key, t) in items)
        {
            if (model.Observe(key, t, n++, out var d) == AnomalyOutcome.Detected)
            {
                found.Add(d!);
            }
        }

        return found;
    }

    /// <summary>Feeds times for one key; returns the detections.</summary>
    public static List<BaselineDetection<int>> Feed(BaselineModel<int> model, string key, IEnumerable<DateTimeOffset> times)
    {
        var found = new List<BaselineDetection<int>>();
        var n = 0;
        foreach (var t in times)
        {
            if (model.Observe(key, t, n++, out var d) == AnomalyOutcome.Detected)
            {
                found.Add(d!);
            }
        }

        return found;
    }
}
