namespace AlertEngine;

/// <summary>
/// Options of the notification <see cref="NotificationGate"/> and <see cref="NotificationDispatcher"/>. Validate with
/// <see cref="Validate"/>; both validate on construction and keep their own copy of the values.
/// </summary>
public sealed class NotificationOptions
{
    /// <summary>
    /// The time zone whose calendar day the daily notification limit counts in: the day of the alert's creation time
    /// (event time) in this zone, so a replay and the live run agree. Default UTC.
    /// </summary>
    public TimeZoneInfo TimeZone { get; set; } = TimeZoneInfo.Utc;

    /// <summary>Also notify when more activities join an existing alert. Default <see langword="false"/>: only new alerts are notified.</summary>
    public bool NotifyOnUpdates { get; set; }

    /// <summary>The throttle of policies that do not set <see cref="NotificationSettings.Throttle"/>. Default none.</summary>
    public NotificationThrottle? DefaultThrottle { get; set; }

    /// <summary>
    /// How long (in event time, behind the newest event time seen) the per-alert records (what was notified, suppression,
    /// silences), daily counters and early-warning state are kept. A replay of older changes after a restart may notify
    /// again. Default 7 days; at least 1 day.
    /// </summary>
    public TimeSpan StateRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Capacity of each notifier's queue. When a queue is full the notification is not dropped: it is recorded as a
    /// <see cref="FailedDelivery"/> (reason <see cref="DeliveryFailureReason.QueueFull"/>) that can be re-sent. Default 10,000.
    /// </summary>
    public int QueueCapacity { get; set; } = 10_000;

    /// <summary>
    /// How many <see cref="FailedDelivery">failed deliveries</see> the dispatcher keeps for listing and re-sending. When
    /// one more fails, the oldest is dropped, counted on <c>alertengine.notifications.dropped</c>
    /// (<c>alertengine.drop_reason</c> = <c>FailedDeliveriesFull</c>) and logged (3010). Default 10,000.
    /// </summary>
    public int MaxFailedDeliveries { get; set; } = 10_000;

    /// <summary>Retries after the first failed attempt, before the delivery is recorded as failed. Default 4 (5 attempts); 0 = no retry.</summary>
    public int MaxRetryAttempts { get; set; } = 4;

    /// <summary>Delay before the first retry; each retry doubles it, up to <see cref="MaxRetryDelay"/>, with jitter. Default 2 seconds.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Cap on the delay between retries. Default 5 minutes.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How long one delivery attempt may take before it is cancelled and counted as failed.
    /// Default 1 minute; <see cref="Timeout.InfiniteTimeSpan"/> for none.</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Cap on <see cref="AlertNotification.Activities"/>. Default 10.</summary>
    public int MaxActivitiesPerNotification { get; set; } = 10;

    /// <summary>
    /// Decides whether a notifier's exception is transient (retried) or not (recorded as failed at once).
    /// <see langword="null"/> (default): every exception is retried.
    /// </summary>
    public Func<Exception, bool>? ShouldRetry { get; set; }

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (TimeZone is null)
        {
            errors.Add(new(nameof(TimeZone), "must not be null"));
        }

        if (StateRetention < TimeSpan.FromDays(1))
        {
            errors.Add(new(nameof(StateRetention), "must be at least 1 day"));
        }

        if (QueueCapacity < 1)
        {
            errors.Add(new(nameof(QueueCapacity), "must be at least 1"));
        }

        if (MaxRetryAttempts < 0)
        {
            errors.Add(new(nameof(MaxRetryAttempts), "must not be negative"));
        }

        if (RetryDelay <= TimeSpan.Zero)
        {
            errors.Add(new(nameof(RetryDelay), "must be greater than zero"));
        }

        if (MaxRetryDelay < RetryDelay)
        {
            errors.Add(new(nameof(MaxRetryDelay), "must be at least RetryDelay"));
        }

        if (AttemptTimeout <= TimeSpan.Zero && AttemptTimeout != Timeout.InfiniteTimeSpan)
        {
            errors.Add(new(nameof(AttemptTimeout), "must be greater than zero, or infinite"));
        }

        if (MaxFailedDeliveries < 1)
        {
            errors.Add(new(nameof(MaxFailedDeliveries), "must be at least 1"));
        }

        if (MaxActivitiesPerNotification < 0)
        {
            errors.Add(new(nameof(MaxActivitiesPerNotification), "must not be negative"));
        }

        return errors;
    }

    internal NotificationOptions Copy() => new()
    {
        TimeZone = TimeZone,
        NotifyOnUpdates = NotifyOnUpdates,
        DefaultThrottle = DefaultThrottle,
        StateRetention = StateRetention,
        QueueCapacity = QueueCapacity,
        MaxFailedDeliveries = MaxFailedDeliveries,
        MaxRetryAttempts = MaxRetryAttempts,
        RetryDelay = RetryDelay,
        MaxRetryDelay = MaxRetryDelay,
        AttemptTimeout = AttemptTimeout,
        MaxActivitiesPerNotification = MaxActivitiesPerNotification,
        ShouldRetry = ShouldRetry,
    };

    internal static NotificationOptions ValidatedCopy(NotificationOptions? options, string paramName)
    {
        var source = options ?? new NotificationOptions();
        var errors = source.Validate();
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid notification options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), paramName);
        }

        return source.Copy();
    }
}
