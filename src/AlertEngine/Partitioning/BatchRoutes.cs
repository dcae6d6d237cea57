namespace AlertEngine;

/// <summary>
/// One batch of admitted activities as <see cref="PartitionRouter"/> routed it, shared by every partition that
/// evaluates the batch (<see cref="EnginePartition.Evaluate(BatchRoutes, PartitionOutput)"/>): per activity, the
/// candidate policies whose conditions it passed (or whose conditions threw), each with the partition that owns its
/// scope key (its id for every-time policies). So the operation lookup, the conditions and the key hash run once per
/// batch, not once per partition: a partition observes the entries it owns and only passes the others' times to its
/// detectors' clocks. Entries of one activity are in candidate order, activities in batch order. Read-only once
/// routed (filled again only by the router that owns it, when reused by a single-threaded caller, or, in the Orleans
/// package's shared routing, by <see cref="Append"/> of the routed parts in order under the batch's lock).
/// </summary>
internal sealed class BatchRoutes
{
    private AdmittedActivity[] _admitted = [];
    private int[] _starts = [0];
    private int[] _policies = [];
    private int[] _owners = [];
    private Exception?[] _errors = [];

    /// <summary>The number of partitions the owners were computed for.</summary>
    public int Partitions { get; private set; }

    /// <summary>The number of admitted activities.</summary>
    public int Count { get; private set; }

    /// <summary>The number of entries (activity, policy) routed.</summary>
    public int Entries { get; private set; }

    /// <summary>Whether some entry's conditions threw (<see cref="Error"/>).</summary>
    public bool HasErrors { get; private set; }

    /// <summary>The admitted activities, in batch order (the first <see cref="Count"/>).</summary>
    public ReadOnlySpan<AdmittedActivity> Admitted => _admitted.AsSpan(0, Count);

    /// <summary>The first entry of each activity, and the end of the last: <see cref="Start"/> for every activity at once.</summary>
    public ReadOnlySpan<int> Starts => _starts.AsSpan(0, Count + 1);

    /// <summary>The policy index of each entry (<see cref="Policy"/> for all <see cref="Entries"/> at once).</summary>
    public ReadOnlySpan<int> Policies => _policies.AsSpan(0, Entries);

    /// <summary>The owner of each entry (<see cref="Owner"/> for all <see cref="Entries"/> at once).</summary>
    public ReadOnlySpan<int> Owners => _owners.AsSpan(0, Entries);

    /// <summary>The first entry of activity <paramref name="i"/>; its entries end at <c>Start(i + 1)</c>.</summary>
    public int Start(int i) => _starts[i];

    /// <summary>The policy index of entry <paramref name="e"/>.</summary>
    public int Policy(int e) => _policies[e];

    /// <summary>The partition that owns entry <paramref name="e"/>'s key.</summary>
    public int Owner(int e) => _owners[e];

    /// <summary>What the policy's conditions threw for entry <paramref name="e"/> (only its owner reports it), or
    /// <see langword="null"/> when they passed.</summary>
    public Exception? Error(int e) => HasErrors ? _errors[e] : null;

    /// <summary>Starts filling for <paramref name="admitted"/> (arrays are reused when large enough).</summary>
    internal void Begin(ReadOnlySpan<AdmittedActivity> admitted, int partitions)
    {
        Partitions = partitions;
        Count = admitted.Length;
        Entries = 0;
        HasErrors = false;
        if (_admitted.Length < admitted.Length)
        {
            _admitted = new AdmittedActivity[admitted.Length];
            _starts = new int[admitted.Length + 1];
        }

        admitted.CopyTo(_admitted);
        _starts[0] = 0;
    }

    /// <summary>Adds an entry of the current activity.</summary>
    internal void Add(int policy, int owner, Exception? error)
    {
        if (Entries == _policies.Length)
        {
            var size = Math.Max(16, _policies.Length * 2);
            Array.Resize(ref _policies, size);
            Array.Resize(ref _owners, size);
            Array.Resize(ref _errors, size);
        }

        _policies[Entries] = policy;
        _owners[Entries] = owner;
        _errors[Entries] = error;
        HasErrors |= error is not null;
        Entries++;
    }

    /// <summary>Ends activity <paramref name="i"/>'s entries.</summary>
    internal void End(int i) => _starts[i + 1] = Entries;

    /// <summary>Appends the routes of <paramref name="part"/>, routed for this batch's activities from
    /// <paramref name="at"/> on (after <see cref="Begin"/> and the parts before it, in order): the result equals one
    /// routing of the whole batch.</summary>
    internal void Append(BatchRoutes part, int at)
    {
        if (at + part.Count > Count || _starts[at] != Entries)
        {
            throw new InvalidOperationException("Route parts must be appended in order.");
        }

        var entries = Entries + part.Entries;
        if (entries > _policies.Length)
        {
            var size = Math.Max(16, Math.Max(entries, _policies.Length * 2));
            Array.Resize(ref _policies, size);
            Array.Resize(ref _owners, size);
            Array.Resize(ref _errors, size);
        }

        part._policies.AsSpan(0, part.Entries).CopyTo(_policies.AsSpan(Entries));
        part._owners.AsSpan(0, part.Entries).CopyTo(_owners.AsSpan(Entries));
        part._errors.AsSpan(0, part.Entries).CopyTo(_errors.AsSpan(Entries));
        for (var i = 0; i < part.Count; i++)
        {
            _starts[at + i + 1] = Entries + part._starts[i + 1];
        }

        HasErrors |= part.HasErrors;
        Entries = entries;
    }

    /// <summary>Drops the references to the batch's activities and errors (a reused instance between batches).</summary>
    internal void Clear()
    {
        Array.Clear(_admitted, 0, Count);
        if (HasErrors)
        {
            Array.Clear(_errors, 0, Entries);
        }

        Count = 0;
        Entries = 0;
        HasErrors = false;
    }
}
