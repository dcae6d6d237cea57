using System.Globalization;
using System.Text;
using Microsoft.Data.Sqlite;

namespace AlertEngine;

/// <summary>
/// An <see cref="IAlertStore"/> in a SQLite database file (table <c>alerts</c>, with the tag index
/// <c>alert_tags</c>); get one from <see cref="SqliteStorage.Alerts"/>. Queries, ordering (<see cref="AlertOrder"/>),
/// keyset paging, counts and the keeping of management fields are those of <see cref="InMemoryAlertStore"/>.
/// </summary>
/// <remarks>
/// <para><b>Thread safety.</b> Thread-safe: any number of concurrent readers and writers, in this process and in
/// others on the same file. Writes are serialized (one writer connection, each write one transaction); reads run in
/// parallel with them on their own connections, and each query reads one consistent snapshot (WAL).</para>
/// <para><b>Durability.</b> When a write's task completes, its transaction is committed: it survives a crash or kill
/// of the process (and a power loss with <see cref="SqliteStorageOptions.FlushEveryCommit"/>). A write that fails or
/// is cancelled before it starts changes nothing.</para>
/// <para><b>Asynchrony.</b> SQLite has no asynchronous I/O: a call waits asynchronously for the writer, then does its
/// (short) work synchronously on the calling thread. Cancellation is observed while waiting and between rows.</para>
/// <para><b>Ids.</b> Alert and policy ids must be well-formed UTF-16 (no lone surrogate), as every text input makes
/// them; others are refused with <see cref="ArgumentException"/>.</para>
/// </remarks>
public sealed class SqliteAlertStore : IAlertStore
{
    private const int Resolved = (int)AlertStatus.Resolved;

    private readonly SqliteDatabase _database;
    private readonly ContentWriter _content = new(); // used under the writer gate only

    internal SqliteAlertStore(SqliteDatabase database)
    {
        _database = database;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException">The alert's status, category or severity is not a defined value.</exception>
    /// <exception cref="ArgumentException">The alert's id or policy id is not well-formed UTF-16.</exception>
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask UpsertAsync(Alert alert, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alert);
        CheckAlert(alert);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.WriteAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction();
        Upsert(alert, transaction);
        transaction.Commit();
    }

    /// <summary>
    /// Upserts many alerts in one transaction (for imports and for building test databases): the same as
    /// <see cref="UpsertAsync"/> for each alert in turn, committed together.
    /// </summary>
    internal async ValueTask UpsertManyAsync(IEnumerable<Alert> alerts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(alerts);
        using var lease = await _database.WriteAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction();
        foreach (var alert in alerts)
        {
            ArgumentNullException.ThrowIfNull(alert, nameof(alerts));
            CheckAlert(alert);
            cancellationToken.ThrowIfCancellationRequested();
            Upsert(alert, transaction);
        }

        transaction.Commit();
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException"><paramref name="updated"/> has another id than <paramref name="current"/>, or an undefined status.</exception>
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<Alert?> TryUpdateManagementAsync(Alert current, Alert updated, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(updated);
        if (!string.Equals(current.Id, updated.Id, StringComparison.Ordinal))
        {
            throw new ArgumentException("The updated alert must have the id of the current one.", nameof(updated));
        }

        AlertStoreRules.CheckEnums(updated, nameof(updated));
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.WriteAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction();
        var stored = Find(current.Id, transaction);
        if (stored is null || !AlertStoreRules.SameManagement(stored, current))
        {
            return null;
        }

        var next = stored with
        {
            Status = updated.Status,
            History = updated.History.IsDefault ? [] : updated.History,
            NotificationsSuppressed = updated.NotificationsSuppressed,
        };
        var command = _database.WriterCommand(
            "UPDATE alerts SET status = $status, suppressed = $suppressed, history_count = $history, content = $content WHERE id = $id;",
            transaction);
        command.Parameters.AddWithValue("$id", next.Id);
        command.Parameters.AddWithValue("$status", (int)next.Status);
        command.Parameters.AddWithValue("$suppressed", next.NotificationsSuppressed);
        command.Parameters.AddWithValue("$history", AlertStoreRules.HistoryLength(next));
        command.Parameters.AddWithValue("$content", Encode(next));
        command.ExecuteNonQuery();
        transaction.Commit();
        return next;
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<Alert?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        cancellationToken.ThrowIfCancellationRequested();
        using var lease = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        using var command = lease.Connection.CreateCommand();
        command.CommandText = "SELECT content FROM alerts WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        var content = command.ExecuteScalar() as byte[];
        var alert = content is null ? null : AlertCodec.Read(content);

        // An id with a lone surrogate reaches SQLite as U+FFFD: never answer with another alert.
        return alert is not null && string.Equals(alert.Id, id, StringComparison.Ordinal) ? alert : null;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><see cref="AlertQuery.Take"/> is less than 1.</exception>
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<IReadOnlyList<Alert>> QueryAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        if (query.Take is { } take)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(take, 1, nameof(query));
        }

        cancellationToken.ThrowIfCancellationRequested();
        var result = new List<Alert>();
        using var lease = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction(deferred: true);
        var after = query.After;
        while (true)
        {
            // The SQL filter is exact but for case folding of sources and tags; every row is checked again with
            // AlertQuery.Matches, and when that drops rows of a limited page the next rows are read.
            var limit = query.Take - result.Count;
            using var command = Select(lease.Connection, transaction, query, after, limit, "content");
            var rows = 0;
            Alert? last = null;
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    rows++;
                    last = AlertCodec.Read(reader.GetFieldValue<byte[]>(0));
                    if (query.Matches(last) && (query.After is null || query.After.CompareTo(last) < 0))
                    {
                        result.Add(last);
                    }
                }
            }

            if (limit is null || rows < limit || result.Count >= query.Take || last is null)
            {
                break;
            }

            after = AlertCursor.From(last);
        }

        transaction.Commit();
        return result;
    }

    /// <inheritdoc />
    /// <exception cref="ObjectDisposedException">The <see cref="SqliteStorage"/> is disposed.</exception>
    public async ValueTask<AlertCounts> CountAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        cancellationToken.ThrowIfCancellationRequested();
        var counts = new AlertCounts.Builder();
        using var lease = await _database.ReadAsync(cancellationToken).ConfigureAwait(false);
        using var transaction = lease.Connection.BeginTransaction(deferred: true);
        if (query.Source is null && query.Tags is null)
        {
            // Every criterion is exact in SQL: count by group without reading the alerts.
            using var command = Select(lease.Connection, transaction, query, after: null, limit: null, "severity, category, status, count(*)", groupBy: "severity, category, status");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                var template = new Alert
                {
                    Id = string.Empty,
                    PolicyId = string.Empty,
                    PolicyName = string.Empty,
                    Severity = (AlertSeverity)reader.GetInt32(0),
                    Category = (AlertCategory)reader.GetInt32(1),
                    Status = (AlertStatus)reader.GetInt32(2),
                    CreatedAt = default,
                    FirstActivityAt = default,
                    LastActivityAt = default,
                    HitCount = 0,
                    Users = [],
                    Activities = [],
                };
                for (long i = reader.GetInt64(3); i > 0; i--)
                {
                    counts.Add(template);
                }
            }
        }
        else
        {
            using var command = Select(lease.Connection, transaction, query, after: null, limit: null, "content");
            using var reader = command.ExecuteReader();
            while (reader.Read())
            {
                cancellationToken.ThrowIfCancellationRequested();
                var alert = AlertCodec.Read(reader.GetFieldValue<byte[]>(0));
                if (query.Matches(alert))
                {
                    counts.Add(alert);
                }
            }
        }

        transaction.Commit();
        return counts.Build();
    }

    private static SqliteCommand Select(
        SqliteConnection connection,
        SqliteTransaction transaction,
        AlertQuery query,
        AlertCursor? after,
        int? limit,
        string columns,
        string? groupBy = null)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        var sql = new StringBuilder("SELECT ").Append(columns).Append(" FROM alerts WHERE 1");
        if (query.PolicyId is not null)
        {
            sql.Append(" AND policy_id = $policy");
            command.Parameters.AddWithValue("$policy", query.PolicyId);
        }

        if (query.Statuses is not null)
        {
            AppendIn(sql, "status", query.Statuses);
        }
        else if (!query.IncludeResolved)
        {
            sql.Append(" AND status <> ").Append(Resolved);
        }

        if (query.Severities is not null)
        {
            AppendIn(sql, "severity", query.Severities);
        }

        if (query.Categories is not null)
        {
            AppendIn(sql, "category", query.Categories);
        }

        if (query.Source is not null)
        {
            sql.Append(" AND source_key = $source");
            command.Parameters.AddWithValue("$source", SqliteText.FoldKey(query.Source));
        }

        if (query.CreatedFrom is { } from)
        {
            sql.Append(" AND created_ticks >= $from");
            command.Parameters.AddWithValue("$from", from.UtcTicks);
        }

        if (query.CreatedTo is { } to)
        {
            sql.Append(" AND created_ticks < $to");
            command.Parameters.AddWithValue("$to", to.UtcTicks);
        }

        if (query.Tags is not null)
        {
            sql.Append(" AND EXISTS (SELECT 1 FROM alert_tags WHERE alert_tags.alert_id = alerts.id AND alert_tags.tag_key IN (");
            var n = 0;
            foreach (var tag in query.Tags)
            {
                if (tag is null)
                {
                    continue; // matches no alert, as in AlertQuery.Matches
                }

                var name = "$tag" + n.ToString(CultureInfo.InvariantCulture);
                sql.Append(n++ == 0 ? name : "," + name);
                command.Parameters.AddWithValue(name, SqliteText.FoldKey(tag));
            }

            sql.Append(n == 0 ? "NULL))" : "))");
        }

        if (after is not null)
        {
            sql.Append(" AND (created_ticks, policy_id, id) > ($afterTicks, $afterPolicy, $afterId)");
            command.Parameters.AddWithValue("$afterTicks", after.CreatedAt.UtcTicks);
            command.Parameters.AddWithValue("$afterPolicy", after.PolicyId);
            command.Parameters.AddWithValue("$afterId", after.Id);
        }

        if (groupBy is not null)
        {
            sql.Append(" GROUP BY ").Append(groupBy);
        }
        else
        {
            sql.Append(" ORDER BY created_ticks, policy_id, id");
        }

        if (limit is { } l)
        {
            sql.Append(" LIMIT ").Append(l.ToString(CultureInfo.InvariantCulture));
        }

        command.CommandText = sql.Append(';').ToString();
        return command;
    }

    private static void AppendIn<TEnum>(StringBuilder sql, string column, IReadOnlyCollection<TEnum> values)
        where TEnum : struct, Enum
    {
        sql.Append(" AND ").Append(column).Append(" IN (");
        var first = true;
        foreach (var value in values)
        {
            if (!first)
            {
                sql.Append(',');
            }

            sql.Append(Convert.ToInt32(value, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture));
            first = false;
        }

        sql.Append(first ? "NULL)" : ")");
    }

    private void Upsert(Alert alert, SqliteTransaction transaction)
    {
        var stored = ReadManagement(alert.Id, transaction);
        var merged = alert;
        if (stored is { } s && !(s.Status == alert.Status && s.Suppressed == alert.NotificationsSuppressed && s.HistoryCount == AlertStoreRules.HistoryLength(alert)))
        {
            var old = Find(alert.Id, transaction)!;
            merged = alert with { Status = old.Status, History = old.History, NotificationsSuppressed = old.NotificationsSuppressed };
        }

        var command = _database.WriterCommand(
            stored is null
                ? "INSERT INTO alerts (id, policy_id, created_ticks, status, severity, category, source_key, suppressed, history_count, content) VALUES ($id, $policy, $created, $status, $severity, $category, $source, $suppressed, $history, $content);"
                : "UPDATE alerts SET policy_id = $policy, created_ticks = $created, status = $status, severity = $severity, category = $category, source_key = $source, suppressed = $suppressed, history_count = $history, content = $content WHERE id = $id;",
            transaction);
        command.Parameters.AddWithValue("$id", merged.Id);
        command.Parameters.AddWithValue("$policy", merged.PolicyId);
        command.Parameters.AddWithValue("$created", merged.CreatedAt.UtcTicks);
        command.Parameters.AddWithValue("$status", (int)merged.Status);
        command.Parameters.AddWithValue("$severity", (int)merged.Severity);
        command.Parameters.AddWithValue("$category", (int)merged.Category);
        command.Parameters.AddWithValue("$source", SqliteText.FoldKey(merged.Source));
        command.Parameters.AddWithValue("$suppressed", merged.NotificationsSuppressed);
        command.Parameters.AddWithValue("$history", AlertStoreRules.HistoryLength(merged));
        command.Parameters.AddWithValue("$content", Encode(merged));
        command.ExecuteNonQuery();

        if (stored is not null)
        {
            var delete = _database.WriterCommand("DELETE FROM alert_tags WHERE alert_id = $id;", transaction);
            delete.Parameters.AddWithValue("$id", merged.Id);
            delete.ExecuteNonQuery();
        }

        if (!merged.Tags.IsDefaultOrEmpty)
        {
            var insert = _database.WriterCommand("INSERT OR IGNORE INTO alert_tags (tag_key, alert_id) VALUES ($tag, $id);", transaction);
            var tag = insert.Parameters.Add("$tag", SqliteType.Text);
            insert.Parameters.AddWithValue("$id", merged.Id);
            foreach (var name in merged.Tags)
            {
                if (name is not null)
                {
                    tag.Value = SqliteText.FoldKey(name);
                    insert.ExecuteNonQuery();
                }
            }
        }
    }

    private (AlertStatus Status, bool Suppressed, int HistoryCount)? ReadManagement(string id, SqliteTransaction transaction)
    {
        var command = _database.WriterCommand("SELECT status, suppressed, history_count FROM alerts WHERE id = $id;", transaction);
        command.Parameters.AddWithValue("$id", id);
        using var reader = command.ExecuteReader();
        return reader.Read() ? ((AlertStatus)reader.GetInt32(0), reader.GetBoolean(1), reader.GetInt32(2)) : null;
    }

    private Alert? Find(string id, SqliteTransaction transaction)
    {
        var command = _database.WriterCommand("SELECT content FROM alerts WHERE id = $id;", transaction);
        command.Parameters.AddWithValue("$id", id);
        var alert = command.ExecuteScalar() is byte[] content ? AlertCodec.Read(content) : null;
        return alert is not null && string.Equals(alert.Id, id, StringComparison.Ordinal) ? alert : null;
    }

    private byte[] Encode(Alert alert)
    {
        _content.Reset();
        AlertCodec.Write(_content, alert);
        return _content.ToArray();
    }

    private static void CheckAlert(Alert alert)
    {
        AlertStoreRules.CheckEnums(alert, nameof(alert));
        ArgumentNullException.ThrowIfNull(alert.Id, nameof(alert));
        ArgumentNullException.ThrowIfNull(alert.PolicyId, nameof(alert));
        SqliteText.CheckKey(alert.Id, "alert id", nameof(alert));
        SqliteText.CheckKey(alert.PolicyId, "policy id", nameof(alert));
    }

}
