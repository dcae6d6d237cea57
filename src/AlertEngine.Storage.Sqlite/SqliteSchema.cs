namespace AlertEngine;

/// <summary>
/// The database schema (version <see cref="Version"/>), created on first use. Text is stored as UTF-16 big-endian
/// (<c>PRAGMA encoding</c>), so SQLite's binary collation orders text exactly like <see cref="string.CompareOrdinal(string, string)"/>
/// and the alert order of the store is <see cref="AlertOrder"/>.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>The schema version this package writes and reads.</summary>
    public const int Version = 1;

    /// <summary>The statements that create schema version 1 in an empty database.</summary>
    public const string Create = """
        CREATE TABLE schema_version (
            version INTEGER NOT NULL
        );
        CREATE TABLE alerts (
            id            TEXT    NOT NULL PRIMARY KEY,
            policy_id     TEXT    NOT NULL,
            created_ticks INTEGER NOT NULL,
            status        INTEGER NOT NULL,
            severity      INTEGER NOT NULL,
            category      INTEGER NOT NULL,
            source_key    TEXT    NOT NULL,
            suppressed    INTEGER NOT NULL,
            history_count INTEGER NOT NULL,
            content       BLOB    NOT NULL
        );
        CREATE UNIQUE INDEX alerts_by_order ON alerts (created_ticks, policy_id, id);
        CREATE INDEX alerts_by_policy ON alerts (policy_id, created_ticks, id);
        CREATE INDEX alerts_by_status ON alerts (status, created_ticks, policy_id, id);
        CREATE INDEX alerts_by_source ON alerts (source_key, created_ticks, policy_id, id);
        CREATE TABLE alert_tags (
            tag_key  TEXT NOT NULL,
            alert_id TEXT NOT NULL,
            PRIMARY KEY (tag_key, alert_id)
        ) WITHOUT ROWID;
        CREATE INDEX alert_tags_by_alert ON alert_tags (alert_id);
        CREATE TABLE incidents (
            id                TEXT    NOT NULL PRIMARY KEY,
            first_alert_ticks INTEGER NOT NULL,
            phase             INTEGER NOT NULL,
            security          INTEGER NOT NULL,
            content           BLOB    NOT NULL
        );
        CREATE INDEX incidents_by_order ON incidents (first_alert_ticks, id);
        CREATE TABLE incident_alerts (
            alert_id    TEXT NOT NULL PRIMARY KEY,
            incident_id TEXT NOT NULL
        ) WITHOUT ROWID;
        CREATE INDEX incident_alerts_by_incident ON incident_alerts (incident_id);
        CREATE TABLE engine_state (
            id    INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            data  BLOB    NOT NULL
        );
        INSERT INTO schema_version (version) VALUES (1);
        """;
}
