using System.Runtime.ExceptionServices;

namespace AlertEngine;

/// <summary>
/// A fixed group of threads that run one phase of work at a time: <see cref="Run"/> runs <c>body(0)</c> …
/// <c>body(count − 1)</c> on <c>min(count, Size)</c> threads at once, the calling thread taking indices 0, Size, 2·Size
/// … and dedicated thread <c>t</c> indices t, t + Size, …, and returns when all are done. The partitioned engine's phases and the reader's parallel parsing use it instead of
/// <c>Parallel.For</c>: their phases are a few milliseconds long and alternate with sequential work, and between them
/// the thread pool's workers spin (29 % of the CPU samples of a replay with <c>--threads 2</c> were
/// <c>LowLevelSpinWaiter.Wait</c>) and, when a phase blocks, the pool injects more threads that spin too. Here an idle
/// thread blocks on its own semaphore after a short spin and costs nothing.
/// </summary>
/// <remarks>One <see cref="Run"/> at a time (the owner serialises its calls). <see cref="Dispose"/> stops the threads;
/// they are background threads, so a group that is never disposed does not keep a process alive.</remarks>
internal sealed class WorkerGroup : IDisposable
{
    private readonly SemaphoreSlim[] _start;
    private readonly ManualResetEventSlim _done = new(false);
    private Action<int>? _body;
    private int _count;
    private int _remaining;
    private Exception? _error;
    private volatile bool _disposed;

    /// <summary>Creates a group of <paramref name="size"/> (the caller's thread counts as one: <c>size − 1</c> threads
    /// are started).</summary>
    /// <param name="size">The most bodies a <see cref="Run"/> runs at once.</param>
    /// <param name="name">The threads' name, for debuggers and profiles.</param>
    public WorkerGroup(int size, string name)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 1);
        Size = size;
        _start = new SemaphoreSlim[size - 1];
        for (var i = 1; i < size; i++)
        {
            _start[i - 1] = new SemaphoreSlim(0);
            var index = i;
            new Thread(() => Work(index)) { IsBackground = true, Name = name + " " + index }.Start();
        }
    }

    /// <summary>The most bodies a <see cref="Run"/> runs at once.</summary>
    public int Size { get; }

    /// <summary>Runs <c>body(i)</c> for every <c>i</c> in [0, <paramref name="count"/>), spread over the group's threads,
    /// and waits for all. An exception of a body is rethrown here after every thread has finished (the first one, when
    /// several throw; a thread stops its share at its first exception).</summary>
    /// <param name="count">How many bodies.</param>
    /// <param name="body">The work of index <c>i</c>.</param>
    public void Run(int count, Action<int> body)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 1);
        ArgumentNullException.ThrowIfNull(body);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var threads = Math.Min(count, Size);
        if (threads == 1)
        {
            for (var i = 0; i < count; i++)
            {
                body(i);
            }

            return;
        }

        _body = body;
        _count = count;
        _error = null;
        _done.Reset();
        Volatile.Write(ref _remaining, threads - 1);
        for (var t = 1; t < threads; t++)
        {
            _start[t - 1].Release();
        }

        try
        {
            RunShare(0, body, count);
        }
        finally
        {
            _done.Wait();
            _body = null;
        }

        if (_error is { } error)
        {
            ExceptionDispatchInfo.Throw(error);
        }
    }

    /// <summary>Stops the threads (after the running <see cref="Run"/>, if any).</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (var start in _start)
        {
            start.Release();
        }
    }

    private void RunShare(int thread, Action<int> body, int count)
    {
        for (var i = thread; i < count; i += Size)
        {
            body(i);
        }
    }

    private void Work(int index)
    {
        var start = _start[index - 1];
        while (true)
        {
            start.Wait();
            if (_disposed)
            {
                return;
            }

            try
            {
                RunShare(index, _body!, _count);
            }
#pragma warning disable CA1031 // rethrown on the calling thread by Run
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Interlocked.CompareExchange(ref _error, ex, null);
            }

            if (Interlocked.Decrement(ref _remaining) == 0)
            {
                _done.Set();
            }
        }
    }
}
