using AlertEngine.StoreContracts;
using Microsoft.Data.Sqlite;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Storage.Sqlite.Tests;

public sealed class DurabilityTests : IDisposable
{
    private readonly TempDatabase _files = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => _files.Dispose();

    [Fact]
    public async Task Committed_alerts_status_changes_incidents_and_checkpoints_survive_closing_and_reopening_the_file()
    {
        var path = _files.NewPath();
        var alert = FullAlert();
        var incident = FullIncident();
        Alert managed;
        using (var storage = _files.Open(path))
        {
            await storage.Alerts.UpsertAsync(alert with { NotificationsSuppressed = false, Status = AlertStatus.Active, History = [] }, Ct);
            var read = (await storage.Alerts.GetAsync(alert.Id, Ct))!;
            managed = (await storage.Alerts.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Investigating, History = alert.History, NotificationsSuppressed = true }, Ct))!;
            await storage.Incidents.UpsertAsync(incident, Ct);
            await storage.EngineState.SaveAsync(EngineStateStoreContract_Bytes(200_000), Ct);
        }

        using (var reopened = _files.Open(path))
        {
            Assert.Equal(StoreSnapshot.Describe(managed), StoreSnapshot.Describe(await reopened.Alerts.GetAsync(alert.Id, Ct)));
            Assert.Equal(StoreSnapshot.Describe(alert), StoreSnapshot.Describe(managed));
            Assert.Equal(StoreSnapshot.Describe(incident), StoreSnapshot.Describe(await reopened.Incidents.GetAsync(incident.Id, Ct)));
            Assert.Equal(incident.Id, Assert.Single(await reopened.Incidents.QueryAsync(new IncidentQuery { AlertId = "p2:act-9" }, Ct)).Id);
            Assert.Equal(EngineStateStoreContract_Bytes(200_000), await reopened.EngineState.LoadAsync(Ct));
            Assert.Equal(1, (await reopened.Alerts.CountAsync(new AlertQuery { Statuses = [AlertStatus.Investigating] }, Ct)).Total);
        }
    }

    [Fact]
    public async Task Closing_the_storage_closes_the_file_so_it_can_be_deleted_and_the_WAL_is_merged()
    {
        var path = _files.NewPath();
        var storage = _files.Open(path);
        await storage.Alerts.UpsertAsync(MakeAlert("a"), Ct);
        _ = await storage.Alerts.QueryAsync(AlertQuery.All, Ct);
        Assert.True(File.Exists(path + "-wal"));
        storage.Dispose();

        Assert.False(File.Exists(path + "-wal"), "the last connection to close checkpoints and removes the WAL file");
        File.Delete(path);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task A_checkpoint_save_cancelled_halfway_through_writing_leaves_the_previous_checkpoint()
    {
        var path = _files.NewPath();
        var previous = EngineStateStoreContract_Bytes(100);
        var next = EngineStateStoreContract_Bytes(SqliteEngineStateStore.ChunkSize * 3 + 5);
        using (var storage = _files.Open(path))
        {
            await storage.EngineState.SaveAsync(previous, Ct);
            using var cts = new CancellationTokenSource();
            var chunks = 0;
            storage.Database.CheckpointChunkWritten = () =>
            {
                if (++chunks == 2)
                {
                    cts.Cancel(); // two of four chunks are written inside the transaction
                }
            };

            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await storage.EngineState.SaveAsync(next, cts.Token));
            Assert.Equal(2, chunks);
            Assert.Equal(previous, await storage.EngineState.LoadAsync(Ct));

            // The store is still usable: the next save goes through.
            storage.Database.CheckpointChunkWritten = null;
            await storage.EngineState.SaveAsync(next, Ct);
            Assert.Equal(next, await storage.EngineState.LoadAsync(Ct));
            await storage.EngineState.SaveAsync(previous, Ct);
        }

        using var reopened = _files.Open(path);
        Assert.Equal(previous, await reopened.EngineState.LoadAsync(Ct));
    }

    [Fact]
    public async Task A_save_that_fails_inside_its_transaction_leaves_the_previous_checkpoint()
    {
        using var storage = _files.Open();
        await storage.EngineState.SaveAsync(EngineStateStoreContract_Bytes(10), Ct);
        storage.Database.CheckpointChunkWritten = () => throw new IOException("disk gone");

        await Assert.ThrowsAsync<IOException>(async () => await storage.EngineState.SaveAsync(EngineStateStoreContract_Bytes(1000), Ct));
        storage.Database.CheckpointChunkWritten = null;
        Assert.Equal(EngineStateStoreContract_Bytes(10), await storage.EngineState.LoadAsync(Ct));
    }

    [Fact]
    public async Task A_reader_in_another_connection_sees_only_committed_checkpoints()
    {
        var path = _files.NewPath();
        using var storage = _files.Open(path);
        await storage.EngineState.SaveAsync(EngineStateStoreContract_Bytes(10), Ct);
        using var other = _files.Open(path);
        var seenDuringSave = new List<byte[]?>();
        storage.Database.CheckpointChunkWritten = () => seenDuringSave.Add(other.EngineState.LoadAsync().AsTask().GetAwaiter().GetResult());

        await storage.EngineState.SaveAsync(EngineStateStoreContract_Bytes(SqliteEngineStateStore.ChunkSize + 1), Ct);

        Assert.Equal(2, seenDuringSave.Count);
        Assert.All(seenDuringSave, seen => Assert.Equal(EngineStateStoreContract_Bytes(10), seen));
        Assert.Equal(EngineStateStoreContract_Bytes(SqliteEngineStateStore.ChunkSize + 1), await other.EngineState.LoadAsync(Ct));
    }

    [Fact]
    public async Task Two_storages_on_one_file_see_each_others_commits()
    {
        var path = _files.NewPath();
        using var first = _files.Open(path);
        using var second = _files.Open(path);
        await first.Alerts.UpsertAsync(MakeAlert("a"), Ct);
        await second.Alerts.UpsertAsync(MakeAlert("b", seconds: 1), Ct);

        Assert.Equal(["a", "b"], (await first.Alerts.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));
        Assert.Equal(["a", "b"], (await second.Alerts.QueryAsync(AlertQuery.All, Ct)).Select(a => a.Id));
    }

    [Fact]
    public async Task The_database_is_in_WAL_mode_with_schema_version_1()
    {
        var path = _files.NewPath();
        using (var storage = _files.Open(path))
        {
            await storage.InitializeAsync(Ct);
            using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
            connection.Open();
            Assert.Equal("wal", Scalar(connection, "PRAGMA journal_mode;"));
            Assert.Equal("UTF-16be", Scalar(connection, "PRAGMA encoding;"));
            Assert.Equal("1", Scalar(connection, "SELECT version FROM schema_version;"));
        }
    }

    [Fact]
    public async Task A_database_of_a_newer_schema_version_is_refused_with_a_clear_error()
    {
        var path = _files.NewPath();
        using (var storage = _files.Open(path))
        {
            await storage.InitializeAsync(Ct);
        }

        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Scalar(connection, "UPDATE schema_version SET version = 2;");
        }

        using var newer = _files.Open(path);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await newer.Alerts.GetAsync("a", Ct));
        Assert.Contains("schema version '2'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_database_created_by_something_else_is_refused()
    {
        var path = _files.NewPath();
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            Scalar(connection, "CREATE TABLE mine (x TEXT);");
        }

        using var storage = _files.Open(path);
        var error = await Assert.ThrowsAsync<InvalidOperationException>(async () => await storage.InitializeAsync(Ct));
        Assert.Contains("database file of its own", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Data Source=")]
    [InlineData("Data Source=:memory:")]
    [InlineData("Data Source=alerts;Mode=Memory;Cache=Shared")]
    public void Connection_strings_without_a_database_file_are_refused(string connectionString)
    {
        Assert.Throws<ArgumentException>(() => new SqliteStorage(connectionString));
    }

    [Fact]
    public async Task A_disposed_storage_refuses_operations()
    {
        var storage = _files.Open();
        await storage.Alerts.UpsertAsync(MakeAlert("a"), Ct);
        storage.Dispose();
        storage.Dispose();

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await storage.Alerts.GetAsync("a", Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await storage.Alerts.UpsertAsync(MakeAlert("b"), Ct));
        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await storage.EngineState.LoadAsync(Ct));
    }

    [Fact]
    public async Task Ids_with_a_lone_surrogate_are_refused_and_never_answered_by_another_alert()
    {
        using var storage = _files.Open();
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.Alerts.UpsertAsync(MakeAlert("a\ud800"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.Alerts.UpsertAsync(MakeAlert("a", policy: "\udc00p"), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.Incidents.UpsertAsync(MakeIncident("i\ud800", 0), Ct));
        await Assert.ThrowsAsync<ArgumentException>(async () => await storage.Incidents.UpsertAsync(MakeIncident("i", 0, IncidentPhase.Detected, "x\udfff"), Ct));

        // SQLite sees a lone surrogate as U+FFFD; the store must not mistake one for the other.
        await storage.Alerts.UpsertAsync(MakeAlert("a\ufffd"), Ct);
        Assert.Null(await storage.Alerts.GetAsync("a\ud800", Ct));
        Assert.NotNull(await storage.Alerts.GetAsync("a\ufffd", Ct));
    }

    [Fact]
    public async Task Many_alerts_upserted_in_one_transaction_are_stored_like_single_upserts()
    {
        using var storage = _files.Open();
        await storage.Alerts.UpsertAsync(MakeAlert("a", hits: 1), Ct);
        var read = (await storage.Alerts.GetAsync("a", Ct))!;
        await storage.Alerts.TryUpdateManagementAsync(read, read with { Status = AlertStatus.Dismissed }, Ct);

        await storage.Alerts.UpsertManyAsync([MakeAlert("a", hits: 9), MakeAlert("b", seconds: 1)], Ct);

        var a = (await storage.Alerts.GetAsync("a", Ct))!;
        Assert.Equal((9, AlertStatus.Dismissed), (a.HitCount, a.Status));
        Assert.Equal(2, (await storage.Alerts.CountAsync(AlertQuery.All, Ct)).Total);
    }

    private static string? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return Convert.ToString(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    private static byte[] EngineStateStoreContract_Bytes(int length)
    {
        var bytes = new byte[length];
        for (var i = 0; i < length; i++)
        {
            bytes[i] = (byte)(7 + (i * 31));
        }

        return bytes;
    }
}
