using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// The stored form of an <see cref="Alert"/> (the <c>content</c> column): format version 1, then every property in
/// declaration order. Reads back an alert equal to the one written, field by field (default and empty arrays, null
/// strings and time offsets included).
/// </summary>
internal static class AlertCodec
{
    public const byte Version = 1;

    public static void Write(ContentWriter w, Alert alert)
    {
        w.Byte(Version);
        w.String(alert.Id);
        w.String(alert.PolicyId);
        w.String(alert.PolicyName);
        w.Int32((int)alert.Severity);
        w.Int32((int)alert.Category);
        w.Int32((int)alert.Status);
        w.String(alert.Source);
        w.String(alert.Description);
        w.Time(alert.CreatedAt);
        w.Time(alert.FirstActivityAt);
        w.Time(alert.LastActivityAt);
        w.Int32(alert.HitCount);
        w.Int32(alert.DetectionCount);
        w.Strings(alert.Users);
        w.Strings(alert.Operations);
        w.List(alert.Activities, static (w, a) => w.Optional(a, WriteActivity));
        w.Bool(alert.ActivitiesTruncated);
        w.Bool(alert.NotificationsSuppressed);
        w.Strings(alert.Tags);
        w.Array(alert.History, static (w, c) => w.Optional(c, WriteChange));
        w.Strings(alert.SilencedBy);
    }

    public static Alert Read(ReadOnlySpan<byte> data)
    {
        var r = new ContentReader(data);
        var version = r.Byte();
        if (version != Version)
        {
            throw new InvalidDataException($"Stored alert content has format version {version}; this package reads version {Version}.");
        }

        var alert = new Alert
        {
            Id = r.RequiredString(),
            PolicyId = r.RequiredString(),
            PolicyName = r.String()!,
            Severity = (AlertSeverity)r.Int32(),
            Category = (AlertCategory)r.Int32(),
            Status = (AlertStatus)r.Int32(),
            Source = r.String()!,
            Description = r.String(),
            CreatedAt = r.Time(),
            FirstActivityAt = r.Time(),
            LastActivityAt = r.Time(),
            HitCount = r.Int32(),
            DetectionCount = r.Int32(),
            Users = r.Strings(),
            Operations = r.Strings(),
            Activities = ReadActivities(ref r)!,
            ActivitiesTruncated = r.Bool(),
            NotificationsSuppressed = r.Bool(),
            Tags = r.Strings(),
            History = ReadHistory(ref r),
            SilencedBy = r.Strings(),
        };
        if (!r.AtEnd)
        {
            throw new InvalidDataException("Stored alert content has trailing bytes.");
        }

        return alert;
    }

    private static void WriteActivity(ContentWriter w, AlertActivity a)
    {
        w.String(a.Id);
        w.Time(a.Time);
        w.String(a.Operation);
        w.String(a.UserId);
        w.String(a.ObjectId);
        w.Address(a.ClientIp);
    }

    private static void WriteChange(ContentWriter w, AlertStatusChange c)
    {
        w.Int32((int)c.From);
        w.Int32((int)c.To);
        w.String(c.ChangedBy);
        w.Time(c.ChangedAt);
        w.String(c.Comment);
    }

    private static ImmutableList<AlertActivity>? ReadActivities(ref ContentReader r)
    {
        var count = r.Count();
        if (count < 0)
        {
            return null;
        }

        var builder = ImmutableList.CreateBuilder<AlertActivity>();
        for (var i = 0; i < count; i++)
        {
            builder.Add(r.Bool() ? new AlertActivity(r.String()!, r.Time(), r.String()!, r.String(), r.String(), r.Address()) : null!);
        }

        return builder.ToImmutable();
    }

    private static ImmutableArray<AlertStatusChange> ReadHistory(ref ContentReader r)
    {
        var count = r.Count();
        if (count < 0)
        {
            return default;
        }

        var builder = ImmutableArray.CreateBuilder<AlertStatusChange>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(r.Bool() ? new AlertStatusChange((AlertStatus)r.Int32(), (AlertStatus)r.Int32(), r.String()!, r.Time(), r.String()) : null!);
        }

        return builder.MoveToImmutable();
    }
}
