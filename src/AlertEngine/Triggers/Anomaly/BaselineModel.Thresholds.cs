namespace AlertEngine;

// Thresholds: the count at which a bucket becomes anomalous, from what the key has learned.
public sealed partial class BaselineModel<T>
{
    private void SetThreshold(int h, ref Hot s)
    {
        ref var k = ref Record(h).Cold;
        if ((k.Fired & 1) != 0)
        {
            s.Threshold = CannotFire;
            return;
        }

        s.Threshold = ComputeThreshold(h, ref s, k.NewestBucket, out var expected, out var scale);
        k.Expected = (float)expected;
        k.Scale = (float)scale;
    }

    private int ComputeThreshold(int h, ref Hot s, long bucket, out double expected, out double scale)
    {
        expected = 0;
        scale = 1;
        ref var k = ref Record(h).Cold;
        if ((bucket * _bucket) - k.FirstTicks < _learning)
        {
            return CannotFire;
        }

        var j = SlotOf(h, bucket);
        var slots = SlotsOf(h);
        int samples = SamplesAt(slots, j);
        if (samples == 0)
        {
            return NoSampleYet;
        }

        expected = Predict(h, slots, j, out var effective) * BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        return BucketThreshold(expected, batch, k.Dispersion, effective, samples, out scale);
    }

    /// <summary>The threshold of a bucket with expected count <paramref name="expected"/>: with the population profile
    /// (<paramref name="effective"/> &gt; 0) at its quantile — with the dispersion grid by the posterior-predictive
    /// negative binomial's exact upper tail at 1 − Φ(that quantile) (<see cref="BaselineMath.GridThreshold"/>, issue 15),
    /// without it by the Cornish–Fisher expansion —, otherwise at Z from the slot's samples.</summary>
    private int BucketThreshold(double expected, double batch, float dispersion, double effective, int samples, out double scale)
    {
        if (effective > 0)
        {
            return _prior is not null
                ? BaselineMath.GridThreshold(expected, batch, dispersion, effective, _profileZ, _gridAlpha, Thresholds, out scale)
                : BaselineMath.PredictiveThresholdOfSamples(expected, batch, dispersion, effective, _profileZ, Thresholds, out scale);
        }

        return BaselineMath.PredictiveThreshold(expected, batch, dispersion, samples, Thresholds, out scale);
    }
}
