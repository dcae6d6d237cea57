namespace AlertEngine.Orleans.Tests;

/// <summary>The coordinator's side of a grid exchange (<see cref="GridSums.Combine"/> over <see cref="GridTotalsSum"/>,
/// the in-process <see cref="GridExchange"/>'s code): the sum of the partitions' integer totals, and the failure rules
/// (a day start run ahead that failed in every partition stops the jump; in some only, or totals of different days,
/// throw).</summary>
public class GridSumsTests
{
    private static GridStepReply Share(bool ahead, bool failed, int? pendingDay, long keys, long value) => new()
    {
        Ahead = ahead,
        Policies = [4],
        Days = [20_000],
        Failed = [failed],
        HasPending = [pendingDay is not null],
        PendingDays = [pendingDay ?? 0],
        Keys = [pendingDay is null ? 0 : keys],
        Totals = pendingDay is null ? new long[GridLikelihood.Size] : Enumerable.Repeat(value, GridLikelihood.Size).ToArray(),
    };

    [Fact]
    public void The_sum_adds_every_partitions_totals()
    {
        var sums = GridSums.Combine([Share(false, false, 20_000, 3, 5), Share(false, false, 20_000, 4, 7), Share(true, false, 20_000, 0, 0)], new GridTotalsSum());
        Assert.Equal([(int)GridExchangeOutcome.Sum], sums.Outcomes);
        Assert.Equal([7L], sums.Keys);
        Assert.All(sums.Totals, t => Assert.Equal(12, t));
    }

    [Fact]
    public void No_partition_holding_the_days_totals_exchanges_nothing()
    {
        var sums = GridSums.Combine([Share(false, false, null, 0, 0), Share(false, false, 19_999, 2, 1)], new GridTotalsSum());
        Assert.Equal([(int)GridExchangeOutcome.None], sums.Outcomes);
    }

    [Fact]
    public void A_day_start_run_ahead_that_failed_everywhere_stops_the_jump()
    {
        var sums = GridSums.Combine([Share(true, true, null, 0, 0), Share(true, true, null, 0, 0)], new GridTotalsSum());
        Assert.Equal([(int)GridExchangeOutcome.FailedEverywhere], sums.Outcomes);
    }

    [Fact]
    public void Partitions_that_disagree_throw()
    {
        var partial = Assert.Throws<InvalidOperationException>(() => GridSums.Combine([Share(true, true, null, 0, 0), Share(true, false, 20_000, 1, 1)], new GridTotalsSum()));
        Assert.Contains("failed in 1 of 2 partitions only", partial.Message, StringComparison.Ordinal);
        var days = Assert.Throws<InvalidOperationException>(() => GridSums.Combine([Share(false, false, 20_000, 1, 1), Share(false, false, 19_999, 1, 1)], new GridTotalsSum()));
        Assert.Contains("not of day 20000", days.Message, StringComparison.Ordinal);
    }
}
