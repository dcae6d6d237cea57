using System.Collections.Immutable;

namespace AlertEngine;

/// <summary>Builds incident snapshots from alerts: ids, entities, severity, times. Shared by the correlator and the manager.</summary>
internal static class IncidentBuilder
{
    public const string IdPrefix = "inc:";

    public static string IdFor(Alert firstAlert) => IdPrefix + firstAlert.Id;

    /// <summary>Informational &lt; Low &lt; Medium &lt; High.</summary>
    public static int Rank(AlertSeverity severity) => severity switch
    {
        AlertSeverity.Informational => 0,
        AlertSeverity.Low => 1,
        AlertSeverity.Medium => 2,
        AlertSeverity.High => 3,
        _ => -1,
    };

    public static bool IsGrouped(IncidentEntityKind kind, IncidentGroupingEntities entities) => kind switch
    {
        IncidentEntityKind.User => (entities & IncidentGroupingEntities.User) != 0,
        IncidentEntityKind.IpAddress => (entities & IncidentGroupingEntities.IpAddress) != 0,
        IncidentEntityKind.ObjectId => (entities & IncidentGroupingEntities.ObjectId) != 0,
        IncidentEntityKind.Policy => (entities & IncidentGroupingEntities.Policy) != 0,
        _ => false,
    };

    /// <summary>The grouping key of an entity: kind and value, compared with <see cref="StringComparer.OrdinalIgnoreCase"/>.</summary>
    public static string Key(IncidentEntityKind kind, string value) => kind switch
    {
        IncidentEntityKind.User => "u:" + value,
        IncidentEntityKind.IpAddress => "i:" + value,
        IncidentEntityKind.ObjectId => "o:" + value,
        _ => "p:" + value,
    };

    public static string Key(IncidentEntity entity) => Key(entity.Kind, entity.Value);

    /// <summary>The entities of an alert in order: policy, users, then each activity's client IP and object. May repeat.</summary>
    public static void EntitiesOf(Alert alert, List<IncidentEntity> into)
    {
        if (!string.IsNullOrEmpty(alert.PolicyId))
        {
            into.Add(new(IncidentEntityKind.Policy, alert.PolicyId));
        }

        if (!alert.Users.IsDefault)
        {
            foreach (var user in alert.Users)
            {
                if (!string.IsNullOrEmpty(user))
                {
                    into.Add(new(IncidentEntityKind.User, user));
                }
            }
        }

        if (alert.Activities is not null)
        {
            foreach (var activity in alert.Activities)
            {
                if (activity.ClientIp is not null)
                {
                    into.Add(new(IncidentEntityKind.IpAddress, activity.ClientIp.ToString()));
                }

                if (!string.IsNullOrEmpty(activity.ObjectId))
                {
                    into.Add(new(IncidentEntityKind.ObjectId, activity.ObjectId));
                }
            }
        }
    }

    /// <summary>A new incident holding one alert.</summary>
    public static Incident Open(Alert alert, string? title, int maxEntities, List<IncidentEntity>? added)
    {
        var seed = new Incident
        {
            Id = IdFor(alert),
            Title = string.IsNullOrWhiteSpace(title) ? alert.PolicyName : title,
            Severity = alert.Severity,
            FirstAlertAt = alert.CreatedAt,
            LastAlertAt = alert.CreatedAt,
            AlertIds = [],
        };
        return WithAlert(seed, alert, maxEntities, added);
    }

    /// <summary>The incident with <paramref name="alert"/> added (or its newer snapshot merged in when already a member).</summary>
    /// <param name="incident">The incident.</param>
    /// <param name="alert">The alert.</param>
    /// <param name="maxEntities">Cap on the incident's entities.</param>
    /// <param name="added">Receives the entities newly listed, when not <see langword="null"/>.</param>
    public static Incident WithAlert(Incident incident, Alert alert, int maxEntities, List<IncidentEntity>? added)
    {
        var alertIds = incident.AlertIds.IsDefault ? [] : incident.AlertIds;
        if (alertIds.IndexOf(alert.Id) < 0)
        {
            alertIds = alertIds.Add(alert.Id);
        }

        var entities = incident.Entities.IsDefault ? [] : incident.Entities;
        var truncated = incident.EntitiesTruncated;
        var candidates = new List<IncidentEntity>();
        EntitiesOf(alert, candidates);
        if (candidates.Count > 0)
        {
            var known = new HashSet<string>(entities.Length + candidates.Count, StringComparer.OrdinalIgnoreCase);
            foreach (var entity in entities)
            {
                known.Add(Key(entity));
            }

            ImmutableArray<IncidentEntity>.Builder? builder = null;
            foreach (var entity in candidates)
            {
                if (!known.Add(Key(entity)))
                {
                    continue;
                }

                if ((builder?.Count ?? entities.Length) >= maxEntities)
                {
                    truncated = true;
                    continue;
                }

                builder ??= entities.ToBuilder();
                builder.Add(entity);
                added?.Add(entity);
            }

            if (builder is not null)
            {
                entities = builder.ToImmutable();
            }
        }

        return incident with
        {
            AlertIds = alertIds,
            Entities = entities,
            EntitiesTruncated = truncated,
            Severity = Rank(alert.Severity) > Rank(incident.Severity) ? alert.Severity : incident.Severity,
            FirstAlertAt = alert.CreatedAt < incident.FirstAlertAt ? alert.CreatedAt : incident.FirstAlertAt,
            LastAlertAt = alert.CreatedAt > incident.LastAlertAt ? alert.CreatedAt : incident.LastAlertAt,
        };
    }
}
