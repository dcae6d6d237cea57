using Orleans;

namespace AlertEngine;

/// <summary>Phase-2 questions for one partition: the digests of the activity ids routed to it, with the duplicate
/// filter's clock at each (as <see cref="DuplicateQuery"/>, column by column, in order). Immutable once sent.</summary>
[GenerateSerializer]
[Immutable]
internal sealed class DuplicateQueries
{
    [Id(0)]
    public ulong[] DigestHigh { get; set; } = [];

    [Id(1)]
    public ulong[] DigestLow { get; set; } = [];

    [Id(2)]
    public long[] FilterClockTicks { get; set; } = [];

    public int Count => DigestHigh.Length;

    public static DuplicateQueries From(List<DuplicateQuery> queries)
    {
        var result = new DuplicateQueries
        {
            DigestHigh = new ulong[queries.Count],
            DigestLow = new ulong[queries.Count],
            FilterClockTicks = new long[queries.Count],
        };
        for (var i = 0; i < queries.Count; i++)
        {
            var q = queries[i];
            result.DigestHigh[i] = (ulong)(q.Digest >> 64);
            result.DigestLow[i] = (ulong)q.Digest;
            result.FilterClockTicks[i] = q.FilterClockTicks;
        }

        return result;
    }

    /// <summary>The questions, numbered 0, 1, … in order (the answers come back in that order).</summary>
    public DuplicateQuery[] ToQueries()
    {
        DuplicateQuery[] queries = [];
        return ToQueries(ref queries).ToArray();
    }

    /// <summary>The questions, numbered 0, 1, … in order, in <paramref name="buffer"/> (replaced by a larger one when
    /// too small, so one buffer serves batch after batch).</summary>
    public ReadOnlySpan<DuplicateQuery> ToQueries(ref DuplicateQuery[] buffer)
    {
        if (buffer.Length < Count)
        {
            buffer = new DuplicateQuery[Count];
        }

        var queries = buffer.AsSpan(0, Count);
        for (var i = 0; i < queries.Length; i++)
        {
            queries[i] = new DuplicateQuery(i, ((UInt128)DigestHigh[i] << 64) | DigestLow[i], FilterClockTicks[i]);
        }

        return queries;
    }
}
