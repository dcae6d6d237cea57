namespace AlertEngine.Tests.Partitioning;

public class WorkerGroupTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(1, 5)]
    [InlineData(2, 1)]
    [InlineData(2, 2)]
    [InlineData(3, 2)]
    [InlineData(3, 10)]
    [InlineData(4, 7)]
    public void Every_index_runs_exactly_once_per_run(int size, int count)
    {
        using var group = new WorkerGroup(size, "test");
        for (var round = 0; round < 50; round++)
        {
            var runs = new int[count];
            group.Run(count, i => Interlocked.Increment(ref runs[i]));
            Assert.All(runs, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void The_bodies_run_on_as_many_threads_as_the_group_has_when_there_is_enough_work()
    {
        using var group = new WorkerGroup(3, "test");
        var threads = new int[3];
        using var barrier = new Barrier(3);
        group.Run(3, i =>
        {
            threads[i] = Environment.CurrentManagedThreadId;
            // Every body waits for the others: this only completes if the three run at the same time.
            Assert.True(barrier.SignalAndWait(TimeSpan.FromSeconds(30)));
        });
        Assert.Equal(3, threads.Distinct().Count());
        Assert.Contains(Environment.CurrentManagedThreadId, threads);
    }

    [Fact]
    public void A_body_that_throws_on_a_worker_rethrows_on_the_caller_after_the_others_finish()
    {
        using var group = new WorkerGroup(2, "test");
        var finished = 0;
        var ex = Assert.Throws<InvalidOperationException>(() => group.Run(2, i =>
        {
            if (i == 1)
            {
                throw new InvalidOperationException("boom " + i);
            }

            Thread.Sleep(20);
            Volatile.Write(ref finished, 1);
        }));
        Assert.Equal("boom 1", ex.Message);
        Assert.Equal(1, Volatile.Read(ref finished));

        // The group still works after a failed run.
        var sum = 0;
        group.Run(2, i => Interlocked.Add(ref sum, i + 1));
        Assert.Equal(3, sum);
    }

    [Fact]
    public void Every_index_runs_once_when_a_thread_is_held_up_in_a_body()
    {
        using var group = new WorkerGroup(2, "test");
        var caller = Environment.CurrentManagedThreadId;
        for (var round = 0; round < 5; round++)
        {
            var ran = new int[8];
            var heldUp = 0;
            group.Run(8, i =>
            {
                Interlocked.Increment(ref ran[i]);
                if (Environment.CurrentManagedThreadId != caller && Interlocked.Exchange(ref heldUp, 1) == 0)
                {
                    Thread.Sleep(50); // the caller claims the rest meanwhile
                }
            });
            Assert.All(ran, r => Assert.Equal(1, r));
        }
    }

    [Fact]
    public void A_disposed_group_refuses_to_run()
    {
        var group = new WorkerGroup(2, "test");
        group.Dispose();
        group.Dispose();
        Assert.Throws<ObjectDisposedException>(() => group.Run(2, _ => { }));
    }
}
