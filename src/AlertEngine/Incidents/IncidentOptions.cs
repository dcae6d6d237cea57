namespace AlertEngine;

/// <summary>
/// The grouping rules that turn alerts into incidents (<see cref="IncidentCorrelator"/>). Validate with
/// <see cref="Validate"/>; the correlator and the manager validate on construction and keep their own copy.
/// </summary>
public sealed class IncidentGroupingOptions
{
    /// <summary>The default <see cref="Window"/>: 5 hours.</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(5);

    /// <summary>The default <see cref="MaxAlertsPerIncident"/>: 150.</summary>
    public const int DefaultMaxAlertsPerIncident = 150;

    /// <summary>
    /// The entity kinds an alert must share with an incident to join it. Default user, IP address and object
    /// (same policy alone does not group, since one policy fires for unrelated users). <see cref="IncidentGroupingEntities.None"/>
    /// turns grouping off: every alert opens its own incident.
    /// </summary>
    public IncidentGroupingEntities Entities { get; set; } =
        IncidentGroupingEntities.User | IncidentGroupingEntities.IpAddress | IncidentGroupingEntities.ObjectId;

    /// <summary>
    /// An alert joins an incident only when its <see cref="Alert.CreatedAt"/> t satisfies
    /// <c>start ≤ t &lt; start + Window</c>, where start is the event time of the incident's first alert (or of the
    /// alert that last reopened it). An alert exactly <see cref="Window"/> after the start opens a new incident.
    /// Default 5 hours.
    /// </summary>
    public TimeSpan Window { get; set; } = DefaultWindow;

    /// <summary>
    /// Cap on the alerts grouping rules put in one incident; a matching alert past the cap opens a new incident.
    /// Alerts attached by hand may exceed it. Default 150.
    /// </summary>
    public int MaxAlertsPerIncident { get; set; } = DefaultMaxAlertsPerIncident;

    /// <summary>
    /// When set, a matching alert with <c>t &lt; closedAt + ReopenWindow</c> reopens a closed incident (phase back to
    /// detected) instead of opening a new one, and the grouping window restarts at that alert. Only incidents closed
    /// through an <see cref="IncidentManager"/> (or <see cref="IncidentCorrelator.Close"/>) can reopen.
    /// Default <see langword="null"/>: closed incidents stay closed.
    /// </summary>
    public TimeSpan? ReopenWindow { get; set; }

    /// <summary>Cap on the distinct entities listed (and used for grouping) per incident, for bounded memory. Default 1,000.</summary>
    public int MaxEntitiesPerIncident { get; set; } = 1000;

    /// <summary>
    /// How long (in alert event time) the correlator keeps an incident after no new alert can join or reopen it, so
    /// that newer snapshots of its alerts (an aggregated alert growing) are still recognised as members. Set it to at
    /// least the longest alert aggregation interval. Default 1 day; zero forgets incidents as soon as possible.
    /// </summary>
    public TimeSpan AlertUpdateHorizon { get; set; } = TimeSpan.FromDays(1);

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if ((Entities & ~IncidentGroupingEntities.All) != 0)
        {
            errors.Add(new(nameof(Entities), "must combine only " + string.Join(", ", Enum.GetNames<IncidentGroupingEntities>())));
        }

        if (Window <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(Window), "must be greater than zero"));
        }

        if (MaxAlertsPerIncident < 1)
        {
            errors.Add(new(nameof(MaxAlertsPerIncident), "must be at least 1"));
        }

        if (ReopenWindow is { } reopen && reopen <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(ReopenWindow), "must be greater than zero, or null to never reopen"));
        }

        if (MaxEntitiesPerIncident < 1)
        {
            errors.Add(new(nameof(MaxEntitiesPerIncident), "must be at least 1"));
        }

        if (AlertUpdateHorizon < TimeSpan.Zero)
        {
            errors.Add(new(nameof(AlertUpdateHorizon), "must not be negative"));
        }

        return errors;
    }

    internal IncidentGroupingOptions Copy() => new()
    {
        Entities = Entities,
        Window = Window,
        MaxAlertsPerIncident = MaxAlertsPerIncident,
        ReopenWindow = ReopenWindow,
        MaxEntitiesPerIncident = MaxEntitiesPerIncident,
        AlertUpdateHorizon = AlertUpdateHorizon,
    };

    internal static IncidentGroupingOptions ValidatedCopy(IncidentGroupingOptions? options, string paramName)
    {
        var source = options ?? new IncidentGroupingOptions();
        var errors = source.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid incident grouping options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), paramName);
        }

        return source.Copy();
    }
}

/// <summary>Options of an <see cref="IncidentManager"/>. Validate with <see cref="Validate"/>; the manager validates on construction.</summary>
public sealed class IncidentManagerOptions
{
    /// <summary>The default <see cref="NotificationPeriod"/>: 72 hours.</summary>
    public static readonly TimeSpan DefaultNotificationPeriod = TimeSpan.FromHours(72);

    /// <summary>The grouping rules.</summary>
    public IncidentGroupingOptions Grouping { get; } = new();

    /// <summary>
    /// How long after declaring a security incident affected customers must be notified. Default 72 hours. The
    /// deadline is an instant (declaration instant + this period), so daylight-saving changes do not move it.
    /// </summary>
    public TimeSpan NotificationPeriod { get; set; } = DefaultNotificationPeriod;

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        foreach (var error in Grouping.Validate())
        {
            errors.Add(new($"{nameof(Grouping)}.{error.Path}", error.Message));
        }

        if (NotificationPeriod <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(NotificationPeriod), "must be greater than zero"));
        }

        return errors;
    }
}
