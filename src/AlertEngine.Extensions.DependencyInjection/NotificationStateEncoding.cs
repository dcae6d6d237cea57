using System.Text.Json;

namespace AlertEngine;

/// <summary>
/// The notification section of a <see cref="ServiceCheckpoint"/>: a <see cref="NotificationStateSnapshot"/> as UTF-8
/// JSON (the snapshot is plain values and carries its own <see cref="NotificationStateSnapshot.Version"/>). Decoding
/// checks everything a later <see cref="NotificationDispatcher.Restore"/> would refuse, so a restore that starts cannot
/// fail half-way. Thread-safe (stateless).
/// </summary>
internal static class NotificationStateEncoding
{
    public static byte[] Encode(NotificationStateSnapshot snapshot) => JsonSerializer.SerializeToUtf8Bytes(snapshot);

    /// <summary>Decodes and checks a section written by <see cref="Encode"/>.</summary>
    /// <exception cref="InvalidDataException">Not a notification state this library reads, or an invalid one.</exception>
    public static NotificationStateSnapshot Decode(ReadOnlySpan<byte> utf8)
    {
        NotificationStateSnapshot? snapshot;
        try
        {
            snapshot = JsonSerializer.Deserialize<NotificationStateSnapshot>(utf8);
        }
        catch (Exception e) when (e is JsonException or ArgumentException or InvalidOperationException or NotSupportedException)
        {
            throw new InvalidDataException("Corrupt checkpoint: the notification state is not readable (" + e.Message + ").", e);
        }

        if (snapshot is null)
        {
            throw Corrupt("the notification state is empty");
        }

        if (snapshot.Version != 1)
        {
            throw new InvalidDataException($"Unsupported notification state version {snapshot.Version}; this library reads version 1.");
        }

        foreach (var a in snapshot.Alerts.IsDefault ? [] : snapshot.Alerts)
        {
            if (a is null || string.IsNullOrEmpty(a.AlertId) || a.PolicyId is null || a.LastDetectionCount < 0 || a.NotificationsSent < 0)
            {
                throw Corrupt("an alert record of the notification state is incomplete or negative");
            }
        }

        foreach (var d in snapshot.DailyCounts.IsDefault ? [] : snapshot.DailyCounts)
        {
            if (d is null || d.PolicyId is null || d.Count < 0)
            {
                throw Corrupt("a daily count of the notification state is incomplete or negative");
            }
        }

        foreach (var t in snapshot.Throttles.IsDefault ? [] : snapshot.Throttles)
        {
            if (t is null || t.PolicyId is null)
            {
                throw Corrupt("a throttle history of the notification state is incomplete");
            }
        }

        foreach (var w in snapshot.EarlyWarnings.IsDefault ? [] : snapshot.EarlyWarnings)
        {
            if (w is null || w.PolicyId is null || w.ScopeKey is null)
            {
                throw Corrupt("an early warning of the notification state is incomplete");
            }
        }

        foreach (var s in snapshot.Silences.IsDefault ? [] : snapshot.Silences)
        {
            if (s is null || s.Validate().Count > 0)
            {
                throw Corrupt($"the silence '{s?.Id}' of the notification state is invalid");
            }
        }

        foreach (var f in snapshot.FailedDeliveries.IsDefault ? [] : snapshot.FailedDeliveries)
        {
            if (f is null || f.Id is null || f.Notifier is null || f.Notification is null)
            {
                throw Corrupt("a failed delivery of the notification state is incomplete");
            }
        }

        return snapshot;
    }

    private static InvalidDataException Corrupt(string message) => new("Corrupt checkpoint: " + message + ".");
}
