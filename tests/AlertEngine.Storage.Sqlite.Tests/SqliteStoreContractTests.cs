using AlertEngine.StoreContracts;

namespace AlertEngine.Storage.Sqlite.Tests;

/// <summary>The alert store contract, on <see cref="SqliteAlertStore"/> (a new database file per store).</summary>
public sealed class SqliteAlertStoreContractTests : AlertStoreContract, IDisposable
{
    private readonly TempDatabase _files = new();

    protected override IAlertStore CreateStore() => _files.Open().Alerts;

    public void Dispose() => _files.Dispose();
}

/// <summary>The incident store contract, on <see cref="SqliteIncidentStore"/>.</summary>
public sealed class SqliteIncidentStoreContractTests : IncidentStoreContract, IDisposable
{
    private readonly TempDatabase _files = new();

    protected override IIncidentStore CreateStore() => _files.Open().Incidents;

    public void Dispose() => _files.Dispose();
}

/// <summary>The engine state store contract, on <see cref="SqliteEngineStateStore"/>.</summary>
public sealed class SqliteEngineStateStoreContractTests : EngineStateStoreContract, IDisposable
{
    private readonly TempDatabase _files = new();

    protected override IEngineStateStore CreateStore() => _files.Open().EngineState;

    public void Dispose() => _files.Dispose();
}
