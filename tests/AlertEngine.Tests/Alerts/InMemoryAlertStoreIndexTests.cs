using FsCheck;
using FsCheck.Xunit;
using AlertEngine.StoreContracts;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Tests.Alerts;

/// <summary>
/// Checks of the in-memory store beyond the store contract, which runs on it too
/// (StoreContracts/InMemoryStoreContractTests.cs): the interface's default <see cref="IAlertStore.CountAsync"/>, and
/// the contract's query oracle at more cases than the contract runs (the in-memory store is fast enough).
/// </summary>
public class InMemoryAlertStoreIndexTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_default_CountAsync_of_the_interface_counts_the_query_result()
    {
        IAlertStore store = new QueryOnlyStore();
        await store.UpsertAsync(MakeAlert("a", severity: AlertSeverity.Medium), Ct);
        await store.UpsertAsync(MakeAlert("b", severity: AlertSeverity.Medium, seconds: 1), Ct);

        var counts = await store.CountAsync(new AlertQuery { Take = 1 }, Ct);
        Assert.Equal(2, counts.Total);
        Assert.Equal(2, counts.Of(AlertSeverity.Medium));
    }

    /// <summary>Random stores and queries: the indexed store answers exactly like filtering and sorting a list.</summary>
    [Property(MaxTest = 400)]
    public Property Queries_and_counts_match_the_naive_oracle() =>
        AlertStoreContract.QueriesAndCountsMatchTheNaiveOracle(() => new InMemoryAlertStore());

    /// <summary>A store that only implements the required members, to exercise the interface's default CountAsync.</summary>
    private sealed class QueryOnlyStore : IAlertStore
    {
        private readonly InMemoryAlertStore _inner = new();

        public ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default) => _inner.UpsertAsync(alert, cancellationToken);

        public ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default) =>
            _inner.TryUpdateManagementAsync(current, updated, cancellationToken);

        public ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default) => _inner.GetAsync(id, cancellationToken);

        public ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default) => _inner.QueryAsync(query, cancellationToken);
    }
}
