namespace AlertEngine;

// Folding a run of empty buckets: a quiet key's next observation closes one bucket per skipped hour.
public sealed partial class BaselineModel<T>
{
    /// <summary>
    /// Folds the empty buckets <paramref name="from"/> to <paramref name="to"/> (after the key's newest bucket
    /// <paramref name="newest"/>, so none of them fired) into key <paramref name="h"/>'s baseline, oldest first: the
    /// same updates, in the same order and precision, as <see cref="FoldAt"/> with a count of 0 for each.
    /// </summary>
    /// <remarks>
    /// On issue 16's workload each observation of a quiet key folds about 10 of them, and the folds were a chain: the
    /// recent-activity sums, read from and written back to the key's record by every fold (a store, a load and two
    /// conversions per link). Here the sums stay in registers for the whole run, the slots come from one walk of the
    /// calendar (<see cref="SeasonalCalendar.Walk"/>) and the batch factor is computed once (nothing in a fold changes
    /// it); the level and recent-factor updates take their shortcuts for an empty bucket (<see cref="BaselineMath.Update"/>,
    /// <see cref="BaselineMath.UpdateRecent"/>). Measured in benchmarks/results/end-to-end.md, 2026-12-05 anomaly-9.
    /// </remarks>
    private void FoldEmptyRun(int h, ref Hot s, long from, long to, long newest)
    {
        ref var k = ref Record(h).Cold;
        var batch = BaselineMath.BatchFactor(s.BatchSum, s.BatchSquares);
        var observed = k.RecentObserved;
        var expected = k.RecentExpected;
        var walk = _calendars[k.Calendar].Walk(from, to);
        var slots = SlotsOf(h);
        var rate = 0.0;

        // The key's rate against the population profile is taken once for the run (a run of empty folds moves it
        // little, and recomputing it reads all the key's slots per fold). Without the profile: false, at once.
        var rated = _profile is not null && KeyRate(h, keep: true, out rate);
        for (var q = from; ; q++)
        {
            var j = walk.Slot;
            var level = LevelAt(slots, j);
            var samples = SamplesAt(slots, j);
            if (samples != 0)
            {
                var effective = 0.0;
                double predicted;
                if (!rated || double.IsNaN(predicted = BaselineMath.ShrinkToProfile(level, samples, _profile!.Rates[j], rate, 1, _profileWeight, out effective)))
                {
                    predicted = PredictedLevel(slots, j);
                }

                if (predicted >= BaselineMath.DispersionMinLevel && !FiredShortlyBefore(k.Fired, newest, q))
                {
                    var m = predicted * BaselineMath.RecentFactor(observed, expected);
                    if (_prior is not null)
                    {
                        FoldGrid(h, ref k, m, 0, batch, effective, samples, observed, expected);
                    }
                    else if (effective > 0)
                    {
                        BaselineMath.UpdateDispersionOfSamples(ref k.Dispersion, ref k.DispersionSum, ref k.DispersionWeight, m, 0, batch, effective);
                    }
                    else
                    {
                        BaselineMath.UpdateDispersion(ref k.Dispersion, ref k.DispersionSum, ref k.DispersionWeight, m, 0, batch, samples);
                    }
                }

                BaselineMath.UpdateRecent(ref observed, ref expected, predicted, 0, batch, k.Dispersion);
                if (BaselineMath.IsQuiet(observed, expected, _quietFactor))
                {
                    BaselineMath.UpdateQuiet(ref level, ref samples, 0, batch, k.Dispersion, _quietDown);
                }
                else
                {
                    BaselineMath.Update(ref level, ref samples, 0, batch, k.Dispersion);
                }
            }
            else
            {
                BaselineMath.Update(ref level, ref samples, 0, batch, k.Dispersion);
            }

            SetSlot(slots, j, level, samples);
            if (q == to)
            {
                break;
            }

            walk.Next();
        }

        k.RecentObserved = observed;
        k.RecentExpected = expected;
    }
}
