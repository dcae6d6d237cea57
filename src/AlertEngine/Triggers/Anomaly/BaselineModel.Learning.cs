namespace AlertEngine;

// Learning: closing buckets and folding their counts into the key's baseline.
public sealed partial class BaselineModel<T>
{
    /// <summary>Moves a key's newest bucket forward to <paramref name="b"/>, folding the buckets that leave its open window.</summary>
    private void Advance(int h, ref Hot s, long b)
    {
        ref var k = ref Record(h).Cold;
        var nb = k.NewestBucket;
        var d = b - nb;
        var firstBucket = k.FirstTicks / _bucket;

        // Buckets that were open and now close, oldest first.
        var foldEnd = Math.Min(nb, b - _ring);
        for (var q = Math.Max(Math.Max(nb - _ring + 1, firstBucket), k.Folded + 1); q <= foldEnd; q++)
        {
            Fold(h, ref s, q, q == nb ? s.Count : _older[(h * (_ring - 1)) + (int)(nb - q) - 1], k.Fired, nb);
        }

        // Buckets never opened (no activity) that close: zeros, at most one week of them.
        var zeroStart = nb + 1;
        var zeroEnd = b - _ring;
        if (zeroEnd >= zeroStart)
        {
            if (zeroEnd - zeroStart + 1 > _gapCap)
            {
                zeroStart = zeroEnd - _gapCap + 1;
            }

            FoldEmptyRun(h, ref s, zeroStart, zeroEnd, nb);
        }

        k.Folded = Math.Max(k.Folded, b - _ring);

        if (_ring > 1)
        {
            var baseIndex = h * (_ring - 1);
            for (var i = _ring - 1; i >= 1; i--)
            {
                var j = i - d;
                _older[baseIndex + i - 1] = j < 0 ? 0 : j == 0 ? s.Count : _older[baseIndex + (int)j - 1];
            }
        }

        k.Fired = d >= MaxRing ? 0 : (k.Fired << (int)d) & _firedMask;
        k.NewestBucket = b;
        s.NewestStart = b * _bucket;
        s.Count = 0;
        SetThreshold(h, ref s);
    }

    /// <summary>Whether one of the <see cref="BaselineMath.FiredMemory"/> buckets before <paramref name="q"/> fired, from a
    /// key's fired bits (bit i: bucket <paramref name="newest"/> − i).</summary>
    private static bool FiredShortlyBefore(ulong fired, long newest, long q)
    {

        for (var j = 1; j <= BaselineMath.FiredMemory; j++)
        {
            var i = newest - q + j;
            if (i >= 0 && i < MaxRing && ((fired >> (int)i) & 1) != 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Folds closed bucket <paramref name="bucket"/>'s final count into the key's baseline (see
    /// <see cref="FoldAt"/>); <paramref name="fired"/> holds the fired bits as of bucket <paramref name="newest"/> (bit i:
    /// bucket newest − i).</summary>
    private void Fold(int h, ref Hot s, long bucket, int count, ulong fired, long newest) =>
        FoldAt(h, SlotOf(h, bucket), BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares), count, fired, newest, bucket);

    /// <summary>Folds closed bucket <paramref name="bucket"/>'s final count into the key's baseline: the dispersion
    /// (unless the bucket fired or follows a fired one within <see cref="BaselineMath.FiredMemory"/> buckets: a detected
    /// anomaly, and the rest of the burst it began, do not teach the key that such counts are normal), the
    /// recent-activity factor, and the slot's level. <paramref name="j"/> is the bucket's seasonal slot,
    /// <paramref name="batch"/> the key's batch factor, <paramref name="fired"/> the fired bits as of bucket
    /// <paramref name="newest"/> (bit i: bucket newest − i; a bucket after it has not fired).</summary>
    private void FoldAt(int h, int j, double batch, int count, ulong fired, long newest, long bucket)
    {
        ref var k = ref Record(h).Cold;
        var slots = SlotsOf(h);
        var level = LevelAt(slots, j);
        var samples = SamplesAt(slots, j);
        if (samples != 0)
        {
            var predicted = Predict(h, slots, j, out var effective);
            if (predicted >= BaselineMath.DispersionMinLevel && !FiredAt(fired, newest, bucket) && !FiredShortlyBefore(fired, newest, bucket))
            {
                var m = predicted * BaselineMath.RecentFactor(k.RecentObserved, k.RecentExpected);
                if (_prior is not null)
                {
                    FoldGrid(h, ref k, m, count, batch, effective, samples, k.RecentObserved, k.RecentExpected);
                }
                else if (effective > 0)
                {
                    BaselineMath.UpdateDispersionOfSamples(ref k.Dispersion, ref k.DispersionSum, ref k.DispersionWeight, m, count, batch, effective);
                }
                else
                {
                    BaselineMath.UpdateDispersion(ref k.Dispersion, ref k.DispersionSum, ref k.DispersionWeight, m, count, batch, samples);
                }
            }

            BaselineMath.UpdateRecent(ref k.RecentObserved, ref k.RecentExpected, predicted, count, batch, k.Dispersion);
            if (BaselineMath.IsQuiet(k.RecentObserved, k.RecentExpected, _quietFactor))
            {
                // A quiet spell (issue 15, level-16; on by default in the population model, off in the per-key model): the bucket lowers the level by at most _quietDown σ.
                BaselineMath.UpdateQuiet(ref level, ref samples, count, batch, k.Dispersion, _quietDown);
                SetSlot(slots, j, level, samples);
                return;
            }
        }

        BaselineMath.Update(ref level, ref samples, count, batch, k.Dispersion);
        SetSlot(slots, j, level, samples);
    }

    /// <summary>Whether bucket <paramref name="q"/> fired, from a key's fired bits (bit i: bucket <paramref name="newest"/> − i).</summary>
    private static bool FiredAt(ulong fired, long newest, long q)
    {
        var i = newest - q;
        return i >= 0 && i < MaxRing && ((fired >> (int)i) & 1) != 0;
    }
}
