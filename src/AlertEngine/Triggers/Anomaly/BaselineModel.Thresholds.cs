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
        return effective > 0
            ? BaselineMath.PredictiveThresholdOfSamples(expected, batch, k.Dispersion, effective, _profileZ, Thresholds, out scale)
            : BaselineMath.PredictiveThreshold(expected, batch, k.Dispersion, samples, Thresholds, out scale);
    }
}
