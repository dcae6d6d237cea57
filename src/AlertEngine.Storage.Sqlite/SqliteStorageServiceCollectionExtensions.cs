using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AlertEngine;

/// <summary>Registers the SQLite stores in a service collection.</summary>
public static class SqliteStorageServiceCollectionExtensions
{
    /// <summary>
    /// Stores alerts, incidents and engine checkpoints in one SQLite database file: registers a singleton
    /// <see cref="SqliteStorage"/> (disposed with the container) and its stores as <see cref="IAlertStore"/>,
    /// <see cref="IIncidentStore"/> and <see cref="IEngineStateStore"/>, replacing any registration of those services
    /// (so it may be called before or after <c>AddAlertEngine</c> and <c>AddAlertEngineIncidents</c>, whose in-memory
    /// defaults are only added when no store is registered).
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="connectionString">The Microsoft.Data.Sqlite connection string of the database file, e.g. <c>Data Source=alerts.db</c>.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string is empty, invalid, or names an in-memory database.</exception>
    public static IServiceCollection AddAlertEngineSqliteStorage(this IServiceCollection services, string connectionString)
    {
        ArgumentNullException.ThrowIfNull(connectionString);
        return services.AddAlertEngineSqliteStorage(options => options.ConnectionString = connectionString);
    }

    /// <summary>
    /// Stores alerts, incidents and engine checkpoints in one SQLite database file, with options; see
    /// <see cref="AddAlertEngineSqliteStorage(IServiceCollection, string)"/>.
    /// </summary>
    /// <param name="services">The services.</param>
    /// <param name="configure">Sets the connection string and the other options.</param>
    /// <returns>The services, for chaining.</returns>
    /// <exception cref="ArgumentException">The connection string is empty, invalid, or names an in-memory database.</exception>
    public static IServiceCollection AddAlertEngineSqliteStorage(this IServiceCollection services, Action<SqliteStorageOptions> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        var options = new SqliteStorageOptions();
        configure(options);

        // Validate now (a programmer error surfaces at registration), then copy: later changes to the options do nothing.
        var copy = new SqliteStorageOptions { ConnectionString = options.ConnectionString, FlushEveryCommit = options.FlushEveryCommit };
        new SqliteStorage(copy).Dispose();

        services.Replace(ServiceDescriptor.Singleton(_ => new SqliteStorage(copy)));
        services.Replace(ServiceDescriptor.Singleton<IAlertStore>(sp => sp.GetRequiredService<SqliteStorage>().Alerts));
        services.Replace(ServiceDescriptor.Singleton<IIncidentStore>(sp => sp.GetRequiredService<SqliteStorage>().Incidents));
        services.Replace(ServiceDescriptor.Singleton<IEngineStateStore>(sp => sp.GetRequiredService<SqliteStorage>().EngineState));
        return services;
    }
}
