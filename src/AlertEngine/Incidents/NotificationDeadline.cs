namespace AlertEngine;

/// <summary>
/// The customer-notification deadline of a declared security incident that has no notification recorded yet.
/// </summary>
/// <param name="IncidentId">The incident.</param>
/// <param name="Title">Its title.</param>
/// <param name="DeclaredAt">When it was declared (UTC instant).</param>
/// <param name="Deadline">When customers must have been notified by: <paramref name="DeclaredAt"/> + 72 hours, an instant.</param>
/// <param name="Remaining">Time left as of the report (<see cref="Deadline"/> − now); negative once overdue.</param>
public sealed record NotificationDeadline(string IncidentId, string Title, DateTimeOffset DeclaredAt, DateTimeOffset Deadline, TimeSpan Remaining)
{
    /// <summary>Whether the deadline has passed. A notification recorded exactly at the deadline is on time, so this
    /// is true only once now &gt; <see cref="Deadline"/>.</summary>
    public bool IsOverdue => Remaining < TimeSpan.Zero;

    /// <summary>
    /// The deadline as local time in <paramref name="zone"/>, for display. The deadline itself is an instant and does
    /// not move with daylight-saving changes: across a change the local clock reading shifts (for example a
    /// declaration at 12:00 local on the day before clocks spring forward is due at 13:00 local three days later,
    /// still exactly 72 hours).
    /// </summary>
    /// <param name="zone">The time zone.</param>
    /// <returns>The deadline with that zone's offset at that instant.</returns>
    public DateTimeOffset DeadlineIn(TimeZoneInfo zone)
    {
        ArgumentNullException.ThrowIfNull(zone);
        return TimeZoneInfo.ConvertTime(Deadline, zone);
    }
}

/// <summary>Declared security incidents whose customer notification is due soon or overdue.</summary>
/// <param name="AsOf">When the report was made (the manager's wall clock).</param>
/// <param name="DueSoon">Not yet notified, deadline not passed, and at most the requested span away; soonest first.</param>
/// <param name="Overdue">Not notified and past the deadline; most overdue first.</param>
public sealed record NotificationDeadlineReport(DateTimeOffset AsOf, IReadOnlyList<NotificationDeadline> DueSoon, IReadOnlyList<NotificationDeadline> Overdue);
