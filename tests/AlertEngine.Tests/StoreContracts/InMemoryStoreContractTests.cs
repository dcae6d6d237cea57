using AlertEngine.StoreContracts;

namespace AlertEngine.Tests.StoreContracts;

/// <summary>The alert store contract, on <see cref="InMemoryAlertStore"/>.</summary>
public sealed class InMemoryAlertStoreContractTests : AlertStoreContract
{
    protected override IAlertStore CreateStore() => new InMemoryAlertStore();

    protected override int ConcurrentSnapshots => 2_000;

    protected override int ConcurrentToggles => 500;
}

/// <summary>The incident store contract, on <see cref="InMemoryIncidentStore"/>.</summary>
public sealed class InMemoryIncidentStoreContractTests : IncidentStoreContract
{
    protected override IIncidentStore CreateStore() => new InMemoryIncidentStore();
}

/// <summary>The engine state store contract, on <see cref="InMemoryEngineStateStore"/>.</summary>
public sealed class InMemoryEngineStateStoreContractTests : EngineStateStoreContract
{
    protected override IEngineStateStore CreateStore() => new InMemoryEngineStateStore();
}

/// <summary>The engine state store contract, on <see cref="FileEngineStateStore"/>.</summary>
public sealed class FileEngineStateStoreContractTests : EngineStateStoreContract, IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("alertengine-state-").FullName;
    private int _files;

    protected override IEngineStateStore CreateStore() => new FileEngineStateStore(Path.Combine(_directory, $"state{++_files}.bin"));

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
