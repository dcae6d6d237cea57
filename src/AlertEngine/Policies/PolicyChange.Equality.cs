namespace AlertEngine;

/// <summary>
/// Structural comparison of policies and their parts. The model records hold lists, which record equality compares
/// by reference; these compare contents, with the same case rules as evaluation (operations, users, tags, globs and
/// property values are case-insensitive).
/// </summary>
internal static class PolicyEquality
{
    /// <summary>Same operations, as a case-insensitive set (a missing list is empty).</summary>
    public static bool SameOperations(IReadOnlyList<string>? a, IReadOnlyList<string>? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        var left = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var right = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var operation in a ?? [])
        {
            left.Add(operation ?? string.Empty);
        }

        foreach (var operation in b ?? [])
        {
            right.Add(operation ?? string.Empty);
        }

        return left.SetEquals(right);
    }

    public static bool SameCondition(Condition? a, Condition? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        return (a, b) switch
        {
            (AllCondition x, AllCondition y) => SameConditions(x.Conditions, y.Conditions),
            (AnyCondition x, AnyCondition y) => SameConditions(x.Conditions, y.Conditions),
            (NotCondition x, NotCondition y) => SameCondition(x.Condition, y.Condition),
            (UsersCondition x, UsersCondition y) => SameTexts(x.Users, y.Users),
            (IpAddressesCondition x, IpAddressesCondition y) => SameSequence(x.Ranges, y.Ranges),
            (FileNamesCondition x, FileNamesCondition y) => SameTexts(x.Patterns, y.Patterns),
            (UrlsCondition x, UrlsCondition y) => SameTexts(x.Patterns, y.Patterns),
            (UserTagsCondition x, UserTagsCondition y) => SameTexts(x.Tags, y.Tags),
            (PropertyCondition x, PropertyCondition y) =>
                string.Equals(x.Property, y.Property, StringComparison.OrdinalIgnoreCase)
                && x.Operator == y.Operator
                && SameTexts(x.Values, y.Values),
            (RegexCondition x, RegexCondition y) =>
                string.Equals(x.Property, y.Property, StringComparison.OrdinalIgnoreCase) && x == y with { Property = x.Property },
            (NumberCondition x, NumberCondition y) =>
                string.Equals(x.Property, y.Property, StringComparison.OrdinalIgnoreCase) && x == y with { Property = x.Property },
            (NetworkCondition x, NetworkCondition y) =>
                string.Equals(x.Property, y.Property, StringComparison.OrdinalIgnoreCase) && SameSequence(x.Ranges, y.Ranges),
            (FieldRefCondition x, FieldRefCondition y) =>
                string.Equals(x.Property, y.Property, StringComparison.OrdinalIgnoreCase)
                && string.Equals(x.OtherProperty, y.OtherProperty, StringComparison.OrdinalIgnoreCase)
                && x.Cased == y.Cased,
            _ => false,
        };
    }

    /// <summary>Same aggregation settings (absent = policy mode with the plan's interval).</summary>
    public static bool SameAggregation(AggregationSettings? a, AggregationSettings? b) =>
        (a?.Mode ?? AggregationMode.Policy) == (b?.Mode ?? AggregationMode.Policy) && a?.Interval == b?.Interval;

    /// <summary>Same notification settings (absent = off with no recipients).</summary>
    public static bool SameNotification(NotificationSettings? a, NotificationSettings? b) =>
        (a?.Enabled ?? false) == (b?.Enabled ?? false)
        && a?.DailyLimit == b?.DailyLimit
        && Equals(a?.Throttle, b?.Throttle)
        && (a?.EarlyWarning ?? false) == (b?.EarlyWarning ?? false)
        && SameTexts(a?.Recipients ?? [], b?.Recipients ?? []);

    /// <summary>Same detection: operations, conditions and trigger. Detector state (counters, baselines) carries over only then.</summary>
    public static bool SameDetection(AlertPolicy a, AlertPolicy b) =>
        SameOperations(a.Operations, b.Operations) && SameCondition(a.Conditions, b.Conditions) && SameTrigger(a.Trigger, b.Trigger);

    /// <summary>
    /// Same trigger: the same type with the same values, where field names (<c>field</c>, <c>property:&lt;Name&gt;</c>
    /// scopes) compare case-insensitively as evaluation reads them. Numbers compare exactly; durations by ticks.
    /// </summary>
    public static bool SameTrigger(Trigger? a, Trigger? b)
    {
        if (ReferenceEquals(a, b))
        {
            return true;
        }

        return (a, b) switch
        {
            (ThresholdTrigger x, ThresholdTrigger y) => x.Count == y.Count && x.Window == y.Window && SameScope(x.Scope, y.Scope),
            (AnomalyTrigger x, AnomalyTrigger y) =>
                SameScope(x.Scope, y.Scope) && x.LearningPeriod == y.LearningPeriod && x.Sensitivity == y.Sensitivity && x.Bucket == y.Bucket,
            (DistinctTrigger x, DistinctTrigger y) =>
                SameField(x.Field, y.Field) && x.Count == y.Count && x.Window == y.Window && SameScope(x.Scope, y.Scope),
            (NewValueTrigger x, NewValueTrigger y) =>
                SameField(x.Field, y.Field) && SameScope(x.Scope, y.Scope) && x.Lookback == y.Lookback && x.LearningPeriod == y.LearningPeriod,
            (AbsenceTrigger x, AbsenceTrigger y) => x.Window == y.Window && SameScope(x.Scope, y.Scope),
            (SpikeTrigger x, SpikeTrigger y) =>
                x.Ratio.Equals(y.Ratio) && x.Window == y.Window && x.MinCount == y.MinCount && x.MinReference == y.MinReference
                && SameScope(x.Scope, y.Scope),
            (SumTrigger x, SumTrigger y) =>
                SameField(x.Field, y.Field) && x.Threshold.Equals(y.Threshold) && x.Window == y.Window && SameScope(x.Scope, y.Scope),
            (TemporalTrigger x, TemporalTrigger y) =>
                x.Ordered == y.Ordered && x.Window == y.Window && SameScope(x.Scope, y.Scope) && SameConditions(x.Steps, y.Steps),
            _ => Equals(a, b), // every time (holds nothing), or different types
        };
    }

    /// <summary>Same scope: the same kind, and for <c>property:&lt;Name&gt;</c> the same name, case-insensitively.</summary>
    public static bool SameScope(TriggerScope? a, TriggerScope? b) =>
        ReferenceEquals(a, b)
        || (a is not null && b is not null && a.Kind == b.Kind && SameField(a.PropertyName, b.PropertyName)
            && a.PropertyNames.SequenceEqual(b.PropertyNames, StringComparer.OrdinalIgnoreCase));

    /// <summary>Field and property names are matched case-insensitively (top-level fields and property keys alike).</summary>
    private static bool SameField(string? a, string? b) => string.Equals(a, b, StringComparison.OrdinalIgnoreCase);

    /// <summary>Same alert grouping and alert fields under a plan. The open alert carries over only then.</summary>
    public static bool SameAlerting(AlertPolicy a, AlertPolicy b, Plan plan) =>
        string.Equals(a.Name, b.Name, StringComparison.Ordinal)
        && string.Equals(a.Description, b.Description, StringComparison.Ordinal)
        && a.Severity == b.Severity
        && a.Category == b.Category
        && (a.Aggregation?.Mode ?? AggregationMode.Policy) == (b.Aggregation?.Mode ?? AggregationMode.Policy)
        && AlertAggregator.ResolveInterval(a, plan) == AlertAggregator.ResolveInterval(b, plan);

    /// <summary>Every field the same.</summary>
    public static bool Same(AlertPolicy a, AlertPolicy b) =>
        ReferenceEquals(a, b)
        || (string.Equals(a.Id, b.Id, StringComparison.Ordinal)
            && string.Equals(a.Name, b.Name, StringComparison.Ordinal)
            && string.Equals(a.Description, b.Description, StringComparison.Ordinal)
            && a.Enabled == b.Enabled
            && a.Type == b.Type
            && a.Category == b.Category
            && a.Severity == b.Severity
            && a.AutomatedInvestigation == b.AutomatedInvestigation
            && SameDetection(a, b)
            && SameAggregation(a.Aggregation, b.Aggregation)
            && SameNotification(a.Notification, b.Notification));

    private static bool SameConditions(IReadOnlyList<Condition>? a, IReadOnlyList<Condition>? b)
    {
        a ??= [];
        b ??= [];
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!SameCondition(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameTexts(IReadOnlyList<string>? a, IReadOnlyList<string>? b)
    {
        a ??= [];
        b ??= [];
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!string.Equals(a[i], b[i], StringComparison.OrdinalIgnoreCase))
            {
                return false;
            }
        }

        return true;
    }

    private static bool SameSequence<T>(IReadOnlyList<T>? a, IReadOnlyList<T>? b)
    {
        a ??= [];
        b ??= [];
        if (a.Count != b.Count)
        {
            return false;
        }

        for (var i = 0; i < a.Count; i++)
        {
            if (!EqualityComparer<T>.Default.Equals(a[i], b[i]))
            {
                return false;
            }
        }

        return true;
    }
}
