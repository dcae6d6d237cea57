using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.Storage.Sqlite.Tests;

public sealed class RegistrationTests : IDisposable
{
    private readonly TempDatabase _files = new();

    public void Dispose() => _files.Dispose();

    [Fact]
    public void One_call_after_AddAlertEngine_puts_alerts_incidents_and_checkpoints_in_one_file()
    {
        var services = new ServiceCollection();
        services.AddAlertEngine(_ => { }).AddAlertEngineIncidents().AddAlertEngineSqliteStorage($"Data Source={_files.NewPath()}");
        using var provider = services.BuildServiceProvider();

        var storage = provider.GetRequiredService<SqliteStorage>();
        Assert.Same(storage.Alerts, provider.GetRequiredService<IAlertStore>());
        Assert.Same(storage.Incidents, provider.GetRequiredService<IIncidentStore>());
        Assert.Same(storage.EngineState, provider.GetRequiredService<IEngineStateStore>());
        Assert.Single(services, d => d.ServiceType == typeof(IAlertStore));
    }

    [Fact]
    public async Task Registered_before_AddAlertEngine_it_still_wins_and_the_container_closes_the_file()
    {
        var path = _files.NewPath();
        var services = new ServiceCollection();
        services.AddAlertEngineSqliteStorage(o =>
        {
            o.ConnectionString = $"Data Source={path}";
            o.FlushEveryCommit = true;
        });
        services.AddAlertEngine(_ => { }).AddAlertEngineIncidents();
        SqliteStorage storage;
        using (var provider = services.BuildServiceProvider())
        {
            storage = provider.GetRequiredService<SqliteStorage>();
            Assert.IsType<SqliteAlertStore>(provider.GetRequiredService<IAlertStore>());
            Assert.IsType<SqliteIncidentStore>(provider.GetRequiredService<IIncidentStore>());
            await provider.GetRequiredService<IAlertStore>().UpsertAsync(StoreContracts.StoreContractData.MakeAlert("a"), TestContext.Current.CancellationToken);
        }

        await Assert.ThrowsAsync<ObjectDisposedException>(async () => await storage.Alerts.GetAsync("a", TestContext.Current.CancellationToken));
        using var reopened = _files.Open(path);
        Assert.NotNull(await reopened.Alerts.GetAsync("a", TestContext.Current.CancellationToken));
    }

    [Fact]
    public void An_invalid_connection_string_fails_at_registration()
    {
        var services = new ServiceCollection();
        Assert.Throws<ArgumentException>(() => services.AddAlertEngineSqliteStorage("Data Source=:memory:"));
        Assert.Throws<ArgumentException>(() => services.AddAlertEngineSqliteStorage(_ => { }));
        Assert.Throws<ArgumentNullException>(() => services.AddAlertEngineSqliteStorage((string)null!));
    }
}
