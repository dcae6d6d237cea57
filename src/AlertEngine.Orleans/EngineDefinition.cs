using System.IO.Hashing;

namespace AlertEngine;

/// <summary>One engine's validated configuration, as every grain of that engine on a silo uses it, and the silo's
/// routes of the current batch (<see cref="RoutesFor"/>). The configuration is immutable; thread-safe.</summary>
internal sealed class EngineDefinition
{
    public EngineDefinition(string name, IReadOnlyList<AlertPolicy> policies, AlertEngineOptions options, int partitions)
    {
        Name = name;
        Policies = policies;
        Options = options;
        Partitions = partitions;
        // The extended form (as in checkpoints): policies from Sigma (temporal triggers, regular expressions,
        // composite scopes) have no public JSON form but must fingerprint too.
        var hash = new XxHash3();
        foreach (var policy in policies)
        {
            hash.Append(System.Text.Encoding.UTF8.GetBytes(PolicySerializer.SaveExtended(policy)));
        }

        Fingerprint = hash.GetCurrentHashAsUInt64();
    }

    /// <summary>A hash of the policies (their JSON): partition state is per policy position, so persisted partition
    /// state is only read back for the same policies.</summary>
    public ulong Fingerprint { get; }

    public string Name { get; }

    public IReadOnlyList<AlertPolicy> Policies { get; }

    public AlertEngineOptions Options { get; }

    public int Partitions { get; }

    private readonly Lock _routeGate = new();
    private PartitionRouter? _router;
    private SharedRoutes? _current;
    private readonly Stack<SharedRoutes> _spare = new();

    /// <summary>The routes (<see cref="PartitionRouter"/>) of the batch whose input record is <paramref name="input"/>
    /// (<see cref="BatchInput"/>: its name is unique per batch and write, so it identifies the admitted activities),
    /// computed by the first partition on this silo that asks and shared with the others (the decode of the batch with
    /// it): one operation lookup, condition evaluation and key hash per activity and policy per silo, not per partition.
    /// The last batch's routes are kept until the next batch. The routes' arrays are reused batch after batch: a
    /// batch's routes go back to the spares once no partition holds them and another batch has been routed, so
    /// dispose the lease as soon as the partition has evaluated (never keep <see cref="RoutesLease.Routes"/>).
    /// Thread-safe; never change the result.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an encoded batch.</exception>
    public RoutesLease RoutesFor(string input, AdmittedActivities admitted, byte[] activities)
    {
        SharedRoutes shared;
        lock (_routeGate)
        {
            if (_current is not { } current || current.Input != input)
            {
                if (_current is { Users: 0 } previous)
                {
                    Recycle(previous);
                }

                current = _spare.Count > 0 ? _spare.Pop() : new SharedRoutes();
                current.Input = input;
                current.Routed = false;
                _current = current;
            }

            shared = current;
            shared.Users++;
        }

        try
        {
            lock (shared.Gate)
            {
                if (!shared.Routed)
                {
                    var router = _router ??= new PartitionRouter(Policies, Partitions);
                    router.Route(admitted.Resolve(ActivityBatchCodec.DecodeShared(activities), ref shared.Admitted), shared.Routes);
                    shared.Routed = true;
                }
            }
        }
        catch
        {
            Release(shared);
            throw;
        }

        return new RoutesLease(this, shared);
    }

    private void Release(SharedRoutes shared)
    {
        lock (_routeGate)
        {
            if (--shared.Users == 0 && shared != _current)
            {
                Recycle(shared);
            }
        }
    }

    /// <summary>Drops a batch's routes (no partition holds them, another batch is current) and keeps the arrays.</summary>
    private void Recycle(SharedRoutes shared)
    {
        shared.Routes.Clear();
        Array.Clear(shared.Admitted);
        shared.Input = null;
        shared.Routed = false;
        if (_spare.Count < 2)
        {
            _spare.Push(shared);
        }
    }

    /// <summary>One batch's routes on this silo, and how many partitions hold them now.</summary>
    internal sealed class SharedRoutes
    {
        public readonly Lock Gate = new();
        public readonly BatchRoutes Routes = new();
        public AdmittedActivity[] Admitted = [];
        public string? Input;
        public bool Routed;
        public int Users;
    }

    /// <summary>A partition's hold on a batch's routes (<see cref="RoutesFor"/>); dispose once evaluated.</summary>
    internal readonly struct RoutesLease(EngineDefinition definition, SharedRoutes shared) : IDisposable
    {
        public BatchRoutes Routes => shared.Routes;

        public void Dispose() => definition.Release(shared);
    }

    /// <summary>The coordinator writes a new base snapshot of its state after this many deltas
    /// (<see cref="StateLogStore"/>); a partition writes one when its base would be more than this many batches old
    /// (it replays at most this many batch inputs on activation), and the coordinator keeps the inputs of this many
    /// batches (<see cref="BatchInput"/>). The same on every silo. 32: a partition's base snapshot (its whole trigger
    /// state, ~2.6 MB per partition in the benchmark's 1,000 policies over 100,000 users) and the storage copies of it
    /// were the largest persistence cost per batch at 16 (orleans-9: ~230 of ~1,000 bytes allocated per activity, and
    /// ~13 % of the cluster's CPU with its share of the memory provider's copies); at 32 they cost half, for twice the
    /// kept inputs (32 × the client's batch, ~12 MB at batches of 10,000) and at most 32 batches replayed on activation.</summary>
    public int MaxDeltas { get; set; } = 32;

    /// <summary>… or when the coordinator's deltas would outgrow this fraction of its base snapshot.</summary>
    public double CompactionFraction { get; set; } = 1.0;

    /// <summary>Validates <paramref name="options"/> and copies them; throws listing every problem.</summary>
    /// <exception cref="ArgumentException">A policy, an engine option or the partition count is invalid.</exception>
    public static EngineDefinition Create(string name, AlertEngineClusterOptions options)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(options);
        var engine = options.Engine ?? throw new ArgumentException("AlertEngineClusterOptions.Engine must not be null.", nameof(options));
        var problems = new List<string>();
        foreach (var error in engine.Validate())
        {
            problems.Add(error.ToString());
        }

        var policies = options.Policies.ToArray();
        if (problems.Count == 0)
        {
            foreach (var error in PolicyValidator.Validate(policies, engine.Plan))
            {
                problems.Add(error.ToString());
            }
        }

        if (options.Partitions < 1)
        {
            problems.Add($"partitions: must be at least 1 (was {options.Partitions})");
        }

        if (problems.Count > 0)
        {
            throw new ArgumentException(
                $"Invalid alert engine '{name}':" + Environment.NewLine + string.Join(Environment.NewLine, problems),
                nameof(options));
        }

        return new EngineDefinition(name, policies, engine.Copy(), options.Partitions);
    }
}
