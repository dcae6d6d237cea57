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

        var recent = BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
        expected = Predict(h, slots, j, out var effective) * recent;
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        if (effective > 0)
        {
            var t = BaselineMath.PredictiveThresholdOfSamples(expected, batch, k.Dispersion, effective, _profileZ, Thresholds, out scale);
            return _levelGate == AnomalyLevelGate.None ? t : BaselineMath.GateAgainst(t, GateLevel(h, slots, j, keep: true) * recent, _levelGateRatio);
        }

        return BaselineMath.PredictiveThreshold(expected, batch, k.Dispersion, samples, Thresholds, out scale);
    }

    /// <summary>The largest of the alternative levels <see cref="AnomalyDetectorOptions.LevelGate"/> chose for slot
    /// <paramref name="j"/> of key <paramref name="h"/> (before the recent-activity factor); 0 when none is known.</summary>
    private double GateLevel(int h, Span<byte> slots, int j, bool keep)
    {
        var level = 0.0;
        if ((_levelGate & AnomalyLevelGate.Own) != 0)
        {
            level = LevelAt(slots, j);
        }

        if ((_levelGate & AnomalyLevelGate.Pooled) != 0)
        {
            level = Math.Max(level, PredictedLevel(slots, j));
        }

        if ((_levelGate & AnomalyLevelGate.Profile) != 0 && _profile is not null && KeyRate(h, keep, out var rate))
        {
            level = Math.Max(level, rate * _profile.Rates[j]);
        }

        return level;
    }

    /// <summary>The alternative levels of the key's bucket at <paramref name="time"/> (the evaluation's false-alert dump,
    /// issue 15): the slot's own level, the pooled level, R × the profile's rate (NaN without a usable profile), the
    /// prediction m before the recent factor, whether it is shrunk toward the profile (where the gate applies), the recent
    /// factor with its floor and cap, and without them; null when the key is not tracked. An inspection: nothing is
    /// updated.</summary>
    internal (double Own, double Pooled, double Profile, double Predicted, bool Shrunk, double Recent, double Unbounded)? GateLevels(string key, DateTimeOffset time)
    {
        var h = FindHandle(key);
        if (h < 0)
        {
            return null;
        }

        ref var k = ref Record(h).Cold;
        var slots = SlotsOf(h);
        var j = SlotOf(h, time.UtcTicks / _bucket);
        var profile = _profile is not null && KeyRate(h, keep: false, out var rate) ? rate * _profile.Rates[j] : double.NaN;
        var predicted = Predict(h, slots, j, out var effective, keep: false);
        var unbounded = (k.RecentObserved + BaselineMath.RecentPrior) / (k.RecentExpected + BaselineMath.RecentPrior);
        return (LevelAt(slots, j), PredictedLevel(slots, j), profile, predicted, effective > 0, BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected), unbounded);
    }
}
