namespace AlertEngine;

/// <summary>A key's baseline for one bucket, for inspection (e.g. to explain a detection or chart the baseline).</summary>
/// <param name="Expected">The expected count of the bucket: its seasonal slot's level, pooled with the adjacent hours
/// and scaled by the key's recent-activity factor.</param>
/// <param name="Scale">The robust scale σ of the score.</param>
/// <param name="Samples">How many buckets the slot has learned from (saturates at 255).</param>
/// <param name="Learned">Whether the bucket starts after the key's learning period.</param>
/// <param name="Threshold">The count at which the bucket would be anomalous; <see langword="null"/> while learning or when the slot has no sample.</param>
public sealed record BaselineEstimate(double Expected, double Scale, int Samples, bool Learned, int? Threshold);
