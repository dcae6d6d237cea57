using System.Runtime.ExceptionServices;

namespace AlertEngine;

/// <summary>
/// A fixed group of threads that run one phase of work at a time: <see cref="Run"/> runs <c>body(0)</c> …
/// <c>body(count − 1)</c>, each exactly once, on the calling thread and the group's dedicated threads, and returns when
/// all are done. The partitioned engine's phases and the reader's parallel parsing use it instead of
/// <c>Parallel.For</c>: their phases are a few milliseconds long and alternate with sequential work, and between them
/// the thread pool's workers spin (29 % of the CPU samples of a replay with <c>--threads 2</c> were
/// <c>LowLevelSpinWaiter.Wait</c>) and, when a phase blocks, the pool injects more threads that spin too. Here an idle
/// thread blocks at once, without spinning: on a machine with as many busy threads as cores (a reader's group and a
/// pipeline's group side by side), a spinning idle thread takes the core the other group's thread needs next.
/// </summary>
/// <remarks>
/// <para><b>Claiming, not assigning.</b> Each thread, the caller included, takes the next unclaimed index until none
/// is left, and the caller waits only for indices that were claimed and are still running. So a dedicated thread that
/// wakes late (a busy machine) costs nothing: the caller has done its share meanwhile, and the late thread finds no
/// work. With as many indices as threads the split is the obvious one when every thread is awake.</para>
/// <para>One <see cref="Run"/> at a time (the owner serialises its calls). A body's writes are visible to the caller
/// when <see cref="Run"/> returns, and to the next <see cref="Run"/>'s bodies. <see cref="Dispose"/> stops the threads;
/// they are background threads, so a group that is never disposed does not keep a process alive.</para>
/// </remarks>
internal sealed class WorkerGroup : IDisposable
{
    private readonly Signal[] _start;
    private Job? _job;
    private volatile bool _disposed;

    /// <summary>Creates a group of <paramref name="size"/> (the caller's thread counts as one: <c>size − 1</c> threads
    /// are started).</summary>
    /// <param name="size">The most threads that run bodies at once.</param>
    /// <param name="name">The threads' name, for debuggers and profiles.</param>
    public WorkerGroup(int size, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _start = new Signal[size - 1];
        for (var i = 1; i < size; i++)
        {
            _start[i - 1] = new Signal();
            var start = _start[i - 1];
            new Thread(() => Work(start)) { IsBackground = true, Name = name + " " + i }.Start();
        }
    }

    /// <summary>The most threads that run bodies at once.</summary>
    public int Size { get; }

    /// <summary>Runs <c>body(i)</c> for every <c>i</c> in [0, <paramref name="count"/>), each once, spread over the
    /// group's threads, and waits for all. An exception of a body is rethrown here after every claimed body has
    /// finished (the first one, when several throw); the indices not yet claimed then are not run.</summary>
    /// <param name="count">How many bodies.</param>
    /// <param name="body">The work of index <c>i</c>.</param>
    public void Run(int count, Action<int> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentNullException.ThrowIfNull(body);
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (count == 1 || Size == 1)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        var job = new Job(count, body);
        Volatile.Write(ref _job, job);
        for (var t = 0; t < _start.Length && t < count - 1; t++)
        {
            _start[t].Set();
        }

        job.Work();
        job.WaitForClaimed();
        Volatile.Write(ref _job, null);
        if (job.Error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Stops the threads (they finish the body they are running, if any).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var start in _start)
        {
            start.Set();
        }
    }

    private void Work(Signal start)
    {
        while (true)
        {
            start.Wait();
            if (_disposed)
            {
                return;
            }

            Volatile.Read(ref _job)?.Work();
        }
    }

    /// <summary>A wake-up for one thread: <see cref="Set"/> wakes it (once, however often it is set before it wakes);
    /// <see cref="Wait"/> blocks without spinning.</summary>
    private sealed class Signal
    {
        private readonly object _gate = new();
        private bool _set;

        public void Set()
        {
            lock (_gate)
            {
                _set = true;
                Monitor.Pulse(_gate);
            }
        }

        public void Wait()
        {
            lock (_gate)
            {
                while (!_set)
                {
                    Monitor.Wait(_gate);
                }

                _set = false;
            }
        }
    }

    /// <summary>One <see cref="Run"/>: the indices, who claimed how many, and the first error.</summary>
    private sealed class Job(int count, Action<int> body)
    {
        private readonly object _gate = new();
        private int _next;
        private int _finished;
        private bool _stop;

        public Exception? Error { get; private set; }

        /// <summary>Claims and runs indices until none is left.</summary>
        public void Work()
        {
            while (!Volatile.Read(ref _stop))
            {
                var index = Interlocked.Increment(ref _next) - 1;
                if (index >= count)
                {
                    return;
                }

                try
                {
                    body(index);
                }
#pragma warning disable CA1031 // rethrown on the calling thread by Run
                catch (Exception ex)
#pragma warning restore CA1031
                {
                    lock (_gate)
                    {
                        Error ??= ex;
                    }

                    Volatile.Write(ref _stop, true);
                }
                finally
                {
                    if (Interlocked.Increment(ref _finished) == count)
                    {
                        lock (_gate)
                        {
                            Monitor.PulseAll(_gate);
                        }
                    }
                }
            }
        }

        /// <summary>Waits until every claimed index has finished (after the caller's own <see cref="Work"/>).</summary>
        public void WaitForClaimed()
        {
            if (Volatile.Read(ref _stop))
            {
                // Stopped by an error: unclaimed indices never finish. Claim them all, then wait for the claimed ones.
                var claimed = Math.Min(Interlocked.Exchange(ref _next, count), count);
                SpinWait.SpinUntil(() => Volatile.Read(ref _finished) >= claimed);
                return;
            }

            var spin = default(SpinWait);
            while (Volatile.Read(ref _finished) < count && !spin.NextSpinWillYield)
            {
                spin.SpinOnce();
            }

            lock (_gate)
            {
                while (Volatile.Read(ref _finished) < count)
                {
                    Monitor.Wait(_gate);
                }
            }
        }
    }
}
