using System.Collections.Immutable;

namespace AlertEngine;

// The aggregator's part of an engine checkpoint: the open alert, so a detection after a restart joins the alert it
// would have joined.
public sealed partial class AlertAggregator
{
    internal void WriteState(CheckpointWriter writer)
    {
        writer.Write(_open is not null);
        if (_open is not { } a)
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
        _openUsers.Clear();
        _openOperations.Clear();
        _openTags.Clear();
        _users.Reset();
        _operations.Reset();
        _tags.Reset();
        _activities.Reset();
        _lastOperation = null;
        _open = null;
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
        ReadStrings(reader, _openUsers, _users);
        ReadStrings(reader, _openOperations, _operations);
        ReadStrings(reader, _openTags, _tags);
        var count = reader.ReadCount(20);
        for (var i = 0; i < count; i++)
        {
            _activities.Add(new AlertActivity(
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

        _open = new Alert
        {
            Id = id,
            PolicyId = _policy.Id,
            PolicyName = name,
            Severity = severity,
            Category = category,
            Description = description,
            CreatedAt = created,
            FirstActivityAt = first,
            LastActivityAt = last,
            HitCount = hits,
            DetectionCount = detections,
            Users = default,
            Activities = null!,
            UsersView = _users.View,
            OperationsView = _operations.View,
            TagsView = _tags.View,
            ActivitiesView = _activities.View,
            ActivitiesTruncated = truncated,
        };
    }

    private static void WriteStrings(CheckpointWriter writer, ImmutableArray<string> values)
    {
        writer.Write(values.Length);
        foreach (var value in values)
        {
            writer.Write(value);
        }
    }

    private static void ReadStrings(CheckpointReader reader, HashSet<string> seen, AlertValuesBuffer<string> values)
    {
        var count = reader.ReadCount();
        for (var i = 0; i < count; i++)
        {
            var value = reader.ReadString();
            seen.Add(value);
            values.Add(value);
        }
    }
}
