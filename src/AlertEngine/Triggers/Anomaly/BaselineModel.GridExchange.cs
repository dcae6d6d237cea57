namespace AlertEngine;

// The partitioned engine's side of the dispersion grid's lagged prior (issue 15): a partition holds only its own keys,
// so the coordinator (GridExchange) sums the partitions' pending totals after every day start and runs the day starts
// of a clock jump one by one, each followed by such an exchange.
public sealed partial class BaselineModel<T>
{
    /// <summary>At most this many UTC day starts of one clock jump are processed (the last ones; the coordinator of a
    /// partitioned engine runs the same ones).</summary>
    internal static int GridDayStartsPerJump => MaxDayStartsPerJump;

    /// <summary>Processes the start of UTC day <paramref name="day"/> ahead of the activity whose time will move the
    /// clock past it (a clock jump over several day starts in a partitioned engine: every day start but the last is run
    /// this way, each followed by the exchange of the partitions' totals; the activity then processes the last). The
    /// same step as <c>MoveGridDay</c>'s: a day start changes only the grid's prior, totals and the informed keys' φ̂,
    /// which neither the population profile's move nor the sweep at that activity reads or writes before it.</summary>
    /// <exception cref="InvalidOperationException">There is no grid, no day yet, or <paramref name="day"/> is not after
    /// the last processed day start and before the day of the next time.</exception>
    internal void RunGridDayStartAhead(int day)
    {
        if (_prior is null || _gridDay == long.MinValue || day <= _gridDay)
        {
            throw new InvalidOperationException($"The grid cannot run day start {day} ahead (its last day start: {_gridDay}).");
        }

        DayStart(day);
        _gridDay = day;
    }
}
