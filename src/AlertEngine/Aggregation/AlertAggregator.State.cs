using System.Collections.Immutable;

namespace AlertEngine;

// The aggregator's part of an engine checkpoint: the open alert, so a detection after a restart joins the alert it
// would have joined.
public sealed partial class AlertAggregator
{
    internal void WriteState(CheckpointWriter writer)
    {
        var a = OpenAlert;
        writer.Write(a is not null);
        if (a is null)
        {
            return;
        }

        writer.Write(a.Id);
        writer.Write(a.PolicyName);
        writer.Write((int)a.Severity);
        writer.Write((int)a.Category);
        writer.WriteNullable(a.Description);
        writer.WriteTime(a.CreatedAt);
        writer.WriteTime(a.FirstActivityAt);
        writer.WriteTime(a.LastActivityAt);
        writer.Write(a.HitCount);
        writer.Write(a.DetectionCount);
        WriteStrings(writer, a.Users);
        WriteStrings(writer, a.Operations);
        WriteStrings(writer, a.Tags);
        writer.Write(a.Activities.Count);
        foreach (var x in a.Activities)
        {
            writer.Write(x.Id);
            writer.WriteTime(x.Time);
            writer.Write(x.Operation);
            writer.WriteNullable(x.UserId);
            writer.WriteNullable(x.ObjectId);
            writer.WriteAddress(x.ClientIp);
        }

        writer.Write(a.ActivitiesTruncated);
    }

    /// <summary>Reads the open alert into a fresh aggregator of the same policy.</summary>
    /// <exception cref="InvalidDataException">The data is malformed.</exception>
    internal void ReadState(CheckpointReader reader)
    {
        _lists.Reset();
        _open = null;
        _made = null;
        if (!reader.ReadBoolean())
        {
            return;
        }

        var id = reader.ReadString();
        var name = reader.ReadString();
        var severity = (AlertSeverity)reader.ReadInt32();
        var category = (AlertCategory)reader.ReadInt32();
        var description = reader.ReadNullableString();
        var created = reader.ReadTime();
        var first = reader.ReadTime();
        var last = reader.ReadTime();
        var hits = reader.ReadInt32();
        var detections = reader.ReadInt32();
        ReadStrings(reader, _lists, _lists.Users);
        ReadStrings(reader, _lists, _lists.Operations);
        ReadStrings(reader, _lists, _lists.Tags);
        var count = reader.ReadCount(20);
        for (var i = 0; i < count; i++)
        {
            _lists.Activities.Add(new AlertActivity(
                reader.ReadString(),
                reader.ReadTime(),
                reader.ReadString(),
                reader.ReadNullableString(),
                reader.ReadNullableString(),
                reader.ReadAddress()));
        }

        var truncated = reader.ReadBoolean();
        if (!id.StartsWith(_policy.Id + ":", StringComparison.Ordinal) || hits < 1 || detections < 1 || count > hits
            || !Enum.IsDefined(severity) || !Enum.IsDefined(category))
        {
            throw CheckpointReader.Corrupt($"the open alert of policy '{_policy.Id}' is inconsistent");
        }

        _open = new AlertSnapshotSource(id, _policy.Id, name, severity, category, description, created, _lists);
        _first = first;
        _last = last;
        _hits = hits;
        _detectionCount = detections;
        _made = _open.Snapshot(new(
            first, last, hits, detections, _lists.Users.Count, _lists.Operations.Count, _lists.Tags.Count, count, truncated));
    }

    private static void WriteStrings(CheckpointWriter writer, ImmutableArray<string> values)
    {
        writer.Write(values.Length);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static void ReadStrings(CheckpointReader reader, AlertLists lists, AlertValuesBuffer<string> values)
    {
        var count = reader.ReadCount();
        for (var i = 0; i < count; i++)
        {
            lists.AddRestored(values, reader.ReadString());
        }
    }
}
