namespace AlertEngine;

/// <summary>
/// The content of a notice to customers affected by a security incident. Required: the nature of the breach, the
/// approximate number of affected users (at least 1) and at least one mitigation step; while the investigation is not
/// complete, also the next steps and a timeline. <see cref="Validate"/> lists every missing part;
/// <see cref="IncidentManager.RecordNotificationAsync"/> refuses a notice with any.
/// </summary>
public sealed record CustomerNotification
{
    /// <summary>What happened: the nature of the breach.</summary>
    public string? NatureOfBreach { get; init; }

    /// <summary>The approximate number of affected users; at least 1.</summary>
    public int? ApproximateAffectedUsers { get; init; }

    /// <summary>What was done, and what customers can do, to mitigate the breach; at least one step.</summary>
    public IReadOnlyList<string> MitigationSteps { get; init; } = [];

    /// <summary>Whether the investigation is complete. When it is not, <see cref="NextSteps"/> and <see cref="Timeline"/> are required.</summary>
    public bool InvestigationComplete { get; init; }

    /// <summary>The next steps of the investigation (required while it is not complete).</summary>
    public IReadOnlyList<string> NextSteps { get; init; } = [];

    /// <summary>The timeline of the next steps and updates, e.g. <c>next update by 5 March, final report within 30 days</c>
    /// (required while the investigation is not complete).</summary>
    public string? Timeline { get; init; }

    /// <summary>Checks that every required part is present.</summary>
    /// <returns>Every problem, with the field's path (camelCase, e.g. <c>mitigationSteps[1]</c>); empty when the notice is complete.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(NatureOfBreach))
        {
            errors.Add(new("natureOfBreach", "is required: state the nature of the breach"));
        }

        if (ApproximateAffectedUsers is null)
        {
            errors.Add(new("approximateAffectedUsers", "is required: state the approximate number of affected users"));
        }
        else if (ApproximateAffectedUsers < 1)
        {
            errors.Add(new("approximateAffectedUsers", "must be at least 1"));
        }

        Steps.Validate(MitigationSteps, "mitigationSteps", "at least one mitigation step is required", errors);
        if (!InvestigationComplete)
        {
            Steps.Validate(NextSteps, "nextSteps", "at least one next step is required while the investigation is not complete", errors);
            if (string.IsNullOrWhiteSpace(Timeline))
            {
                errors.Add(new("timeline", "is required while the investigation is not complete"));
            }
        }

        return errors;
    }
}

/// <summary>
/// A postmortem: what happened, why, and what will be done about it. Required before closing an incident that
/// affected customers or was a data breach; recording one closes the incident
/// (<see cref="IncidentManager.RecordPostmortemAsync"/>).
/// </summary>
public sealed record Postmortem
{
    /// <summary>A summary of the incident and its impact.</summary>
    public string? Summary { get; init; }

    /// <summary>The root cause.</summary>
    public string? RootCause { get; init; }

    /// <summary>The follow-up actions (at least one).</summary>
    public IReadOnlyList<string> Actions { get; init; } = [];

    /// <summary>Checks that every required part is present.</summary>
    /// <returns>Every problem, with the field's path (camelCase); empty when complete.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (string.IsNullOrWhiteSpace(Summary))
        {
            errors.Add(new("summary", "is required"));
        }

        if (string.IsNullOrWhiteSpace(RootCause))
        {
            errors.Add(new("rootCause", "is required"));
        }

        Steps.Validate(Actions, "actions", "at least one action is required", errors);
        return errors;
    }
}

/// <summary>Validation of lists of steps.</summary>
internal static class Steps
{
    public static void Validate(IReadOnlyList<string>? steps, string path, string emptyMessage, List<ValidationError> errors)
    {
        if (steps is null || steps.Count == 0)
        {
            errors.Add(new(path, emptyMessage));
            return;
        }

        for (var i = 0; i < steps.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(steps[i]))
            {
                errors.Add(new($"{path}[{i}]", "must not be blank"));
            }
        }
    }
}
