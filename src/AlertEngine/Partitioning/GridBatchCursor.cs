namespace AlertEngine;

/// <summary>What a <see cref="GridBatchCursor"/> asks for next.</summary>
internal enum GridStep
{
    /// <summary>Evaluate activities <see cref="GridBatchCursor.From"/> to <see cref="GridBatchCursor.To"/> in every
    /// partition.</summary>
    Evaluate,

    /// <summary>Sum the partitions' pending totals of each pair in <see cref="GridBatchCursor.Exchanges"/> and hand
    /// every partition the sum (<see cref="GridTotalsSum"/>).</summary>
    Exchange,

    /// <summary>For each pair of <see cref="GridBatchCursor.Aheads"/> (one day start per policy whose clock the activity
    /// jumps), run the day start ahead in every partition (<see cref="EnginePartition.TryRunGridDayStartAhead"/>), then
    /// exchange that day's totals (or, when it failed in every partition, <see cref="GridBatchCursor.FailedEverywhere"/>).
    /// The policies' models are independent, so the jumps of all the policies an activity moves advance together, one day
    /// each per step: a jump over D day starts is about D steps, not D per policy.</summary>
    Ahead,

    /// <summary>The batch is evaluated.</summary>
    Done,
}

/// <summary>
/// The walk of the anomaly dispersion grid's exchange (issue 15) through one routed batch, as one copy of the policies'
/// models sees it: which parts to evaluate, which day starts' totals to sum after each, which day starts of a clock jump
/// to run ahead (<see cref="GridExchange"/> has the rules). Every partition holds the same clocks, so any copy's cursor
/// gives the same steps: the in-process <see cref="GridExchange"/> follows partition 0's and drives every partition,
/// and each Orleans partition grain follows its own and pauses at every <see cref="GridStep.Exchange"/> and
/// <see cref="GridStep.Ahead"/> for the coordinator's sum. Reused batch after batch; not thread-safe.
/// </summary>
internal sealed class GridBatchCursor
{
    private readonly int[] _policies;
    private readonly bool[] _isGrid;
    private readonly long[] _clock;
    private readonly long[] _crossedDay;
    private readonly List<(int Policy, int Day)> _exchanges = [];
    private readonly List<(int Policy, int Day)> _aheads = [];
    private readonly List<int> _jumping = [];
    private readonly long[] _aheadNext;
    private readonly long[] _aheadEnd;
    private EnginePartition? _copy;
    private BatchRoutes? _routes;
    private Stage _stage = Stage.Done;
    private int _i;
    private int _partStart;
    private int _entry;
    private long _t;
    private long _day;

    private enum Stage
    {
        Scan,
        Cut,
        JumpSetup,
        Jumps,
        Final,
        FinalExchange,
        Done,
    }

    private GridBatchCursor(int[] policies, int policyCount)
    {
        _policies = policies;
        _isGrid = new bool[policyCount];
        foreach (var index in policies)
        {
            _isGrid[index] = true;
        }

        _clock = new long[policyCount];
        _crossedDay = new long[policyCount];
        _aheadNext = new long[policyCount];
        _aheadEnd = new long[policyCount];
    }

    /// <summary>A cursor over the grid policies of <paramref name="copy"/>, or null when no policy runs the grid.</summary>
    public static GridBatchCursor? Create(EnginePartition copy, int policyCount)
    {
        var policies = new List<int>();
        for (var i = 0; i < policyCount; i++)
        {
            if (copy.GridModelAt(i) is not null)
            {
                policies.Add(i);
            }
        }

        return policies.Count == 0 ? null : new GridBatchCursor([.. policies], policyCount);
    }

    /// <summary>The first activity of the part to evaluate (<see cref="GridStep.Evaluate"/>).</summary>
    public int From { get; private set; }

    /// <summary>The end (exclusive) of the part to evaluate (<see cref="GridStep.Evaluate"/>).</summary>
    public int To { get; private set; }

    /// <summary>The policies and UTC days whose totals to exchange (<see cref="GridStep.Exchange"/>), in policy order.</summary>
    public IReadOnlyList<(int Policy, int Day)> Exchanges => _exchanges;

    /// <summary>The policies and the day start of each to run ahead (<see cref="GridStep.Ahead"/>): one day per policy
    /// whose clock the activity jumps and that has day starts left to run ahead, in the activity's route order.</summary>
    public IReadOnlyList<(int Policy, int Day)> Aheads => _aheads;

    /// <summary>Starts the walk through <paramref name="routes"/> from the clocks of <paramref name="copy"/>'s models
    /// (the same in every partition between batches).</summary>
    public void Begin(EnginePartition copy, BatchRoutes routes)
    {
        _copy = copy;
        _routes = routes;
        foreach (var index in _policies)
        {
            _clock[index] = copy.GridModelAt(index)!.WatermarkTicks;
            _crossedDay[index] = long.MinValue;
        }

        _exchanges.Clear();
        _aheads.Clear();
        _jumping.Clear();
        _i = 0;
        _partStart = 0;
        _stage = Stage.Scan;
    }

    /// <summary>Forgets the routes and the copy (the batch is done or abandoned).</summary>
    public void End()
    {
        _copy = null;
        _routes = null;
        _stage = Stage.Done;
    }

    /// <summary>The day start of <paramref name="policy"/> in the last <see cref="GridStep.Ahead"/> failed in every
    /// partition: that policy's jump stops there (no exchange of that day; the other policies' jumps go on); the activity
    /// runs that day start again in its own evaluation.</summary>
    public void FailedEverywhere(int policy) => _aheadNext[policy] = _aheadEnd[policy];

    /// <summary>The next step.</summary>
    public GridStep Next()
    {
        var routes = _routes!;
        var admitted = routes.Admitted;
        var starts = routes.Starts;
        var policies = routes.Policies;
        while (true)
        {
            switch (_stage)
            {
                case Stage.Scan:
                    for (; _i < admitted.Length; _i++)
                    {
                        var t = admitted[_i].Activity.Time.UtcTicks;
                        var day = t / TimeSpan.TicksPerDay;
                        var cut = false;
                        var jump = false;
                        for (var e = starts[_i]; e < starts[_i + 1]; e++)
                        {
                            var index = policies[e];
                            if (!MovesClock(routes, e, index, t) || _clock[index] == long.MinValue)
                            {
                                continue;
                            }

                            var last = _clock[index] / TimeSpan.TicksPerDay;
                            if (day > last)
                            {
                                cut |= _crossedDay[index] != long.MinValue;
                                jump |= day > last + 1;
                            }
                        }

                        if (cut || jump)
                        {
                            // The part so far, then its totals summed; then a jump's day starts but the last, each exchanged.
                            (_t, _day, _entry, _stage) = (t, day, starts[_i], Stage.Cut);
                            if (_i > _partStart)
                            {
                                (From, To, _partStart) = (_partStart, _i, _i);
                                return GridStep.Evaluate;
                            }

                            break;
                        }

                        MoveClocks(_i, t, day);
                    }

                    if (_stage == Stage.Scan)
                    {
                        _stage = Stage.Final;
                    }

                    break;

                case Stage.Cut:
                    _stage = Stage.JumpSetup;
                    if (CollectExchanges())
                    {
                        return GridStep.Exchange;
                    }

                    break;

                case Stage.JumpSetup:
                    SetUpJumps(routes, starts[_i + 1]);
                    _stage = Stage.Jumps;
                    break;

                case Stage.Jumps:
                    if (NextAheads())
                    {
                        return GridStep.Ahead;
                    }

                    MoveClocks(_i, _t, _day);
                    _i++;
                    _stage = Stage.Scan;
                    break;

                case Stage.Final:
                    _stage = Stage.FinalExchange;
                    if (admitted.Length > _partStart)
                    {
                        (From, To, _partStart) = (_partStart, admitted.Length, admitted.Length);
                        return GridStep.Evaluate;
                    }

                    break;

                case Stage.FinalExchange:
                    _stage = Stage.Done;
                    if (CollectExchanges())
                    {
                        return GridStep.Exchange;
                    }

                    break;

                default:
                    return GridStep.Done;
            }
        }
    }

    /// <summary>Whether route entry <paramref name="e"/> (policy <paramref name="index"/>, activity time
    /// <paramref name="t"/>) moves a grid policy's clock as every copy's model moves it: a grid policy, no condition
    /// error, a time after the clock.</summary>
    private bool MovesClock(BatchRoutes routes, int e, int index, long t) =>
        _isGrid[index] && routes.Error(e) is null && t > _clock[index];

    /// <summary>The clocks after activity <paramref name="i"/> (as each copy's model moves them).</summary>
    private void MoveClocks(int i, long t, long day)
    {
        var routes = _routes!;
        var starts = routes.Starts;
        var policies = routes.Policies;
        for (var e = starts[i]; e < starts[i + 1]; e++)
        {
            var index = policies[e];
            if (!MovesClock(routes, e, index, t))
            {
                continue;
            }

            if (_clock[index] != long.MinValue && day > _clock[index] / TimeSpan.TicksPerDay)
            {
                _crossedDay[index] = day;
            }

            _clock[index] = t;
        }
    }

    /// <summary>The day starts crossed in the part just evaluated, into <see cref="Exchanges"/> (then forgotten);
    /// returns whether there are any.</summary>
    private bool CollectExchanges()
    {
        _exchanges.Clear();
        foreach (var index in _policies)
        {
            if (_crossedDay[index] != long.MinValue)
            {
                _exchanges.Add((index, (int)_crossedDay[index]));
                _crossedDay[index] = long.MinValue;
            }
        }

        return _exchanges.Count > 0;
    }

    /// <summary>Sets up the jumps of the current activity (its entries before <paramref name="end"/>): every grid policy
    /// whose clock it moves over more than one day start runs that jump's day starts but the last ahead (at most the last
    /// <see cref="BaselineModel{T}.GridDayStartsPerJump"/> in all, as the single engine).</summary>
    private void SetUpJumps(BatchRoutes routes, int end)
    {
        var policies = routes.Policies;
        _jumping.Clear();
        for (var e = _entry; e < end; e++)
        {
            var index = policies[e];
            if (!MovesClock(routes, e, index, _t) || _clock[index] == long.MinValue || _jumping.Contains(index))
            {
                continue;
            }

            var last = _clock[index] / TimeSpan.TicksPerDay;
            if (_day <= last + 1)
            {
                continue;
            }

            // From the model's own day too: a day start already run ahead is not run again.
            _aheadNext[index] = Math.Max(Math.Max(last, _copy!.GridModelAt(index)!.GridDay) + 1, _day - BaselineModel<Activity>.GridDayStartsPerJump + 1);
            _aheadEnd[index] = _day;
            _jumping.Add(index);
        }
    }

    /// <summary>The next day start of every jumping policy that has any left, into <see cref="Aheads"/>; false when none
    /// has.</summary>
    private bool NextAheads()
    {
        _aheads.Clear();
        foreach (var index in _jumping)
        {
            if (_aheadNext[index] < _aheadEnd[index])
            {
                _aheads.Add((index, (int)_aheadNext[index]++));
            }
        }

        return _aheads.Count > 0;
    }
}

/// <summary>What an exchange of one day's totals found (<see cref="GridTotalsSum.End"/>).</summary>
internal enum GridExchangeOutcome
{
    /// <summary>Every partition holds the day's totals: <see cref="GridTotalsSum.Sum"/> replaces each one's.</summary>
    Sum,

    /// <summary>No partition holds them (the day start failed in every copy, each reported by the key's owner as the
    /// single engine reports it): nothing to exchange.</summary>
    None,

    /// <summary>The day start run ahead failed in every partition (<see cref="GridBatchCursor.FailedEverywhere"/>).</summary>
    FailedEverywhere,
}

/// <summary>Sums the partitions' pending totals of one policy's UTC day (integers: any order gives the same bits) and
/// checks that the partitions agree: the in-process <see cref="GridExchange"/> and the Orleans coordinator both
/// exchange through it. Reused; not thread-safe.</summary>
internal sealed class GridTotalsSum
{
    private readonly GridPriorTotals _sum = new();
    private int _policy;
    private int _day;
    private int _copies;
    private int _failed;
    private int _holding;
    private string? _mismatch;

    /// <summary>The sum (after <see cref="End"/> returned <see cref="GridExchangeOutcome.Sum"/>).</summary>
    public GridPriorTotals Sum => _sum;

    /// <summary>Starts the exchange of policy <paramref name="policy"/>'s totals of day <paramref name="day"/>.</summary>
    public void Begin(int policy, int day)
    {
        _sum.Clear();
        (_policy, _day, _copies, _failed, _holding, _mismatch) = (policy, day, 0, 0, 0, null);
    }

    /// <summary>A partition whose day start run ahead failed.</summary>
    public void AddFailed()
    {
        _copies++;
        _failed++;
    }

    /// <summary>A partition's pending totals (its own keys'), as its <see cref="LaggedGridPrior"/> holds them.</summary>
    public void Add(bool hasPending, int pendingDay, ReadOnlySpan<long> totals, long keys)
    {
        _copies++;
        if (hasPending && pendingDay == _day)
        {
            _holding++;
            _sum.AddRaw(totals, keys);
        }
        else
        {
            _mismatch ??= hasPending
                ? $"The pending grid totals of a partition are of day {pendingDay}, not of day {_day} (policy {_policy}): the partitions did not cross the same day starts."
                : $"A partition holds no pending grid totals of day {_day} (policy {_policy}): the partitions did not cross the same day starts.";
        }
    }

    /// <summary>A partition's pending totals.</summary>
    public void Add(LaggedGridPrior state) => Add(state.HasPending, state.PendingDay, state.PendingTotals, state.PendingKeys);

    /// <summary>What the partitions' shares add up to.</summary>
    /// <exception cref="InvalidOperationException">The partitions disagree (a day start failed in some only, or totals of
    /// different days): their detector-wide states differ.</exception>
    public GridExchangeOutcome End()
    {
        if (_failed == _copies && _failed > 0)
        {
            return GridExchangeOutcome.FailedEverywhere;
        }

        if (_failed != 0)
        {
            throw new InvalidOperationException($"The grid's day start {_day} of policy {_policy} failed in {_failed} of {_copies} partitions only: the partitions' detector-wide states differ.");
        }

        if (_holding == 0)
        {
            return GridExchangeOutcome.None;
        }

        return _holding == _copies ? GridExchangeOutcome.Sum : throw new InvalidOperationException(_mismatch);
    }
}
