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
        _activations = new int[partitions];
        _finished = new string?[partitions];
        // The extended form (as in checkpoints): policies from Sigma (temporal triggers, regular expressions,
        // composite scopes) have no public JSON form but must fingerprint too.
        var forms = new byte[policies.Count][];
        var hasAnomaly = false;
        for (var i = 0; i < policies.Count; i++)
        {
            forms[i] = System.Text.Encoding.UTF8.GetBytes(PolicySerializer.SaveExtended(policies[i]));
            hasAnomaly |= policies[i].Trigger is AnomalyTrigger;
        }

        // Decided by the models themselves, as each partition's GridBatchCursor is: the grid path only when a policy's
        // detector runs the grid (not by the switch alone: an engine without anomaly policies takes the plain path).
        RunsGrid = hasAnomaly && GridBatchCursor.Create(new EnginePartition(policies, options, 0, 1), policies.Count) is not null;
        // The grid switch counts only when a model runs the grid: an anomaly engine whose policies cannot run it (daily
        // buckets, a key time zone, the profile off) keeps its fingerprint, and its state, when the switch's default flips.
        Fingerprint = FingerprintOf(forms, hasAnomaly, RunsGrid, options.AnomalyProfileFitLimit);
        if (RunsGrid)
        {
            // State a version without the grid wrote for these policies (the grid off; the profile as now, or off as
            // before it): a partition replays it under those options and converts it (EnginePartitionGrain.PrepareGridAsync).
            var gridless = options.Copy();
            gridless.AnomalyDispersionGrid = false;
            var predecessors = new List<(ulong, AlertEngineOptions)> { (FingerprintOf(forms, hasAnomaly, false, gridless.AnomalyProfileFitLimit), gridless) };
            if (gridless.AnomalyProfileFitLimit != 0)
            {
                var plain = gridless.Copy();
                plain.AnomalyProfileFitLimit = 0;
                predecessors.Add((FingerprintOf(forms, hasAnomaly, false, 0), plain));
            }

            _gridlessPredecessors = [.. predecessors];
        }
    }

    /// <summary>The fingerprint of policies (their extended JSON forms) under the anomaly switches that change partition
    /// state (issue 15): a partition replays its batch inputs (<see cref="BatchInput.Replay"/>) under the setting of the
    /// silo, which must be the one they were first evaluated with (under the grid, a replay makes no exchange). The
    /// switches count only when set and only for engines with an anomaly policy (the only detectors they change), so
    /// engines without them keep their fingerprints whatever the switches' defaults; <paramref name="grid"/> is whether a
    /// model runs the grid (<see cref="RunsGrid"/>), not the switch, so anomaly engines whose policies cannot run it keep
    /// theirs too. (The fit limit still counts for every anomaly engine, as it did before the grid: dropping it for
    /// engines without the profile would change their fingerprints against every earlier version.)</summary>
    private static ulong FingerprintOf(byte[][] forms, bool hasAnomaly, bool grid, double fitLimit)
    {
        var hash = new XxHash3();
        foreach (var form in forms)
        {
            hash.Append(form);
        }

        if (hasAnomaly && (grid || fitLimit != 0))
        {
            Span<byte> switches = stackalloc byte[1 + sizeof(double)];
            switches[0] = grid ? (byte)1 : (byte)2;
            System.Buffers.Binary.BinaryPrimitives.WriteDoubleLittleEndian(switches[1..], fitLimit);
            hash.Append("\0anomaly-switches"u8);
            hash.Append(switches);
        }

        return hash.GetCurrentHashAsUInt64();
    }

    private readonly (ulong Fingerprint, AlertEngineOptions Options)[] _gridlessPredecessors = [];

    /// <summary>Whether any policy's detector runs the anomaly dispersion grid (issue 15): then the coordinator evaluates
    /// a batch through the grid's steps (<c>EvaluateGridAsync</c>, an exchange at every UTC day start), otherwise through
    /// one call per partition (<c>EvaluateAsync</c>). The same rule as each partition's own (<see cref="GridBatchCursor.Create"/>).</summary>
    public bool RunsGrid { get; }

    /// <summary>The options under which a version without the grid wrote partition state of fingerprint
    /// <paramref name="fingerprint"/> for these policies (the grid off; the population profile as configured now, or off),
    /// or null: such state is replayed under them and converted to the grid at the first batch after the upgrade (EnginePartitionGrain.PrepareGridAsync).</summary>
    public AlertEngineOptions? GridlessPredecessor(ulong fingerprint)
    {
        foreach (var (candidate, options) in _gridlessPredecessors)
        {
            if (candidate == fingerprint)
            {
                return options;
            }
        }

        return null;
    }

    /// <summary>A hash of the policies (their JSON) and of the anomaly switches that change partition state
    /// (<see cref="AlertEngineOptions.AnomalyDispersionGrid"/>, <see cref="AlertEngineOptions.AnomalyProfileFitLimit"/>,
    /// when set and the engine has an anomaly policy): partition state is per policy position and is replayed under the
    /// switches, so persisted partition state is only read back for the same policies and switches (or converted from a
    /// version without the grid, <see cref="GridlessPredecessor"/>).</summary>
    public ulong Fingerprint { get; }

    public string Name { get; }

    public IReadOnlyList<AlertPolicy> Policies { get; }

    public AlertEngineOptions Options { get; }

    public int Partitions { get; }

    private readonly Lock _routeGate = new();
    private PartitionRouter?[] _routers = [];
    private SharedRoutes? _current;
    private readonly Stack<SharedRoutes> _spare = new();

    /// <summary>The routes (<see cref="PartitionRouter"/>) of the batch whose input record is <paramref name="input"/>
    /// (<see cref="BatchInput"/>: its name is unique per batch and write, so it identifies the admitted activities),
    /// computed in parts by the partitions on this silo that ask at the same time (<see cref="Route"/>) and shared by all
    /// of them (the decode of the batch with it): one operation lookup, condition evaluation and key hash per activity
    /// and policy per silo, not per partition.
    /// A batch's routes are kept until every partition active on this silo has finished the batch
    /// (<see cref="PartitionFinished"/>), the coordinator's <see cref="ReleaseBatch"/> on its silo, or the next batch's
    /// routing, whichever comes first. The routes' arrays are reused batch after batch: a batch's routes go back to the
    /// spares once no partition holds them and the batch is released or another batch has been routed, so dispose the
    /// lease as soon as the partition has evaluated (never keep <see cref="RoutesLease.Routes"/>).
    /// Thread-safe; never change the result.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an encoded batch.</exception>
    public RoutesLease RoutesFor(string input, AdmittedActivities admitted, byte[] activities)
    {
        SharedRoutes shared;
        lock (_routeGate)
        {
            shared = Enter(input);
            shared.Users++;
        }

        try
        {
            Route(shared, admitted, activities);
        }
        catch
        {
            Release(shared);
            throw;
        }

        return new RoutesLease(this, shared);
    }

    /// <summary>The current batch's entry, made current (the previous batch's recycled if no partition holds it) when
    /// <paramref name="input"/> is another batch (under <see cref="_routeGate"/>).</summary>
    private SharedRoutes Enter(string input)
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
            current.Round = null;
            _current = current;
        }

        return current;
    }

    /// <summary>Activations of each partition of this engine on this silo (under <see cref="_routeGate"/>).</summary>
    private readonly int[] _activations;

    /// <summary>The input of the last batch each partition finished on this silo (<see cref="PartitionFinished"/>; under
    /// <see cref="_routeGate"/>). Kept per partition, not per batch entry, so that a batch routed again after its
    /// release (a partition that activated after the others had finished it) is released again once that partition
    /// finishes, and a stale call's finish (another input) changes nothing but its own partition's record.</summary>
    private readonly string?[] _finished;

    /// <summary>Partition <paramref name="index"/> has an activation on this silo (<see cref="EnginePartitionGrain"/>, once
    /// activated): the silo's batch is released only once it has finished the batch too
    /// (<see cref="PartitionFinished"/>).</summary>
    public void PartitionActivated(int index)
    {
        lock (_routeGate)
        {
            _activations[index]++;
        }
    }

    /// <summary>Partition <paramref name="index"/>'s activation on this silo ended: the partitions left here may all have
    /// finished the batch.</summary>
    public void PartitionDeactivated(int index)
    {
        lock (_routeGate)
        {
            System.Diagnostics.Debug.Assert(_activations[index] > 0, $"partition {index} deactivated without an activation on this silo");
            if (_activations[index] > 0)
            {
                _activations[index]--;
            }

            ReleaseIfFinished();
        }
    }

    /// <summary>Partition <paramref name="index"/> on this silo needs nothing more of the batch whose input record is
    /// <paramref name="input"/> (it has evaluated it and encoded its output, it answered it from its persisted answers,
    /// or it failed; call once per call of the batch, after its lease of the routes is disposed). This silo drops the
    /// batch's routes and its decoded activities once every partition active on it has finished that batch (its last
    /// finished input is the batch's), no partition holds the routes, and at least one partition finished it; the
    /// routing has already dropped the decode (<see cref="Route"/>). A partition that asks for the batch again
    /// afterwards (it activated on this silo after the others had finished the batch, or a retry) decodes and routes it
    /// again, and the batch is released again once that partition finishes it. A finish of another input than the
    /// current batch's (a stale call of an earlier coordinator attempt, or a partition that answered before this silo
    /// routed the batch) records only that partition's last input: it neither replaces nor releases the current batch.
    /// Nothing the partitions keep refers to the batch's activities: threshold triggers keep arena records
    /// (<see cref="AlertEngineOptions.WithActivityRecords"/>); the other triggers' kept activities are their state.
    /// The coordinator's <see cref="ReleaseBatch"/> reaches only its own silo.</summary>
    public void PartitionFinished(int index, string input)
    {
        lock (_routeGate)
        {
            _finished[index] = input;
            ReleaseIfFinished();
        }
    }

    /// <summary>Drops the current batch if every partition active here has finished it, at least one partition has,
    /// and none holds its routes (under <see cref="_routeGate"/>).</summary>
    private void ReleaseIfFinished()
    {
        if (_current is not { Users: 0 } current)
        {
            return; // nothing current, or a partition still holds the routes (it finishes after its lease)
        }

        var any = false;
        for (var p = 0; p < _activations.Length; p++)
        {
            var finished = string.Equals(_finished[p], current.Input, StringComparison.Ordinal);
            if (_activations[p] > 0 && !finished)
            {
                return;
            }

            any |= finished;
        }

        if (!any)
        {
            return; // no partition here has finished this batch (e.g. the last one deactivated before it began)
        }

        DropDecoded(current.Bytes);
        Recycle(current);
        _current = null;
        Interlocked.Increment(ref _releasedBatches);
    }

    private long _releasedBatches;

    /// <summary>How many batches this silo released when its partitions had finished them (<see cref="PartitionFinished"/>;
    /// for tests and diagnostics).</summary>
    internal long ReleasedBatches => Interlocked.Read(ref _releasedBatches);

    /// <summary>Whether this silo holds a decoded batch or a batch's routes (for tests and diagnostics).</summary>
    internal bool HoldsBatch
    {
        get
        {
            lock (_decodeGate)
            {
                if (_decoded is not null)
                {
                    return true;
                }
            }

            lock (_routeGate)
            {
                return _current is { } current && (current.Routed || current.Round is not null || current.Bytes is not null);
            }
        }
    }

    /// <summary>How many partitions of this engine have an activation on this silo (for tests and diagnostics).</summary>
    internal int LocalPartitions
    {
        get
        {
            lock (_routeGate)
            {
                var n = 0;
                foreach (var count in _activations)
                {
                    n += count > 0 ? 1 : 0;
                }

                return n;
            }
        }
    }

    /// <summary>Called with each batch this silo decodes (tests: weak references to it).</summary>
    internal Action<Activity[]>? Decoded { get; set; }

    /// <summary>Activities per part when a batch's routing is shared out (<see cref="Route"/>); at least 1.</summary>
    internal static int RoutePartSize { get; set; } = 2048;

    /// <summary>At most this many parts (and routers, each compiling every policy's conditions at its first use).</summary>
    private const int MaxRouteParts = 8;

    /// <summary>Routes the batch into <paramref name="shared"/> unless that is done. The activities are cut into parts
    /// (<see cref="RoutePartSize"/> each, at most twice the cores and <see cref="MaxRouteParts"/>), and every
    /// partition of this silo that asks while parts are left routes one (each part has its own
    /// <see cref="PartitionRouter"/>: its conditions are compiled per router), instead of waiting for the first
    /// partition to route them all: the partitions ask at the same time, and the routing is the same whichever thread
    /// routes which part. The parts are then joined in order, so the routes equal one router's over the whole
    /// batch.</summary>
    private void Route(SharedRoutes shared, AdmittedActivities admitted, byte[] activities)
    {
        while (!Volatile.Read(ref shared.Routed))
        {
            RoutingRound round;
            byte[]? decodedBytes;
            lock (shared.Gate)
            {
                if (shared.Routed)
                {
                    return;
                }

                if (shared.Round is not { } started)
                {
                    shared.Bytes = activities; // the buffer this round decodes (the key of the silo's decode)
                    var batch = admitted.Resolve(Decode(activities), ref shared.Admitted);
                    var parts = Math.Clamp(batch.Length / Math.Max(1, RoutePartSize), 1, Math.Min(MaxRouteParts, 2 * Environment.ProcessorCount));
                    started = shared.Round = new RoutingRound(shared.Admitted, batch.Length, shared.PartsFor(parts), Routers(parts));
                }

                round = started;
            }

            round.RouteParts();
            round.Done.Wait();
            lock (shared.Gate)
            {
                if (shared.Routed || shared.Round != round)
                {
                    continue; // routed by another partition, or started over after a failure
                }

                shared.Round = null;
                if (round.Error is { } error)
                {
                    // Every part has ended: the next partition that asks starts over.
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(error);
                }

                round.Join(shared.Routes, Partitions);
                Volatile.Write(ref shared.Routed, true);
                decodedBytes = shared.Bytes;
            }

            // The partitions here take the routes from now on (which hold the admitted activities): the decoded batch
            // is not needed on this silo any more (the coordinator keeps its own reference while it applies the batch).
            // Dropped by the buffer the round decoded, which is another partition's copy when that one started it.
            DropDecoded(decodedBytes);
        }
    }

    /// <summary>Drops the decoded batch if it is the one of <paramref name="activities"/>.</summary>
    private void DropDecoded(byte[]? activities)
    {
        lock (_decodeGate)
        {
            if (activities is not null && ReferenceEquals(_decodedBytes, activities))
            {
                _decodedBytes = null;
                _decoded = null;
            }
        }
    }

    /// <summary>The first <paramref name="count"/> routers, made on first use (a router serializes its own calls).</summary>
    private PartitionRouter[] Routers(int count)
    {
        lock (_routeGate)
        {
            if (_routers.Length < count)
            {
                Array.Resize(ref _routers, count);
            }

            var routers = new PartitionRouter[count];
            for (var i = 0; i < count; i++)
            {
                routers[i] = _routers[i] ??= new PartitionRouter(Policies, Partitions);
            }

            return routers;
        }
    }

    private readonly Lock _decodeGate = new();
    private byte[]? _decodedBytes;
    private Lazy<Activity[]>? _decoded;

    /// <summary>The activities of the batch in <paramref name="activities"/>, decoded once for this engine on this
    /// silo: grain calls within a silo pass an <c>Immutable</c> buffer by reference, so the coordinator and the
    /// partitions on its silo decode a batch once (activities are immutable and shared, as in the in-process partitioned
    /// engine). The last batch decoded is held (strongly) until the first of: the silo's routing of it is joined
    /// (<see cref="Route"/>, when the decode was the routing's), every partition active on this silo has finished it
    /// (<see cref="PartitionFinished"/>), <see cref="ReleaseBatch"/>, or the next decode.
    /// Not a table weakly keyed by the buffer, as before: a batch's buffer is a large object, which only a full
    /// collection frees, so each batch's ~10,000 activities lived on through every gen0 and gen1 collection until then
    /// (promoted twice; benchmarks/results/orleans.md, decode-17). Thread-safe; never change the result.</summary>
    /// <exception cref="InvalidDataException">The bytes are not an encoded batch.</exception>
    public Activity[] Decode(byte[] activities)
    {
        Lazy<Activity[]> decoded;
        lock (_decodeGate)
        {
            if (_decoded is null || !ReferenceEquals(_decodedBytes, activities))
            {
                _decodedBytes = activities;
                _decoded = new Lazy<Activity[]>(
                    () =>
                    {
                        var batch = ActivityBatchCodec.Decode(activities, parallel: true);
                        Decoded?.Invoke(batch);
                        return batch;
                    },
                    LazyThreadSafetyMode.ExecutionAndPublication);
            }

            decoded = _decoded;
        }

        return decoded.Value;
    }

    /// <summary>Drops this silo's decoded batch (<see cref="Decode"/>, unconditionally) and its routes if no partition
    /// holds them. The coordinator calls it on its own silo only, once every partition's call of the batch has ended,
    /// evaluated or failed, so that the batch's activities are garbage before the next batch is decoded instead of
    /// surviving its decode's collections through old objects (the routes' reused arrays). Every silo with partitions
    /// usually drops the batch earlier, once its active partitions have finished it (<see cref="PartitionFinished"/>);
    /// this call covers the coordinator's own decode and a batch its silo's partitions did not all finish (a partition
    /// whose call did not arrive). A partition that asks for the same batch again afterwards (a retry) decodes and
    /// routes it again.</summary>
    public void ReleaseBatch()
    {
        lock (_decodeGate)
        {
            _decodedBytes = null;
            _decoded = null;
        }

        lock (_routeGate)
        {
            if (_current is { Users: 0 } current)
            {
                Recycle(current);
                _current = null;
            }
        }
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
        foreach (var part in shared.Parts)
        {
            part.Clear();
        }

        Array.Clear(shared.Admitted);
        shared.Bytes = null;
        shared.Input = null;
        shared.Routed = false;
        shared.Round = null;
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
        public BatchRoutes[] Parts = [];
        public string? Input;

        /// <summary>The buffer the batch's routing decoded (the key of this silo's decode: a partition's own copy of the
        /// message on a silo without the coordinator), once a round started (under <see cref="Gate"/>).</summary>
        public byte[]? Bytes;
        public bool Routed;
        public int Users;

        /// <summary>The routing under way, if any (under <see cref="Gate"/>).</summary>
        public RoutingRound? Round;

        /// <summary>The first <paramref name="count"/> part buffers (kept batch after batch).</summary>
        public BatchRoutes[] PartsFor(int count)
        {
            if (Parts.Length < count)
            {
                var grown = new BatchRoutes[count];
                Parts.CopyTo(grown, 0);
                for (var i = Parts.Length; i < count; i++)
                {
                    grown[i] = new BatchRoutes();
                }

                Parts = grown;
            }

            return Parts;
        }
    }

    /// <summary>One routing of a batch in parts: any thread takes parts until none is left (each part is taken once,
    /// by one thread, with its own router); <see cref="Done"/> is set when every part has ended.</summary>
    internal sealed class RoutingRound
    {
        private readonly AdmittedActivity[] _admitted;
        private readonly BatchRoutes[] _parts;
        private readonly PartitionRouter[] _routers;
        private readonly int[] _bounds;
        private int _next;
        private int _remaining;
        private Exception? _error;

        public RoutingRound(AdmittedActivity[] admitted, int count, BatchRoutes[] parts, PartitionRouter[] routers)
        {
            _admitted = admitted;
            _parts = parts;
            _routers = routers;
            _bounds = new int[routers.Length + 1];
            for (var i = 0; i <= routers.Length; i++)
            {
                _bounds[i] = (int)((long)count * i / routers.Length);
            }

            _remaining = routers.Length;
        }

        public ManualResetEventSlim Done { get; } = new(false);

        /// <summary>The first exception a part's routing threw (read once <see cref="Done"/> is set).</summary>
        public Exception? Error => Volatile.Read(ref _error);

        public void RouteParts()
        {
            int part;
            while ((part = Interlocked.Increment(ref _next) - 1) < _routers.Length)
            {
                try
                {
                    _routers[part].Route(_admitted.AsSpan(_bounds[part], _bounds[part + 1] - _bounds[part]), _parts[part]);
                }
#pragma warning disable CA1031 // handed to every partition that waits for the routes
                catch (Exception e)
#pragma warning restore CA1031
                {
                    Interlocked.CompareExchange(ref _error, e, null);
                }

                if (Interlocked.Decrement(ref _remaining) == 0)
                {
                    Done.Set();
                }
            }
        }

        /// <summary>The parts' routes, in order, into <paramref name="routes"/> (every part routed).</summary>
        public void Join(BatchRoutes routes, int partitions)
        {
            routes.Begin(_admitted.AsSpan(0, _bounds[^1]), partitions);
            for (var i = 0; i < _routers.Length; i++)
            {
                routes.Append(_parts[i], _bounds[i]);
                _parts[i].Clear();
            }
        }
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
