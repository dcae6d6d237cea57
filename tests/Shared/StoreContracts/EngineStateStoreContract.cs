namespace AlertEngine.StoreContracts;

/// <summary>The contract every <see cref="IEngineStateStore"/> keeps: one checkpoint, replaced whole, never torn.</summary>
public abstract class EngineStateStoreContract
{
    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>A new, empty store (the derived class disposes what it made when the test ends).</summary>
    protected abstract IEngineStateStore CreateStore();

    protected static byte[] Bytes(int length, byte seed)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(seed + (i * 31));
        }

        return bytes;
    }

    [Fact]
    public async Task Nothing_is_loaded_before_the_first_save()
    {
        Assert.Null(await CreateStore().LoadAsync(Ct));
    }

    [Fact]
    public async Task A_save_replaces_the_previous_checkpoint_whole()
    {
        var store = CreateStore();
        await store.SaveAsync(Bytes(300_000, 1), Ct);
        await store.SaveAsync(Bytes(10, 2), Ct);
        Assert.Equal(Bytes(10, 2), await store.LoadAsync(Ct));

        await store.SaveAsync(ReadOnlyMemory<byte>.Empty, Ct);
        Assert.Empty((await store.LoadAsync(Ct))!);
    }

    [Fact]
    public async Task The_loaded_bytes_are_the_callers_own_copy()
    {
        var store = CreateStore();
        var source = Bytes(100, 3);
        await store.SaveAsync(source, Ct);
        source[0] ^= 0xFF;
        var loaded = (await store.LoadAsync(Ct))!;
        loaded[1] ^= 0xFF;

        Assert.Equal(Bytes(100, 3), await store.LoadAsync(Ct));
    }

    [Fact]
    public async Task A_save_cancelled_before_it_starts_leaves_the_previous_checkpoint()
    {
        var store = CreateStore();
        await store.SaveAsync(Bytes(100, 4), Ct);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.SaveAsync(Bytes(100, 5), new CancellationToken(true)));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await store.LoadAsync(new CancellationToken(true)));
        Assert.Equal(Bytes(100, 4), await store.LoadAsync(Ct));
    }

    [Fact]
    public async Task Concurrent_saves_and_loads_never_see_a_torn_checkpoint()
    {
        var store = CreateStore();
        var checkpoints = Enumerable.Range(0, 4).Select(i => Bytes(150_000 + i, (byte)i)).ToArray();
        await store.SaveAsync(checkpoints[0], Ct);
        using var cts = new CancellationTokenSource();
        var readers = Enumerable.Range(0, 2).Select(_ => Task.Run(async () =>
        {
            while (!cts.IsCancellationRequested)
            {
                var loaded = await store.LoadAsync();
                Assert.Contains(checkpoints, c => c.AsSpan().SequenceEqual(loaded));
            }
        })).ToArray();
        await Task.WhenAll(Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < 20; i++)
            {
                await store.SaveAsync(checkpoints[(w + i) % checkpoints.Length], Ct);
            }
        }, Ct)));
        await cts.CancelAsync();
        await Task.WhenAll(readers);
    }
}
