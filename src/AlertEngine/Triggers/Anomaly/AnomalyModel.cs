namespace AlertEngine;

/// <summary>
/// Which model an unusual-activity detector learns its baselines with (<see cref="AnomalyDetectorOptions.Model"/>,
/// <see cref="AlertEngineOptions.AnomalyModel"/>). Both learn, per scope key, the key's own rate and its own dispersion
/// from the key's history; they differ in what else they use. docs/anomaly.md ("Which model") gives the measured false-alarm
/// rates and recall of each.
/// </summary>
public enum AnomalyModel
{
    /// <summary>
    /// Default. Each key's rate and dispersion are its own; two population priors, learned from all the policy's keys,
    /// steady the estimates: the population's day shape (a key's hourly levels are shrunk toward its own rate × that
    /// shape while its day has the population's shape) and an empirical-Bayes mixture prior over the keys' dispersions,
    /// updated once per UTC day from the previous day's keys. At a given sensitivity the false-alarm rate then depends
    /// far less on how bursty a key is. Applies to policies with hourly or shorter buckets whose keys share the
    /// detector's time zone: with per-key time zones (<see cref="AnomalyDetectorOptions.KeyTimeZone"/>,
    /// <see cref="AlertEngineOptions.AnomalyKeyTimeZone"/>) or buckets longer than an hour a detector keeps the
    /// <see cref="PerKey"/> model (its thresholds included); <see cref="BaselineModel{T}.ModelInUse"/> says which
    /// one a detector runs. Costs about 50 bytes more per key.
    /// </summary>
    Population = 0,

    /// <summary>
    /// Each key's baseline is learned strictly from that key's own history, nothing shared between keys: the model of
    /// the library before issue 15 (the previous default), with the thresholds of <see cref="AnomalyThresholds.For(AnomalySensitivity)"/>.
    /// </summary>
    PerKey = 1,
}
