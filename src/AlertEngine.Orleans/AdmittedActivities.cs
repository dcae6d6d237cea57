using Orleans;

namespace AlertEngine;

/// <summary>Which activities of a batch the coordinator admitted (phase 3), by index into the batch, and whether each
/// moved the clock (as <see cref="AdmittedActivity"/>, column by column). The activities themselves travel once, as
/// the client encoded them. Immutable once sent.</summary>
[GenerateSerializer]
[Immutable]
internal sealed class AdmittedActivities
{
    /// <summary>The global arrival number of the batch's first activity.</summary>
    [Id(0)]
    public long FirstSequence { get; set; }

    [Id(1)]
    public int[] Indexes { get; set; } = [];

    [Id(2)]
    public bool[] MovesClock { get; set; } = [];

    /// <summary>Encodes the admitted activities (their sequence is the batch's first plus their index).</summary>
    public static AdmittedActivities From(List<AdmittedActivity> admitted, long firstSequence)
    {
        var result = new AdmittedActivities
        {
            FirstSequence = firstSequence,
            Indexes = new int[admitted.Count],
            MovesClock = new bool[admitted.Count],
        };
        for (var i = 0; i < admitted.Count; i++)
        {
            result.Indexes[i] = checked((int)(admitted[i].Sequence - firstSequence));
            result.MovesClock[i] = admitted[i].MovesClock;
        }

        return result;
    }

    /// <summary>The admitted activities of <paramref name="batch"/>, in <paramref name="buffer"/> (replaced by a larger
    /// one when too small, so one buffer serves batch after batch).</summary>
    public ReadOnlySpan<AdmittedActivity> Resolve(Activity[] batch, ref AdmittedActivity[] buffer)
    {
        if (buffer.Length < Indexes.Length)
        {
            buffer = new AdmittedActivity[Indexes.Length];
        }

        var admitted = buffer.AsSpan(0, Indexes.Length);
        for (var i = 0; i < admitted.Length; i++)
        {
            admitted[i] = new AdmittedActivity(FirstSequence + Indexes[i], batch[Indexes[i]], MovesClock[i]);
        }

        return admitted;
    }
}
