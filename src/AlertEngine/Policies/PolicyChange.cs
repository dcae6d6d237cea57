namespace AlertEngine;

/// <summary>
/// The rule for editing an existing policy. A built-in (<see cref="PolicyType.System"/>) policy may only change
/// <see cref="AlertPolicy.Enabled"/> and its <see cref="AlertPolicy.Notification"/> settings (email on/off, recipients,
/// daily limit, and the dispatcher's throttle and early warning); every other field is read-only. A <see cref="PolicyType.Custom"/> policy may change anything but its
/// id and its type. Comparisons are structural (lists by content, case-insensitive where evaluation is).
/// </summary>
public static class PolicyChange
{
    /// <summary>The message of a read-only field changed on a System policy.</summary>
    internal const string ReadOnlyMessage =
        "is read-only on built-in (System) policies; only enabled and the notification settings (email on/off, recipients, daily limit, throttle) may change";

    /// <summary>Checks a proposed edit, listing every field that may not change.</summary>
    /// <param name="existing">The policy as it is.</param>
    /// <param name="proposed">The policy as the caller wants it.</param>
    /// <param name="path">Prefix of the error paths, e.g. <c>policies[3]</c>; the default is <c>policy</c>.</param>
    /// <returns>The errors, each with its field's JSON path (<c>policy.severity</c>); empty when the edit is allowed.</returns>
    public static IReadOnlyList<ValidationError> Validate(AlertPolicy existing, AlertPolicy proposed, string path = "policy")
    {
        ArgumentNullException.ThrowIfNull(existing);
        ArgumentNullException.ThrowIfNull(proposed);
        ArgumentNullException.ThrowIfNull(path);
        var errors = new List<ValidationError>();
        if (!string.Equals(existing.Id, proposed.Id, StringComparison.Ordinal))
        {
            errors.Add(new(Join(path, "id"), $"cannot change (was '{existing.Id}')"));
        }

        if (existing.Type == PolicyType.Custom)
        {
            if (proposed.Type != PolicyType.Custom)
            {
                errors.Add(new(Join(path, "type"), "a Custom policy cannot become a System policy; System policies are built in"));
            }

            return errors;
        }

        void ReadOnly(bool same, string field)
        {
            if (!same)
            {
                errors.Add(new(Join(path, field), ReadOnlyMessage));
            }
        }

        ReadOnly(proposed.Type == PolicyType.System, "type");
        ReadOnly(string.Equals(existing.Name, proposed.Name, StringComparison.Ordinal), "name");
        ReadOnly(string.Equals(existing.Description, proposed.Description, StringComparison.Ordinal), "description");
        ReadOnly(existing.Category == proposed.Category, "category");
        ReadOnly(existing.Severity == proposed.Severity, "severity");
        ReadOnly(PolicyEquality.SameOperations(existing.Operations, proposed.Operations), "activities");
        ReadOnly(PolicyEquality.SameCondition(existing.Conditions, proposed.Conditions), "conditions");
        ReadOnly(PolicyEquality.SameTrigger(existing.Trigger, proposed.Trigger), "trigger");
        ReadOnly(PolicyEquality.SameAggregation(existing.Aggregation, proposed.Aggregation), "aggregation");
        ReadOnly(existing.AutomatedInvestigation == proposed.AutomatedInvestigation, "automatedInvestigation");
        return errors;
    }

    /// <summary>Applies a proposed edit when <see cref="Validate"/> allows it.</summary>
    /// <param name="existing">The policy as it is.</param>
    /// <param name="proposed">The policy as the caller wants it.</param>
    /// <param name="path">Prefix of the error paths; the default is <c>policy</c>.</param>
    /// <returns>The proposed policy, or every error.</returns>
    public static LoadResult<AlertPolicy> Apply(AlertPolicy existing, AlertPolicy proposed, string path = "policy")
    {
        var errors = Validate(existing, proposed, path);
        return errors.Count == 0 ? LoadResult.Success(proposed) : LoadResult.Failure<AlertPolicy>(errors);
    }

    private static string Join(string path, string field) => path.Length == 0 ? field : path + "." + field;
}
