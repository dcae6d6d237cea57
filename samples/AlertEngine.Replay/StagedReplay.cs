using System.Diagnostics;
using System.Runtime;
using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;

namespace AlertEngine.Replay;

/// <summary>
/// The replay's streaming path over the partitioned engine (<c>--threads N</c>, N &gt; 1): reading, parsing, the
/// engine's phases and the output as a pipeline of stages over batches of lines, run by as many threads as cores, so
/// that the sequential stages of one batch overlap the parallel stages of others instead of leaving the other cores
/// waiting.
/// </summary>
/// <remarks>
/// <para><b>Why.</b> Fed one batch at a time, the partitioned engine alternates sequential phases (splitting the input
/// into lines, the replay's own checks, the coordinator's planning, admission and routing, applying the partitions'
/// events in order, the output) with parallel ones (parsing, duplicate answers, evaluation): on 2 cores the main
/// thread spent ~45 % of its time in sequential work while the other thread waited, and <c>--threads 2</c> was no
/// faster than <c>--threads 1</c> (benchmarks/results/end-to-end.md, 01:53 UTC).</para>
/// <para><b>Stages</b> of batch k, each a job for whichever thread is free:
/// <list type="number">
/// <item>split: the reader's next batch of lines, copied out of its buffer (sequential: one reader);</item>
/// <item>parse: ranges of <see cref="LinesPerRange"/> lines (parallel);</item>
/// <item>front: the replay's checks of each line in order (<see cref="IStages.TakeResults"/>), then the engine's plan
/// (future check, duplicate questions) (sequential);</item>
/// <item>duplicates: one job per partition (parallel; partition p's after its batch k − 1);</item>
/// <item>admit: lateness, the clock, routing (sequential);</item>
/// <item>evaluate: one job per partition (parallel; partition p's after its batch k − 1);</item>
/// <item>apply: the partitions' events in order, then the output (<see cref="IStages.Apply"/>) (sequential).</item>
/// </list>
/// Each sequential stage runs its batches in order, one at a time, and a stage of batch k starts only after the
/// stages before it of batch k ended, so every piece of state is touched in the order of the single-threaded replay and
/// the output is byte-identical. The engine's staged members say which phases may overlap
/// (<see cref="PartitionedAlertPipeline"/>, PartitionedAlertPipeline.Staged.cs). At most <see cref="SlotCount"/>
/// batches are in flight, so memory stays bounded.</para>
/// <para><b>Scheduling.</b> A free thread takes, under one lock, the first ready job in this order: the sequential
/// stages from the last (apply) to the first (split), then the parallel jobs of the oldest batch first. Sequential
/// stages first keep them off the critical path; a thread with no ready job blocks (no spinning: on a machine with as
/// many busy threads as cores, a spinning thread takes the core another needs) and is woken when a job it could take
/// becomes ready. <b>Warm-up:</b> when the stages take every core, the other threads join only once the JIT has
/// settled (at most <see cref="QuietCompilations"/> methods compiled in <see cref="WarmupCheckMilliseconds"/> ms, or
/// after <see cref="MaxWarmupMilliseconds"/> ms): the tiering JIT compiles for about a second of CPU at the start of a
/// replay, on the core that one thread leaves free, instead of competing with the stages while their hot code still
/// runs unoptimised (measured with <c>--threads 2</c> on the loaded 2-core machine: 1.65–1.72 against 2.07–2.23 s per
/// million lines, 4.13–4.25 against 4.62–4.70 s per 4 million; benchmarks/results/end-to-end.md). A native (AOT) build
/// has no JIT and skips the warm-up. A job's failure (an I/O error, cancellation) stops the others from starting; <see cref="Run"/>
/// rethrows it on the calling thread once every thread is idle.</para>
/// </remarks>
internal sealed class StagedReplay
{
    /// <summary>Batches in flight at most: one being applied, one in the engine's middle phases, one being read and
    /// parsed. More measured no faster (3, 4 and 6 within the noise on 4M lines, 3 lowest) and keeps more activities
    /// alive across collections.</summary>
    internal const int SlotCount = 3;

    /// <summary>Lines per parse job.</summary>
    internal const int LinesPerRange = 128;

    /// <summary>The JIT counts as settled when it compiled at most this many methods in the last check period.</summary>
    internal const int QuietCompilations = 8;

    /// <summary>The warm-up's check period.</summary>
    internal const int WarmupCheckMilliseconds = 50;

    /// <summary>The longest warm-up.</summary>
    internal const int MaxWarmupMilliseconds = 1500;

    private readonly object _gate = new();
    private readonly PartitionedAlertPipeline _engine;
    private readonly IStages _stages;
    private readonly Slot[] _slots;
    private readonly int _partitions;
    private readonly int _threads;
    private readonly CancellationToken _cancellationToken;
    private readonly Func<Stream, Func<LineBatch>, IEnumerable<LineBatch>> _read;
    private readonly Stream _input;

    // Per parallel stage and partition: how many batches finished it, and whether one is running.
    private readonly long[] _duplicatesDone;
    private readonly bool[] _duplicatesBusy;
    private readonly long[] _evaluateDone;
    private readonly bool[] _evaluateBusy;

    // Per sequential stage: how many batches finished it, and whether one is running.
    private long _split;
    private long _front;
    private long _admit;
    private long _applied;
    private bool _splitBusy;
    private bool _frontBusy;
    private bool _admitBusy;
    private bool _applyBusy;
    private bool _end;

    private bool _warm;
    private long _warmupStart;
    private long _lastCheck;
    private long _lastCompiled;
    private IEnumerator<LineBatch>? _reader;
    private Slot? _filling;
    private int _waiting;
    private ExceptionDispatchInfo? _error;

    /// <summary>Creates the pipeline of one replay.</summary>
    /// <param name="engine">The partitioned engine (its checkpoint, if any, already restored).</param>
    /// <param name="stages">The replay's own stages.</param>
    /// <param name="input">The activities.</param>
    /// <param name="read">Reads <paramref name="input"/> into unparsed batches (ActivityReader.ReadUnparsed).</param>
    /// <param name="threads">The most threads to run (the calling thread is one of them).</param>
    /// <param name="lineBatch">Creates an empty line batch.</param>
    /// <param name="cancellationToken">Checked before each batch is read.</param>
    public StagedReplay(
        PartitionedAlertPipeline engine,
        IStages stages,
        Stream input,
        Func<Stream, Func<LineBatch>, IEnumerable<LineBatch>> read,
        int threads,
        Func<LineBatch> lineBatch,
        CancellationToken cancellationToken)
    {
        _engine = engine;
        _stages = stages;
        _input = input;
        _read = read;
        _threads = Math.Max(1, threads);
        _cancellationToken = cancellationToken;
        _partitions = engine.Partitions;
        _duplicatesDone = new long[_partitions];
        _duplicatesBusy = new bool[_partitions];
        _evaluateDone = new long[_partitions];
        _evaluateBusy = new bool[_partitions];
        _slots = new Slot[SlotCount];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i] = new Slot(lineBatch(), engine.NewStagedBatch());
        }
    }

    /// <summary>The replay's own stages.</summary>
    internal interface IStages
    {
        /// <summary>Front stage, batch by batch in order: the parsed results of <paramref name="slot"/>'s lines
        /// (<see cref="Slot.Lines"/>) into the activities to evaluate (<see cref="PartitionedBatch.Activities"/> of
        /// <see cref="Slot.Engine"/>, with <see cref="Slot.LineNumbers"/>) and the messages to print at apply.</summary>
        void TakeResults(Slot slot);

        /// <summary>Apply stage, batch by batch in order: the messages of the batch, then
        /// <see cref="PartitionedAlertPipeline"/>'s apply phase and the output.</summary>
        void Apply(Slot slot);
    }

    private enum Stage
    {
        Split,
        Parse,
        Front,
        Duplicates,
        Admit,
        Evaluate,
        Apply,
    }

    /// <summary>Runs every batch through every stage, on the calling thread and <c>threads − 1</c> others; returns
    /// when the last batch is applied, or rethrows the first failure of a stage.</summary>
    public void Run()
    {
        _engine.BeginStaged();
        // A native (AOT) build has no JIT to wait for: the warm-up's first check came 50 ms in, and the other threads
        // idled until then (w1 waited 50 ms of a 0.78 s replay of 1M lines with --threads 2; results/end-to-end.md).
        _warm = _threads == 1 || _threads < Environment.ProcessorCount || !RuntimeFeature.IsDynamicCodeCompiled;
        _warmupStart = _lastCheck = Stopwatch.GetTimestamp();
        _lastCompiled = JitInfo.GetCompiledMethodCount();
        var workers = new Thread[_threads - 1];
        for (var i = 0; i < workers.Length; i++)
        {
            var worker = i + 1;
            workers[i] = new Thread(() => Work(worker)) { IsBackground = true, Name = "AlertEngine replay " + worker };
            workers[i].Start();
        }

        Work(0);
        foreach (var worker in workers)
        {
            worker.Join();
        }

        _reader?.Dispose();
        _error?.Throw();
    }

    private Slot SlotOf(long batch) => _slots[batch % SlotCount];

    private void Work(int worker)
    {
        var done = default(Job);
        var hasDone = false;
        while (true)
        {
            Job job;
            lock (_gate)
            {
                if (hasDone)
                {
                    Complete(done);
                }

                while (true)
                {
                    if (_error is not null || (_end && _applied == _split))
                    {
                        Monitor.PulseAll(_gate);
                        return;
                    }

                    if ((worker == 0 || _warm) && TryTake(claim: true, out job))
                    {
                        // Another job ready too and a thread asleep: wake one to take it.
                        if (_waiting > 0 && _warm && TryTake(claim: false, out _))
                        {
                            Monitor.Pulse(_gate);
                        }

                        break;
                    }

                    _waiting++;
                    Monitor.Wait(_gate);
                    _waiting--;
                }
            }

            try
            {
                Execute(job);
            }
#pragma warning disable CA1031 // rethrown by Run on the calling thread
            catch (Exception ex)
#pragma warning restore CA1031
            {
                lock (_gate)
                {
                    _error ??= ExceptionDispatchInfo.Capture(ex);
                    Monitor.PulseAll(_gate);
                }

                return;
            }

            done = job;
            hasDone = true;
        }
    }

    /// <summary>The first ready job in priority order (see the remarks), claimed when <paramref name="claim"/>.</summary>
    private bool TryTake(bool claim, out Job job)
    {
        // Apply batch k: every partition evaluated it.
        if (!_applyBusy && _applied < _admit && AllAtLeast(_evaluateDone, _applied + 1))
        {
            _applyBusy |= claim;
            job = new Job(Stage.Apply, _applied, 0);
            return true;
        }

        // Admit batch k: every partition answered its duplicate questions.
        if (!_admitBusy && _admit < _front && AllAtLeast(_duplicatesDone, _admit + 1))
        {
            _admitBusy |= claim;
            job = new Job(Stage.Admit, _admit, 0);
            return true;
        }

        // Front of batch k: all its lines parsed.
        if (!_frontBusy && _front < _split && SlotOf(_front) is var slot && slot.RangesDone == slot.Ranges)
        {
            _frontBusy |= claim;
            job = new Job(Stage.Front, _front, 0);
            return true;
        }

        // Split batch k into a free slot.
        if (!_splitBusy && !_end && _split - _applied < SlotCount)
        {
            _splitBusy |= claim;
            job = new Job(Stage.Split, _split, 0);
            return true;
        }

        for (var p = 0; p < _partitions; p++)
        {
            if (!_evaluateBusy[p] && _evaluateDone[p] < _admit)
            {
                _evaluateBusy[p] |= claim;
                job = new Job(Stage.Evaluate, _evaluateDone[p], p);
                return true;
            }
        }

        for (var p = 0; p < _partitions; p++)
        {
            if (!_duplicatesBusy[p] && _duplicatesDone[p] < _front)
            {
                _duplicatesBusy[p] |= claim;
                job = new Job(Stage.Duplicates, _duplicatesDone[p], p);
                return true;
            }
        }

        for (var b = _front; b < _split; b++)
        {
            var lines = SlotOf(b);
            if (lines.RangesClaimed < lines.Ranges)
            {
                job = new Job(Stage.Parse, b, lines.RangesClaimed);
                lines.RangesClaimed += claim ? 1 : 0;
                return true;
            }
        }

        job = default;
        return false;
    }

    private static bool AllAtLeast(long[] done, long count)
    {
        foreach (var d in done)
        {
            if (d < count)
            {
                return false;
            }
        }

        return true;
    }

    private void Execute(Job job)
    {
        var slot = SlotOf(job.Batch);
        switch (job.Stage)
        {
            case Stage.Split:
                Split(slot);
                break;
            case Stage.Parse:
                slot.Lines.ParseRange(job.Index, slot.Ranges);
                break;
            case Stage.Front:
                _stages.TakeResults(slot);
                slot.Lines.Clear();
                _engine.StagePlan(slot.Engine);
                break;
            case Stage.Duplicates:
                _engine.StageCheckDuplicates(slot.Engine, job.Index);
                break;
            case Stage.Admit:
                _engine.StageAdmit(slot.Engine);
                break;
            case Stage.Evaluate:
                _engine.StageEvaluate(slot.Engine, job.Index);
                break;
            default:
                _stages.Apply(slot);
                break;
        }
    }

    /// <summary>Reads the next batch of lines into <paramref name="slot"/>; at the end of the input, none.</summary>
    private void Split(Slot slot)
    {
        _cancellationToken.ThrowIfCancellationRequested();
        _filling = slot;
        _reader ??= _read(_input, NextLineBatch).GetEnumerator();
        slot.HasLines = _reader.MoveNext();
        slot.Ranges = slot.HasLines ? (slot.Lines.Count + LinesPerRange - 1) / LinesPerRange : 0;
        slot.RangesClaimed = 0;
        slot.RangesDone = 0;
    }

    private LineBatch NextLineBatch()
    {
        var lines = _filling!.Lines;
        lines.Clear();
        return lines;
    }

    /// <summary>Records a finished job (under the lock).</summary>
    private void Complete(Job job)
    {
        switch (job.Stage)
        {
            case Stage.Split:
                _splitBusy = false;
                if (SlotOf(job.Batch).HasLines)
                {
                    _split++;
                }
                else
                {
                    _end = true;
                }

                break;
            case Stage.Parse:
                SlotOf(job.Batch).RangesDone++;
                break;
            case Stage.Front:
                _frontBusy = false;
                _front++;
                break;
            case Stage.Duplicates:
                _duplicatesBusy[job.Index] = false;
                _duplicatesDone[job.Index]++;
                break;
            case Stage.Admit:
                _admitBusy = false;
                _admit++;
                break;
            case Stage.Evaluate:
                _evaluateBusy[job.Index] = false;
                _evaluateDone[job.Index]++;
                break;
            default:
                _applyBusy = false;
                _applied++;
                if (!_warm)
                {
                    CheckWarm();
                }

                break;
        }
    }

    /// <summary>During the warm-up (under the lock): whether the JIT has settled; if so, wakes the other threads.</summary>
    private void CheckWarm()
    {
        var now = Stopwatch.GetTimestamp();
        if (now - _lastCheck < Stopwatch.Frequency * WarmupCheckMilliseconds / 1000)
        {
            return;
        }

        var compiled = JitInfo.GetCompiledMethodCount();
        _warm = compiled - _lastCompiled <= QuietCompilations || now - _warmupStart >= Stopwatch.Frequency * MaxWarmupMilliseconds / 1000;
        _lastCheck = now;
        _lastCompiled = compiled;
        if (_warm)
        {
            Monitor.PulseAll(_gate);
        }
    }

    /// <summary>One batch in flight: its lines, its engine batch, and the replay's per-batch state.</summary>
    internal sealed class Slot(LineBatch lines, PartitionedBatch engine)
    {
        /// <summary>The lines (split, then parsed; cleared once taken).</summary>
        public LineBatch Lines { get; } = lines;

        /// <summary>The engine's batch.</summary>
        public PartitionedBatch Engine { get; } = engine;

        /// <summary>The input line of each of <see cref="PartitionedBatch.Activities"/>.</summary>
        public List<long> LineNumbers { get; } = [];

        /// <summary>What the replay prints for this batch's lines before applying it (notes, invalid lines), in order.</summary>
        public List<(ActivityReadResult Result, string? FutureProblem)> Messages { get; } = [];

        internal bool HasLines { get; set; }

        internal int Ranges { get; set; }

        internal int RangesClaimed { get; set; }

        internal int RangesDone { get; set; }
    }

    private readonly record struct Job(Stage Stage, long Batch, int Index);
}
