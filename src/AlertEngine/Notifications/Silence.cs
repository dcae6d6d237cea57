namespace AlertEngine;

/// <summary>
/// A silence: while it is active (<see cref="StartsAt"/> ≤ now &lt; <see cref="EndsAt"/>, on the dispatcher's
/// <see cref="TimeProvider"/>), alert changes that match every one of its <see cref="Matchers"/> are still raised and
/// updated but not notified, and the silence id is recorded on the alert (<see cref="Alert.SilencedBy"/>).
/// Silences expire by themselves, can be ended early, and are part of the <see cref="NotificationStateSnapshot"/>.
/// </summary>
/// <remarks>
/// Silences are an operator's action in real time ("quiet this policy during tonight's maintenance"), so they run on
/// the wall clock, unlike the daily limit and the throttle, which run on event time.
/// </remarks>
public sealed record Silence
{
    /// <summary>Unique id; adding a silence with an existing id replaces it.</summary>
    public required string Id { get; init; }

    /// <summary>The matchers; all must match (at least one).</summary>
    public required IReadOnlyList<SilenceMatcher> Matchers { get; init; }

    /// <summary>When the silence starts (wall clock).</summary>
    public required DateTimeOffset StartsAt { get; init; }

    /// <summary>When the silence ends (wall clock); after <see cref="StartsAt"/>.</summary>
    public required DateTimeOffset EndsAt { get; init; }

    /// <summary>Who created it.</summary>
    public string? CreatedBy { get; init; }

    /// <summary>Why.</summary>
    public string? Comment { get; init; }

    /// <summary>Whether the silence is in effect at <paramref name="now"/>.</summary>
    /// <param name="now">The wall-clock time.</param>
    /// <returns><see langword="true"/> when <see cref="StartsAt"/> ≤ now &lt; <see cref="EndsAt"/>.</returns>
    public bool IsActiveAt(DateTimeOffset now) => StartsAt <= now && now < EndsAt;

    /// <summary>Checks the silence and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(Id))
        {
            errors.Add(new("id", "must not be empty"));
        }

        if (EndsAt <= StartsAt)
        {
            errors.Add(new("endsAt", "must be after startsAt"));
        }

        if (Matchers is null || Matchers.Count == 0)
        {
            errors.Add(new("matchers", "must have at least one matcher (a silence without matchers would silence everything)"));
            return errors;
        }

        for (var i = 0; i < Matchers.Count; i++)
        {
            var path = $"matchers[{i}]";
            var m = Matchers[i];
            if (m is null)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            if (string.IsNullOrWhiteSpace(m.Name))
            {
                errors.Add(new(path + ".name", "must not be empty"));
            }

            if (m.Value is null)
            {
                errors.Add(new(path + ".value", "must not be null"));
            }
            else if (string.Equals(m.Name, SilenceMatcher.SeverityName, StringComparison.OrdinalIgnoreCase) && !Enum.TryParse<AlertSeverity>(m.Value, true, out _))
            {
                errors.Add(new(path + ".value", "must be one of " + string.Join(", ", Enum.GetNames<AlertSeverity>())));
            }
            else if (string.Equals(m.Name, SilenceMatcher.CategoryName, StringComparison.OrdinalIgnoreCase) && !Enum.TryParse<AlertCategory>(m.Value, true, out _))
            {
                errors.Add(new(path + ".value", "must be one of " + string.Join(", ", Enum.GetNames<AlertCategory>())));
            }

            if (!Enum.IsDefined(m.Operator))
            {
                errors.Add(new(path + ".operator", "must be Equal or NotEqual"));
            }
        }

        return errors;
    }
}

/// <summary>How a <see cref="SilenceMatcher"/> compares.</summary>
public enum SilenceMatchOperator
{
    /// <summary>The value equals the matcher's value (case-insensitive).</summary>
    Equal,
    /// <summary>The value is absent or differs from the matcher's value (case-insensitive).</summary>
    NotEqual,
}

/// <summary>
/// One condition of a <see cref="Silence"/>. <see cref="Name"/> is <c>policy</c> (policy id), <c>severity</c>,
/// <c>category</c>, <c>user</c> (the user of the activity that caused the change), or any activity field or property
/// (<c>operation</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>, or a key of <see cref="Activity.Properties"/>),
/// read from the activity that caused the change. Names and values compare case-insensitively.
/// </summary>
/// <param name="Name">What to compare.</param>
/// <param name="Value">The value to compare with.</param>
/// <param name="Operator">Equal (default) or not equal.</param>
public sealed record SilenceMatcher(string Name, string Value, SilenceMatchOperator Operator = SilenceMatchOperator.Equal)
{
    /// <summary>The matcher name for the policy id.</summary>
    public const string PolicyName = "policy";

    /// <summary>The matcher name for the severity.</summary>
    public const string SeverityName = "severity";

    /// <summary>The matcher name for the category.</summary>
    public const string CategoryName = "category";

    /// <summary>The matcher name for the user.</summary>
    public const string UserName = "user";
}
