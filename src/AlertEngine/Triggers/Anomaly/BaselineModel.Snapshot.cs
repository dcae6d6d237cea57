namespace AlertEngine;

// Saving and restoring the whole state (the public snapshot).
public sealed partial class BaselineModel<T>
{
    /// <summary>Saves the state of every key (not the kept items), and the model-wide state its options keep.</summary>
    /// <returns>The snapshot.</returns>
    public BaselineSnapshot CreateSnapshot()
    {
        var records = new BaselineSnapshot.KeyRecord[_keyCount];
        var grid = _prior is null ? null : new BaselineSnapshot.GridKeyState[_keyCount];
        var n = 0;
        for (var h = 0; h < _highWater; h++)
        {
            if (_keys[h] is not { } key)
            {
                continue;
            }

            ref var k = ref Record(h).Cold;
            ref var s = ref Record(h).Hot;
            var counts = new int[_ring];
            counts[0] = s.Count;
            for (var i = 1; i < _ring; i++)
            {
                counts[i] = _older[(h * (_ring - 1)) + i - 1];
            }

            var levels = new float[_slots];
            var samples = new byte[_slots];
            var slots = SlotsOf(h);
            for (var i = 0; i < _slots; i++)
            {
                levels[i] = LevelAt(slots, i);
                samples[i] = SamplesAt(slots, i);
            }

            if (grid is not null)
            {
                ref var g = ref GridAt(h);
                grid[n] = new BaselineSnapshot.GridKeyState(g.Informed, g.Evidence);
            }

            records[n++] = new BaselineSnapshot.KeyRecord(
                key,
                k.NewestBucket,
                k.FirstTicks,
                k.Folded,
                k.Fired,
                k.Dispersion,
                k.DispersionSum,
                k.DispersionWeight,
                k.RecentObserved,
                k.RecentExpected,
                s.BatchSum,
                s.BatchSquares,
                counts,
                levels,
                samples,
                SnapshotProfileRate(h, out var profileDay),
                profileDay);
        }

        // Handle order depends on retirement history; key order makes snapshots of equal states equal.
        if (grid is null)
        {
            Array.Sort(records, KeyOrder);
            return new BaselineSnapshot(_bucket, _slots, _timeZoneId, _ring, _watermark, records, SnapshotProfile());
        }

        Array.Sort(records, grid, KeyOrder);
        var prior = new LaggedGridPrior();
        CopyPrior(_prior!, prior);
        return new BaselineSnapshot(_bucket, _slots, _timeZoneId, _ring, _watermark, records, SnapshotProfile(), new BaselineSnapshot.GridRecord(prior, grid));
    }

    private static readonly Comparer<BaselineSnapshot.KeyRecord> KeyOrder = Comparer<BaselineSnapshot.KeyRecord>.Create(static (x, y) => string.CompareOrdinal(x.Key, y.Key));

    /// <summary>Makes <paramref name="to"/> hold <paramref name="from"/>'s prior in force and pending totals (the prior
    /// is immutable and shared; the totals are copied).</summary>
    private static void CopyPrior(LaggedGridPrior from, LaggedGridPrior to)
    {
        GridPriorTotals? pending = null;
        if (from.HasPending)
        {
            pending = new GridPriorTotals();
            pending.Set(from.PendingTotals, from.PendingKeys);
        }

        to.Restore(from.Current, pending, from.PendingDay);
    }

    /// <summary>The dispersion grid's lagged prior after a restore (a snapshot's or an engine checkpoint's), by the mix
    /// rule of issue 15's states: the saved one (<paramref name="saved"/>, copied) when the state has the grid, else the
    /// uniform prior without pending totals, as a new model's; a model without the grid keeps nothing of it. Sets the
    /// grid's day to the watermark's.</summary>
    /// <exception cref="InvalidDataException">The saved prior's days do not fit <paramref name="watermark"/>.</exception>
    private void RestoreGridPrior(LaggedGridPrior? saved, long watermark)
    {
        if (_prior is null)
        {
            return;
        }

        if (saved is not null)
        {
            CopyPrior(saved, _prior);
        }
        else
        {
            _prior.Restore(GridPrior.Uniform, pending: null, pendingDay: 0);
        }

        _gridDay = GridCheckpoint.DayOf(_prior, watermark);
    }

    /// <summary>A restored key's saved grid state, by the mix rule (called only when the state has the grid; a key of a
    /// state without it keeps the new key's empty evidence, uninformed, and its saved φ̂): kept by a model with the grid;
    /// dropped by one without it, where a key the grid had informed continues its dispersion's moments from its φ̂ (the
    /// grid's posterior mean; the grid model does not update the moments' sums) with the weight a version-1 snapshot's
    /// dispersion gets.</summary>
    private void RestoreGridKey(int h, bool informed, in GridEvidence evidence)
    {
        if (_prior is not null)
        {
            ref var g = ref GridAt(h);
            g.Evidence = evidence;
            g.Informed = informed;
        }
        else if (informed)
        {
            ref var k = ref Record(h).Cold;
            (k.DispersionSum, k.DispersionWeight) = BaselineSnapshot.LegacyDispersionSums(k.Dispersion);
        }
    }

    /// <summary>Replaces the whole state with a snapshot. Kept items are not restored. The snapshot's open buckets
    /// are adapted to this model's lateness (older ones are folded into the baseline). Each key's zone is asked of
    /// <see cref="AnomalyDetectorOptions.KeyTimeZone"/> again first: an exception it throws propagates and leaves the
    /// model as it was.</summary>
    /// <remarks>
    /// A snapshot made under the other model (<see cref="AnomalyDetectorOptions.Model"/>: the per-key model writes
    /// version 2, the population model version 4) or other internal options of the same bucket length and time zone
    /// restores too (the state
    /// this model keeps and the snapshot lacks starts empty; the state the snapshot has and this model does not keep is
    /// dropped; docs/anomaly.md): the population day profile of issue 15 (snapshot version 3) without it in this model
    /// is dropped, and missing (versions 1 and 2) in a model with it starts empty. The dispersion grid (version 4)
    /// missing in a model with it: every key starts with empty grid evidence and uninformed, as a new key (its saved φ̂
    /// stays until its first informative bucket), and the mixture prior is the uniform one with no pending totals, as a
    /// new model's. The grid without it in this model is dropped, and each key the grid had informed continues its
    /// dispersion's moments from its saved φ̂ with the weight of a version-1 snapshot's dispersion.
    /// </remarks>
    /// <param name="snapshot">The snapshot.</param>
    /// <exception cref="ArgumentException">The snapshot was made with another bucket length or time zone, holds more keys than the cap, or holds a key twice.</exception>
    public void Restore(BaselineSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        if (snapshot.BucketTicks != _bucket || snapshot.SlotCount != _slots)
        {
            throw new ArgumentException($"The snapshot was made with bucket {snapshot.Bucket}; this model uses {TimeSpan.FromTicks(_bucket)}.", nameof(snapshot));
        }

        if (!string.Equals(snapshot.TimeZoneId, _timeZoneId, StringComparison.Ordinal))
        {
            throw new ArgumentException($"The snapshot was made in time zone '{snapshot.TimeZoneId}'; this model uses '{_timeZoneId}'.", nameof(snapshot));
        }

        if (snapshot.KeyCount > _maxKeys)
        {
            throw new ArgumentException($"The snapshot holds {snapshot.KeyCount} keys; this model tracks at most {_maxKeys}.", nameof(snapshot));
        }

        // A key twice (corrupt data) would leave a handle outside the index: refuse it before touching the state.
        var seen = new HashSet<string>(snapshot.KeyCount, StringComparer.Ordinal);
        foreach (var r in snapshot.Keys)
        {
            if (!seen.Add(r.Key))
            {
                throw new ArgumentException($"The snapshot holds the key '{r.Key}' twice.", nameof(snapshot));
            }
        }

        // Ask every key's zone before touching the state: a resolver that throws leaves the model as it was.
        var calendars = new int[snapshot.KeyCount];
        for (var i = 0; i < calendars.Length; i++)
        {
            calendars[i] = CalendarFor(snapshot.Keys[i].Key);
        }

        // The population profile checks its values before it changes: an impossible one leaves the model as it was.
        RestoreProfile(snapshot.Profile, snapshot.WatermarkTicks);
        // Before the keys: a restored key whose open buckets are folded now (another lateness) folds them into its grid
        // evidence under the restored prior. The snapshot's days were checked when it was made.
        var grid = snapshot.Grid;
        RestoreGridPrior(grid?.Prior, snapshot.WatermarkTicks);

        _handles.Reset(randomized: false);
        _handles.EnsureCapacity(calendars.Length);
        _zeroFrom = int.MaxValue; // every handle is taken again from 0: the old keys' slots are cleared as they are reused
        EnsureHandles(calendars.Length);
        Array.Clear(_keys);
        _keyCount = 0;
        Array.Clear(_kept);
        _keptNext = 1;
        _keptCleared = 1;
        _highWater = 0;
        _freeCount = 0;
        _watermark = snapshot.WatermarkTicks;
        _nextSweepTicks = _watermark == long.MinValue ? long.MinValue : ((_watermark / _bucket) + 1) * _bucket;
        for (var n = 0; n < calendars.Length; n++)
        {
            var r = snapshot.Keys[n];
            var h = Allocate(r.Key, r.FirstTicks, r.NewestBucket, calendars[n]);
            ref var s = ref Record(h).Hot;
            ref var k = ref Record(h).Cold;
            k.Dispersion = r.Dispersion;
            k.DispersionSum = r.DispersionSum;
            k.DispersionWeight = r.DispersionWeight;
            if (grid is not null)
            {
                RestoreGridKey(h, grid.Keys[n].Informed, grid.Keys[n].Evidence);
            }

            k.RecentObserved = r.RecentObserved;
            k.RecentExpected = r.RecentExpected;
            s.BatchSum = r.BatchSum;
            s.BatchSquares = r.BatchSquares;
            Record(h).ProfileRate = RestoredProfileRate(r.ProfileRate, r.ProfileDay);
            var slots = SlotsOf(h);
            for (var i = 0; i < _slots; i++)
            {
                SetSlot(slots, i, r.Levels[i], r.Samples[i]);
            }

            // Open buckets beyond this model's window are folded now, oldest first.
            k.Folded = r.Folded;
            var firstBucket = k.FirstTicks / _bucket;
            for (var i = r.Counts.Length - 1; i >= _ring; i--)
            {
                var q = r.NewestBucket - i;
                if (q >= firstBucket && q > k.Folded)
                {
                    Fold(h, ref s, q, r.Counts[i], r.Fired, r.NewestBucket);
                    k.Folded = q;
                }
            }

            s.Count = r.Counts[0];
            for (var i = 1; i < _ring; i++)
            {
                _older[(h * (_ring - 1)) + i - 1] = i < r.Counts.Length ? r.Counts[i] : 0;
            }

            k.Fired = r.Fired & _firedMask;
            SetThreshold(h, ref s);

            // The threshold (not in the snapshot) is computed again, which fills the key's cached rate against the
            // profile where the snapshot had none for the profile's day; the cache goes back to the snapshot's, so that
            // the key computes it at its next prediction as the model that made the snapshot does, and a snapshot of
            // the restored model is the one it was restored from.
            Record(h).ProfileRate = RestoredProfileRate(r.ProfileRate, r.ProfileDay);
        }
    }
}
