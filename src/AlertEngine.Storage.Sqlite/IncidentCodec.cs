using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>
/// The stored form of an <see cref="Incident"/> (the <c>content</c> column): format version 1, then every property
/// in declaration order, nested records included. Reads back an incident equal to the one written, field by field.
/// </summary>
internal static class IncidentCodec
{
    public const byte Version = 1;

    public static void Write(ContentWriter w, Incident incident)
    {
        w.Byte(Version);
        w.String(incident.Id);
        w.String(incident.Title);
        w.Int32((int)incident.Severity);
        w.Int32((int)incident.Phase);
        w.Time(incident.FirstAlertAt);
        w.Time(incident.LastAlertAt);
        w.Strings(incident.AlertIds);
        w.Array(incident.Entities, static (w, e) => w.Optional(e, static (w, e) =>
        {
            w.Int32((int)e.Kind);
            w.String(e.Value);
        }));
        w.Bool(incident.EntitiesTruncated);
        w.String(incident.CreatedBy);
        w.NullableTime(incident.CreatedAt);
        w.List(incident.Transitions, static (w, t) => w.Optional(t, static (w, t) =>
        {
            w.Int32((int)t.From);
            w.Int32((int)t.To);
            w.Time(t.At);
            w.String(t.By);
            w.String(t.Note);
        }));
        w.Optional(incident.Escalation, static (w, e) =>
        {
            w.String(e.Target);
            w.String(e.Reference);
        });
        w.Optional(incident.Declaration, static (w, d) =>
        {
            w.Time(d.DeclaredAt);
            w.String(d.DeclaredBy);
            w.Time(d.NotificationDeadline);
            w.String(d.Note);
        });
        w.Bool(incident.CustomersAffected);
        w.List(incident.Notifications, static (w, n) => w.Optional(n, static (w, n) =>
        {
            w.Optional(n.Notification, static (w, c) =>
            {
                w.String(c.NatureOfBreach);
                w.NullableInt32(c.ApproximateAffectedUsers);
                w.Strings(c.MitigationSteps);
                w.Bool(c.InvestigationComplete);
                w.Strings(c.NextSteps);
                w.String(c.Timeline);
            });
            w.Time(n.RecordedAt);
            w.String(n.RecordedBy);
            w.Bool(n.OnTime);
        }));
        w.List(incident.Postmortems, static (w, p) => w.Optional(p, static (w, p) =>
        {
            w.Optional(p.Postmortem, static (w, m) =>
            {
                w.String(m.Summary);
                w.String(m.RootCause);
                w.Strings(m.Actions);
            });
            w.Time(p.RecordedAt);
            w.String(p.RecordedBy);
        }));
        w.String(incident.OverdueAlertId);
        w.Int32(incident.ReopenCount);
    }

    public static Incident Read(ReadOnlySpan<byte> data)
    {
        var r = new ContentReader(data);
        var version = r.Byte();
        if (version != Version)
        {
            throw new InvalidDataException($"Stored incident content has format version {version}; this package reads version {Version}.");
        }

        var incident = new Incident
        {
            Id = r.RequiredString(),
            Title = r.String()!,
            Severity = (AlertSeverity)r.Int32(),
            Phase = (IncidentPhase)r.Int32(),
            FirstAlertAt = r.Time(),
            LastAlertAt = r.Time(),
            AlertIds = r.Strings(),
            Entities = ReadEntities(ref r),
            EntitiesTruncated = r.Bool(),
            CreatedBy = r.String()!,
            CreatedAt = r.NullableTime(),
            Transitions = ReadTransitions(ref r)!,
            Escalation = r.Bool() ? new EscalationResult(r.String()!, r.String()) : null,
            Declaration = r.Bool() ? new SecurityIncidentDeclaration(r.Time(), r.String()!, r.Time(), r.String()) : null,
            CustomersAffected = r.Bool(),
            Notifications = ReadNotifications(ref r)!,
            Postmortems = ReadPostmortems(ref r)!,
            OverdueAlertId = r.String(),
            ReopenCount = r.Int32(),
        };
        if (!r.AtEnd)
        {
            throw new InvalidDataException("Stored incident content has trailing bytes.");
        }

        return incident;
    }

    private static ImmutableArray<IncidentEntity> ReadEntities(ref ContentReader r)
    {
        var count = r.Count();
        if (count < 0)
        {
            return default;
        }

        var builder = ImmutableArray.CreateBuilder<IncidentEntity>(count);
        for (var i = 0; i < count; i++)
        {
            builder.Add(r.Bool() ? new IncidentEntity((IncidentEntityKind)r.Int32(), r.String()!) : null!);
        }

        return builder.MoveToImmutable();
    }

    private static ImmutableList<IncidentTransition>? ReadTransitions(ref ContentReader r)
    {
        var count = r.Count();
        if (count < 0)
        {
            return null;
        }

        var builder = ImmutableList.CreateBuilder<IncidentTransition>();
        for (var i = 0; i < count; i++)
        {
            builder.Add(r.Bool()
                ? new IncidentTransition((IncidentPhase)r.Int32(), (IncidentPhase)r.Int32(), r.Time(), r.String()!, r.String())
                : null!);
        }

        return builder.ToImmutable();
    }

    private static ImmutableList<RecordedCustomerNotification>? ReadNotifications(ref ContentReader r)
    {
        var count = r.Count();
        if (count < 0)
        {
            return null;
        }

        var builder = ImmutableList.CreateBuilder<RecordedCustomerNotification>();
        for (var i = 0; i < count; i++)
        {
            if (!r.Bool())
            {
                builder.Add(null!);
                continue;
            }

            CustomerNotification? notification = null;
            if (r.Bool())
            {
                notification = new CustomerNotification
                {
                    NatureOfBreach = r.String(),
                    ApproximateAffectedUsers = r.NullableInt32(),
                    MitigationSteps = r.StringList()!,
                    InvestigationComplete = r.Bool(),
                    NextSteps = r.StringList()!,
                    Timeline = r.String(),
                };
            }

            builder.Add(new RecordedCustomerNotification(notification!, r.Time(), r.String()!, r.Bool()));
        }

        return builder.ToImmutable();
    }

    private static ImmutableList<RecordedPostmortem>? ReadPostmortems(ref ContentReader r)
    {
        var count = r.Count();
        if (count < 0)
        {
            return null;
        }

        var builder = ImmutableList.CreateBuilder<RecordedPostmortem>();
        for (var i = 0; i < count; i++)
        {
            if (!r.Bool())
            {
                builder.Add(null!);
                continue;
            }

            Postmortem? postmortem = null;
            if (r.Bool())
            {
                postmortem = new Postmortem { Summary = r.String(), RootCause = r.String(), Actions = r.StringList()! };
            }

            builder.Add(new RecordedPostmortem(postmortem!, r.Time(), r.String()!));
        }

        return builder.ToImmutable();
    }
}
