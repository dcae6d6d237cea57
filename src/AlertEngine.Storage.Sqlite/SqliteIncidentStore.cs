using System.Text;
using Microsoft.Data.Sqlite;

namespace AlertEngine;

/// <summary>
/// An <see cref="IIncidentStore"/> in a SQLite database file (table <c>incidents</c>, with the alert index
/// <c>incident_alerts</c>); get one from <see cref="SqliteStorage.Incidents"/>. Queries and their order
/// (<see cref="IncidentOrder"/>) are those of <see cref="InMemoryIncidentStore"/>, including which incident a query by
/// <see cref="IncidentQuery.AlertId"/> finds: the one that listed the alert last.
/// </summary>
/// <remarks>
/// Thread-safe: any number of concurrent readers and writers; writes are serialized and each is one transaction,
/// durable when its task completes; each query reads one consistent snapshot. Incident ids and the alert ids an
/// incident lists must be well-formed UTF-16 (others are refused with <see cref="ArgumentException"/>). SQLite has no
/// asynchronous I/O: a call waits asynchronously for the writer, then works synchronously on the calling thread.
/// </remarks>
public sealed class SqliteIncidentStore : IIncidentStore
{
    private readonly SqliteDatabase _database;
    private readonly ContentWriter _content = new(); // used under the writer gate only

    internal SqliteIncidentStore(SqliteDatabase database)
    {
        _database = database;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">The incident id or one of its alert ids is null or not well-formed UTF-16.</exception>
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask UpsertAsync(Incident incident, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(incident);
        ArgumentNullException.ThrowIfNull(incident.Id, nameof(incident));
        SqliteText.CheckKey(incident.Id, "incident id", nameof(incident));
        if (!incident.AlertIds.IsDefault)
        {
            foreach (var alertId in incident.AlertIds)
            {
                if (alertId is null)
                {
                    throw new ArgumentException("An incident's alert ids must not be null.", nameof(incident));
                }

                SqliteText.CheckKey(alertId, "alert id", nameof(incident));
            }
        }

        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.WriteAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction();

        // The alert index keeps, for each alert id, the incident that listed it last (as the in-memory store does).
        var release = _database.WriterCommand("DELETE FROM incident_alerts WHERE incident_id = $id;", transaction);
        release.Parameters.AddWithValue("$id", incident.Id);
        release.ExecuteNonQuery();

        _content.Reset();
        IncidentCodec.Write(_content, incident);
        var upsert = _database.WriterCommand(
            "INSERT OR REPLACE INTO incidents (id, first_alert_ticks, phase, security, content) VALUES ($id, $first, $phase, $security, $content);",
            transaction);
        upsert.Parameters.AddWithValue("$id", incident.Id);
        upsert.Parameters.AddWithValue("$first", incident.FirstAlertAt.UtcTicks);
        upsert.Parameters.AddWithValue("$phase", (int)incident.Phase);
        upsert.Parameters.AddWithValue("$security", incident.IsSecurityIncident);
        upsert.Parameters.AddWithValue("$content", _content.ToArray());
        upsert.ExecuteNonQuery();

        if (!incident.AlertIds.IsDefaultOrEmpty)
        {
            var claim = _database.WriterCommand("INSERT OR REPLACE INTO incident_alerts (alert_id, incident_id) VALUES ($alert, $id);", transaction);
            var alert = claim.Parameters.Add("$alert", SqliteType.Text);
            claim.Parameters.AddWithValue("$id", incident.Id);
            foreach (var alertId in incident.AlertIds)
            {
                alert.Value = alertId;
                claim.ExecuteNonQuery();
            }
        }

        transaction.Commit();
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<Incident?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = lease.Connection.CreateCommand();
        command.CommandText = "SELECT content FROM incidents WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        var incident = command.ExecuteScalar() is byte[] content ? IncidentCodec.Read(content) : null;
        return incident is not null && string.Equals(incident.Id, id, StringComparison.Ordinal) ? incident : null;
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<IReadOnlyList<Incident>> QueryAsync(IncidentQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = lease.Connection.CreateCommand();
        var sql = new StringBuilder();
        if (query.AlertId is not null)
        {
            sql.Append("SELECT incidents.content FROM incident_alerts JOIN incidents ON incidents.id = incident_alerts.incident_id WHERE incident_alerts.alert_id = $alert");
            command.Parameters.AddWithValue("$alert", query.AlertId);
        }
        else
        {
            sql.Append("SELECT content FROM incidents WHERE 1");
        }

        if (query.Phases is not null)
        {
            sql.Append(" AND incidents.phase IN (");
            var first = true;
            foreach (var phase in query.Phases)
            {
                sql.Append(first ? string.Empty : ",").Append((int)phase);
                first = false;
            }

            sql.Append(first ? "NULL)" : ")");
        }
        else if (!query.IncludeClosed)
        {
            sql.Append(" AND incidents.phase <> ").Append((int)IncidentPhase.Closed);
        }

        if (query.SecurityIncidentsOnly)
        {
            sql.Append(" AND incidents.security = 1");
        }

        if (query.FirstAlertFrom is { } from)
        {
            sql.Append(" AND incidents.first_alert_ticks >= $from");
            command.Parameters.AddWithValue("$from", from.UtcTicks);
        }

        if (query.FirstAlertTo is { } to)
        {
            sql.Append(" AND incidents.first_alert_ticks < $to");
            command.Parameters.AddWithValue("$to", to.UtcTicks);
        }

        command.CommandText = sql.Append(" ORDER BY incidents.first_alert_ticks, incidents.id;").ToString();
        var result = new List<Incident>();
        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var incident = IncidentCodec.Read(reader.GetFieldValue<byte[]>(0));
            if (query.Matches(incident))
            {
                result.Add(incident);
            }
        }

        return result;
    }
}
