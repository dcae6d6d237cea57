using AlertEngine.StoreContracts;
using static AlertEngine.StoreContracts.StoreContractData;

namespace AlertEngine.Storage.Sqlite.Tests;

public class ContentCodecTests
{
    private static byte[] Encode(Alert alert)
    {
        var writer = new ContentWriter();
        AlertCodec.Write(writer, alert);
        return writer.ToArray();
    }

    [Fact]
    public void The_alert_codec_knows_every_property_of_Alert()
    {
        // A new property of Alert must be added to AlertCodec (and this list): otherwise the store would drop it.
        Assert.Equal(
            ["Activities", "ActivitiesTruncated", "Category", "CreatedAt", "Description", "DetectionCount", "FirstActivityAt", "History", "HitCount", "Id",
             "LastActivityAt", "NotificationsSuppressed", "Operations", "PolicyId", "PolicyName", "Severity", "SilencedBy", "Source", "Status", "Tags", "Users"],
            typeof(Alert).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void The_incident_codec_knows_every_stored_property_of_Incident()
    {
        Assert.Equal(
            ["AlertIds", "ClosedAt", "CreatedAt", "CreatedBy", "CustomersAffected", "Declaration", "Entities", "EntitiesTruncated", "Escalation", "FirstAlertAt",
             "FirstNotification", "Id", "IsSecurityIncident", "LastAlertAt", "NotificationDeadline", "Notifications", "OverdueAlertId", "Phase", "Postmortem",
             "Postmortems", "ReopenCount", "RequiresPostmortem", "Severity", "Title", "Transitions"],
            typeof(Incident).GetProperties().Select(p => p.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Default_arrays_null_lists_and_null_items_round_trip()
    {
        var alert = MakeAlert("a") with { Users = default, Tags = default, History = default, SilencedBy = [], Activities = null!, Source = null! };
        Assert.Equal(StoreSnapshot.Describe(alert), StoreSnapshot.Describe(AlertCodec.Read(Encode(alert))));

        var incident = FullIncident() with { AlertIds = default, Entities = default, Transitions = null!, Escalation = null, Declaration = null };
        var writer = new ContentWriter();
        IncidentCodec.Write(writer, incident);
        Assert.Equal(StoreSnapshot.Describe(incident), StoreSnapshot.Describe(IncidentCodec.Read(writer.ToArray())));
    }

    [Fact]
    public void Truncated_corrupt_or_foreign_content_is_an_InvalidDataException()
    {
        var bytes = Encode(FullAlert());
        for (var length = 0; length < bytes.Length; length++)
        {
            Assert.Throws<InvalidDataException>(() => AlertCodec.Read(bytes.AsSpan(0, length)));
        }

        Assert.Throws<InvalidDataException>(() => AlertCodec.Read([.. bytes, 0]));
        Assert.Throws<InvalidDataException>(() => AlertCodec.Read([2, .. bytes[1..]]));
    }
}
