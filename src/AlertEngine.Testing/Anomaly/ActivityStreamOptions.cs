namespace AlertEngine.Testing;

/// <summary>
/// The shape of synthetic per-user activity streams made by <see cref="AnomalyStreamGenerator"/>: seasonal Poisson
/// traffic (office hours, nights, weekends) with per-user level, day-to-day and hour-to-hour overdispersion, slow
/// drift, holidays, and injected anomalies. Rates are per hour; streams start on a Monday at 00:00 UTC.
/// </summary>
public sealed class ActivityStreamOptions
{
    /// <summary>The weekday hourly profile (local hour 0–23), relative to the peak hour.</summary>
    public static IReadOnlyList<double> OfficeHours { get; } =
    [
        0.02, 0.02, 0.02, 0.02, 0.02, 0.03, 0.08, 0.30, 0.70, 1.00, 1.00, 1.00,
        0.75, 0.95, 1.00, 1.00, 0.90, 0.55, 0.30, 0.18, 0.12, 0.08, 0.05, 0.03,
    ];

    /// <summary>The first instant of every stream; must be a Monday 00:00 UTC. Default 2026-01-05.</summary>
    public DateTimeOffset Start { get; set; } = new(2026, 1, 5, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Length of each stream in weeks. Default 4.</summary>
    public int Weeks { get; set; } = 4;

    /// <summary>No anomaly is injected before <see cref="Start"/> + this (the detector's learning period). Default 7 days.</summary>
    public TimeSpan LearningPeriod { get; set; } = TimeSpan.FromDays(7);

    /// <summary>Median over users of the expected count in a weekday peak hour. Default 12.</summary>
    public double MedianPeakRate { get; set; } = 12;

    /// <summary>Standard deviation of the log of the users' peak rates (log-normal). Default 0.6.</summary>
    public double PeakRateSpread { get; set; } = 0.6;

    /// <summary>Lowest peak rate a user can have. Default 2.</summary>
    public double MinPeakRate { get; set; } = 2;

    /// <summary>Weekend rates relative to the same weekday hour. Default 0.08.</summary>
    public double WeekendFactor { get; set; } = 0.08;

    /// <summary>Gamma shape of a per-user-day activity multiplier (mean 1; CV = 1/√shape); 0 turns it off. Default 25 (CV 0.2).</summary>
    public double DayShape { get; set; } = 25;

    /// <summary>Gamma shape of a per-hour activity multiplier (mean 1; CV = 1/√shape); 0 (default) turns it off: Poisson within the day.</summary>
    public double HourShape { get; set; }

    /// <summary>Standard deviation of the weekly change of a user's log rate (a daily random walk). Default 0.1.</summary>
    public double WeeklyDrift { get; set; } = 0.1;

    /// <summary>Probability that a weekday is a holiday for the user (weekend-like rates). Default 0.03.</summary>
    public double HolidayProbability { get; set; } = 0.03;

    /// <summary>Whole-hour UTC offsets of the users' local time, drawn uniformly per user. Default UTC only.</summary>
    public IReadOnlyList<int> UtcOffsetHours { get; set; } = [0];

    /// <summary>The kinds of anomaly to inject, drawn uniformly; empty for anomaly-free streams.</summary>
    public IReadOnlyList<BurstSpec> Bursts { get; set; } = [];

    /// <summary>Anomalies injected per week after the learning period. Default 2.</summary>
    public int BurstsPerWeek { get; set; } = 2;

    /// <summary>Minimum time between the starts of two anomalies of one stream. Default 1 day.</summary>
    public TimeSpan MinBurstSpacing { get; set; } = TimeSpan.FromDays(1);
}

/// <summary>
/// A kind of injected anomaly: during <see cref="Hours"/> consecutive hours, extra activity of
/// (<see cref="Multiplier"/> − 1) × the seasonal expectation (so the hour's expectation becomes
/// <see cref="Multiplier"/>× the seasonal one) plus <see cref="AddedCount"/> extra activities per hour. The start
/// hour is drawn among non-holiday hours whose seasonal expectation is in
/// [<see cref="MinExpected"/>, <see cref="MaxExpected"/>].
/// </summary>
/// <param name="Name">A label, e.g. <c>5x-1h</c>.</param>
/// <param name="Multiplier">Multiplicative burst: at least 1 (1 = none).</param>
/// <param name="AddedCount">Additive burst: exact extra activities per hour.</param>
/// <param name="Hours">Duration in hours, at least 1.</param>
/// <param name="MinExpected">Lowest seasonal expectation of the start hour.</param>
/// <param name="MaxExpected">Highest seasonal expectation of the start hour.</param>
public sealed record BurstSpec(string Name, double Multiplier, int AddedCount, int Hours, double MinExpected = 0, double MaxExpected = double.PositiveInfinity)
{
    /// <summary>A multiplicative burst at hours whose seasonal expectation is at least <paramref name="minExpected"/>.</summary>
    /// <param name="multiplier">The multiplier.</param>
    /// <param name="hours">Duration in hours.</param>
    /// <param name="minExpected">Lowest seasonal expectation of the start hour. Default 4.</param>
    /// <returns>The spec.</returns>
    public static BurstSpec Times(double multiplier, int hours = 1, double minExpected = 4) =>
        new($"{multiplier}x-{hours}h", multiplier, 0, hours, minExpected);

    /// <summary>An additive burst of <paramref name="count"/> activities per hour at quiet hours (seasonal expectation at most <paramref name="maxExpected"/>).</summary>
    /// <param name="count">Extra activities per hour.</param>
    /// <param name="hours">Duration in hours.</param>
    /// <param name="maxExpected">Highest seasonal expectation of the start hour. Default 1.</param>
    /// <returns>The spec.</returns>
    public static BurstSpec Quiet(int count, int hours = 1, double maxExpected = 1) =>
        new($"+{count}-quiet-{hours}h", 1, count, hours, 0, maxExpected);
}
