using System.Globalization;

namespace AlertEngine;

/// <summary>
/// Checks policies built in code against the same rules the JSON loader applies, listing every problem with a JSON
/// path in the loader's style (<c>policies[2].trigger.count: must be at least 1</c>).
/// </summary>
/// <remarks>
/// The rules: <c>id</c> and <c>name</c> non-empty, ids unique (ordinal, case-sensitive); at least one activity, none
/// empty; conditions nested at most 32 levels, no null children, leaf lists (<c>users</c>, <c>ipAddresses</c>,
/// <c>fileNames</c>, <c>urls</c>, <c>userTags</c>, <c>in</c>) with at least one value, no empty user, tag or glob, globs
/// at most 1,000 characters; a threshold count of at least 1 and a window greater than zero; an anomaly bucket and
/// learning period greater than zero with the learning period at least one bucket; a distinct trigger with a non-empty
/// field, a count of at least 1 and a window greater than zero; a newValue trigger with a non-empty field and a lookback
/// and learning period greater than zero (the learning period may exceed the lookback); an absence trigger with a window
/// greater than zero; a spike trigger with a finite ratio greater than 1, a window greater than zero and a minCount and
/// minReference of at least 1; a sum trigger with a non-empty field, a finite threshold greater than zero and a window
/// greater than zero; a scope on every trigger that has one; aggregation intervals greater than
/// zero and at most <see cref="MaxAggregationInterval"/> (one day: an open alert is state the engine keeps and
/// checkpoints, and a detection a day after the first one is a new incident rather than more of the same); a daily notification limit of at least 1; an early-warning notification only on a threshold trigger; a
/// notification throttle with a count of at least 1 and a window greater than zero (the rules of
/// <see cref="NotificationThrottle"/>'s constructor); enum values defined; and every trigger but every-time only on an
/// advanced plan (E5, G5).
/// </remarks>
public static class PolicyValidator
{
    /// <summary>The longest aggregation interval a policy may set: one day.</summary>
    public static readonly TimeSpan MaxAggregationInterval = TimeSpan.FromDays(1);

    /// <summary>The longest glob pattern accepted, in characters.</summary>
    internal const int MaxPatternLength = 1000;

    /// <summary>The deepest condition nesting accepted (the top condition is level 1).</summary>
    internal const int MaxConditionDepth = 32;

    /// <summary>Checks every policy and the uniqueness of their ids.</summary>
    /// <param name="policies">The policies.</param>
    /// <param name="plan">The organization's plan: standard plans allow only every-time triggers.</param>
    /// <returns>Every problem found, in policy order; empty when all policies are valid.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="policies"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="plan"/> is not a defined plan.</exception>
    public static IReadOnlyList<ValidationError> Validate(IReadOnlyList<AlertPolicy> policies, Plan plan)
    {
        ArgumentNullException.ThrowIfNull(policies);
        CheckPlanArgument(plan, nameof(plan));
        var errors = new List<ValidationError>();
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < policies.Count; i++)
        {
            var path = JsonPaths.Index(JsonPaths.Policies, i);
            var policy = policies[i];
            if (policy is null)
            {
                errors.Add(new(path, "must not be null"));
                continue;
            }

            ValidatePolicy(policy, path, plan, errors);
            CheckUniqueId(policy.Id, path, i, ids, errors);
        }

        return errors;
    }

    internal static void CheckPlanArgument(Plan plan, string paramName)
    {
        if (!Enum.IsDefined(plan))
        {
            throw new ArgumentOutOfRangeException(paramName, plan, "Not a defined plan.");
        }
    }

    internal static void ValidatePolicy(AlertPolicy policy, string path, Plan plan, List<ValidationError> errors)
    {
        CheckText(policy.Id, JsonPaths.Property(path, "id"), errors);
        CheckText(policy.Name, JsonPaths.Property(path, "name"), errors);
        CheckDefined(PolicyJsonNames.PolicyTypes, policy.Type, JsonPaths.Property(path, "type"), errors);
        CheckDefined(PolicyJsonNames.Categories, policy.Category, JsonPaths.Property(path, "category"), errors);
        CheckDefined(PolicyJsonNames.Severities, policy.Severity, JsonPaths.Property(path, "severity"), errors);
        CheckOperations(policy.Operations, JsonPaths.Property(path, "activities"), errors);
        if (policy.Conditions is not null)
        {
            CheckCondition(policy.Conditions, JsonPaths.Property(path, "conditions"), 1, errors);
        }

        CheckTrigger(policy.Trigger, JsonPaths.Property(path, "trigger"), plan, errors);
        if (policy.Aggregation is { } aggregation)
        {
            var aggregationPath = JsonPaths.Property(path, "aggregation");
            CheckDefined(PolicyJsonNames.AggregationModes, aggregation.Mode, JsonPaths.Property(aggregationPath, "mode"), errors);
            if (aggregation.Interval is { } interval)
            {
                var intervalPath = JsonPaths.Property(aggregationPath, "interval");
                CheckPositive(interval, intervalPath, errors);
                if (interval > MaxAggregationInterval)
                {
                    errors.Add(new(intervalPath, "must be at most " + MaxAggregationInterval.ToString("c", CultureInfo.InvariantCulture) + " (one day)"));
                }
            }
        }

        if (policy.Notification is { } notification)
        {
            var notificationPath = JsonPaths.Property(path, "notification");
            CheckTextList(notification.Recipients, JsonPaths.Property(notificationPath, "recipients"), allowEmptyList: true, errors);
            if (notification.DailyLimit is { } limit)
            {
                CheckAtLeastOne(limit, JsonPaths.Property(notificationPath, "dailyLimit"), errors);
            }

            // A missing trigger is reported at the trigger; the early-warning rule then has nothing to check against.
            var triggerKind = policy.Trigger is null ? (TriggerKind?)null : PolicyJsonNames.KindOf(policy.Trigger);
            CheckEarlyWarning(notification.EarlyWarning, triggerKind, JsonPaths.Property(notificationPath, "earlyWarning"), errors);
            if (notification.Throttle is { } throttle)
            {
                // NotificationThrottle's constructor already refuses these; checked again so the validator's list of
                // rules is complete and the loader and the validator share one implementation.
                CheckThrottle(throttle.Count, throttle.Window, JsonPaths.Property(notificationPath, "throttle"), errors);
            }
        }
    }

    /// <summary>An early warning fires on the first match before a threshold is reached, so only threshold triggers
    /// have one; <paramref name="triggerKind"/> <see langword="null"/> (unknown) is not checked.</summary>
    internal static void CheckEarlyWarning(bool earlyWarning, TriggerKind? triggerKind, string path, List<ValidationError> errors)
    {
        if (earlyWarning && triggerKind is { } kind && kind != TriggerKind.Threshold)
        {
            errors.Add(new(path, "applies only to threshold triggers"));
        }
    }

    /// <summary>A notification throttle: <c>count</c> at least 1, <c>window</c> greater than zero, as
    /// <see cref="NotificationThrottle"/>'s constructor requires; a <see langword="null"/> part (missing, already
    /// reported) is not checked.</summary>
    internal static void CheckThrottle(int? count, TimeSpan? window, string throttlePath, List<ValidationError> errors)
    {
        if (count is { } n)
        {
            CheckAtLeastOne(n, JsonPaths.Property(throttlePath, "count"), errors);
        }

        if (window is { } w)
        {
            CheckPositive(w, JsonPaths.Property(throttlePath, "window"), errors);
        }
    }

    /// <summary>A later policy with an id already used is an error at its <c>id</c>.</summary>
    internal static void CheckUniqueId(string? id, string policyPath, int index, Dictionary<string, int> seen, List<ValidationError> errors)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return;
        }

        if (seen.TryGetValue(id, out var first))
        {
            errors.Add(new(
                JsonPaths.Property(policyPath, "id"),
                "duplicate id " + JsonPaths.Quote(id) + "; already used by " + JsonPaths.Index(JsonPaths.Policies, first)));
        }
        else
        {
            seen.Add(id, index);
        }
    }

    /// <summary>A required text: present and not blank.</summary>
    internal static void CheckText(string? value, string path, List<ValidationError> errors)
    {
        if (value is null)
        {
            errors.Add(new(path, "is required"));
        }
        else if (string.IsNullOrWhiteSpace(value))
        {
            errors.Add(new(path, "must not be empty"));
        }
    }

    internal static void CheckOperations(IReadOnlyList<string>? operations, string path, List<ValidationError> errors) =>
        CheckTextList(operations, path, allowEmptyList: false, errors);

    /// <summary>A list of required texts; unless <paramref name="allowEmptyList"/>, at least one.</summary>
    internal static void CheckTextList(IReadOnlyList<string>? values, string path, bool allowEmptyList, List<ValidationError> errors)
    {
        if (values is null)
        {
            errors.Add(new(path, "is required"));
            return;
        }

        if (!allowEmptyList)
        {
            CheckNotEmptyList(values.Count, path, errors);
        }

        for (var i = 0; i < values.Count; i++)
        {
            CheckText(values[i], JsonPaths.Index(path, i), errors);
        }
    }

    internal static void CheckNotEmptyList(int count, string path, List<ValidationError> errors)
    {
        if (count == 0)
        {
            errors.Add(new(path, "must contain at least one value"));
        }
    }

    /// <summary>A glob: not empty, at most <see cref="MaxPatternLength"/> characters.</summary>
    internal static void CheckPattern(string? pattern, string path, List<ValidationError> errors)
    {
        if (pattern is null)
        {
            errors.Add(new(path, "is required"));
        }
        else if (pattern.Length == 0)
        {
            errors.Add(new(path, "must not be empty"));
        }
        else if (pattern.Length > MaxPatternLength)
        {
            errors.Add(new(path, "must be at most " + MaxPatternLength.ToString("N0", CultureInfo.InvariantCulture)
                + " characters long (it has " + pattern.Length.ToString("N0", CultureInfo.InvariantCulture) + ")"));
        }
    }

    internal static void CheckAtLeastOne(int value, string path, List<ValidationError> errors)
    {
        if (value < 1)
        {
            errors.Add(new(path, "must be at least 1"));
        }
    }

    internal static void CheckPositive(TimeSpan value, string path, List<ValidationError> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add(new(path, "must be greater than zero"));
        }
    }

    /// <summary>A spike ratio: a finite number greater than 1 (a ratio of 1 or less would fire on flat or falling volume).</summary>
    internal static void CheckRatio(double ratio, string path, List<ValidationError> errors) => CheckFiniteAbove(ratio, 1, "1", path, errors);

    /// <summary>A sum threshold: a finite number greater than zero.</summary>
    internal static void CheckSumThreshold(double threshold, string path, List<ValidationError> errors) =>
        CheckFiniteAbove(threshold, 0, "zero", path, errors);

    private static void CheckFiniteAbove(double value, double bound, string boundText, string path, List<ValidationError> errors)
    {
        if (!double.IsFinite(value))
        {
            errors.Add(new(path, "must be a finite number greater than " + boundText));
        }
        else if (value <= bound)
        {
            errors.Add(new(path, "must be greater than " + boundText));
        }
    }

    /// <summary>An anomaly trigger needs at least one bucket of history to learn from.</summary>
    internal static void CheckLearningPeriod(TimeSpan learningPeriod, TimeSpan bucket, string path, List<ValidationError> errors)
    {
        if (learningPeriod > TimeSpan.Zero && bucket > TimeSpan.Zero && learningPeriod < bucket)
        {
            errors.Add(new(path, "must be at least the bucket (" + IsoDuration.Format(bucket) + ")"));
        }
    }

    /// <summary>Every trigger but every-time (threshold, anomaly, distinct, newValue, absence, spike, sum) needs an
    /// advanced plan; the error is at the trigger's <c>type</c>.</summary>
    internal static void CheckPlan(TriggerKind kind, Plan plan, string typePath, List<ValidationError> errors)
    {
        if (kind != TriggerKind.EveryTime && !plan.IsAdvanced())
        {
            errors.Add(new(
                typePath,
                PolicyJsonNames.KindName(kind) + " triggers need an advanced plan (E5 or G5); the plan is " + plan
                + ", which allows only everyTime"));
        }
    }

    internal static void CheckDefined<T>(EnumNames<T> names, T value, string path, List<ValidationError> errors)
        where T : struct, Enum
    {
        if (!names.IsDefined(value))
        {
            errors.Add(new(path, "is not a valid " + names.What + "; expected one of " + names.Expected));
        }
    }

    internal static void CheckTrigger(Trigger? trigger, string path, Plan plan, List<ValidationError> errors)
    {
        if (trigger is null)
        {
            errors.Add(new(path, "is required"));
            return;
        }

        switch (trigger)
        {
            case ThresholdTrigger threshold:
                CheckAtLeastOne(threshold.Count, JsonPaths.Property(path, "count"), errors);
                CheckPositive(threshold.Window, JsonPaths.Property(path, "window"), errors);
                CheckScope(threshold.Scope, JsonPaths.Property(path, "scope"), errors);
                break;
            case AnomalyTrigger anomaly:
                CheckScope(anomaly.Scope, JsonPaths.Property(path, "scope"), errors);
                CheckPositive(anomaly.LearningPeriod, JsonPaths.Property(path, "learningPeriod"), errors);
                CheckDefined(PolicyJsonNames.Sensitivities, anomaly.Sensitivity, JsonPaths.Property(path, "sensitivity"), errors);
                CheckPositive(anomaly.Bucket, JsonPaths.Property(path, "bucket"), errors);
                CheckLearningPeriod(anomaly.LearningPeriod, anomaly.Bucket, JsonPaths.Property(path, "learningPeriod"), errors);
                break;
            case DistinctTrigger distinct:
                CheckText(distinct.Field, JsonPaths.Property(path, "field"), errors);
                CheckAtLeastOne(distinct.Count, JsonPaths.Property(path, "count"), errors);
                CheckPositive(distinct.Window, JsonPaths.Property(path, "window"), errors);
                CheckScope(distinct.Scope, JsonPaths.Property(path, "scope"), errors);
                break;
            case NewValueTrigger newValue:
                // A learning period longer than the lookback is allowed: nothing fires until it ends.
                CheckText(newValue.Field, JsonPaths.Property(path, "field"), errors);
                CheckScope(newValue.Scope, JsonPaths.Property(path, "scope"), errors);
                CheckPositive(newValue.Lookback, JsonPaths.Property(path, "lookback"), errors);
                CheckPositive(newValue.LearningPeriod, JsonPaths.Property(path, "learningPeriod"), errors);
                break;
            case AbsenceTrigger absence:
                CheckPositive(absence.Window, JsonPaths.Property(path, "window"), errors);
                CheckScope(absence.Scope, JsonPaths.Property(path, "scope"), errors);
                break;
            case SpikeTrigger spike:
                CheckRatio(spike.Ratio, JsonPaths.Property(path, "ratio"), errors);
                CheckPositive(spike.Window, JsonPaths.Property(path, "window"), errors);
                CheckAtLeastOne(spike.MinCount, JsonPaths.Property(path, "minCount"), errors);
                CheckAtLeastOne(spike.MinReference, JsonPaths.Property(path, "minReference"), errors);
                CheckScope(spike.Scope, JsonPaths.Property(path, "scope"), errors);
                break;
            case SumTrigger sum:
                CheckText(sum.Field, JsonPaths.Property(path, "field"), errors);
                CheckSumThreshold(sum.Threshold, JsonPaths.Property(path, "threshold"), errors);
                CheckPositive(sum.Window, JsonPaths.Property(path, "window"), errors);
                CheckScope(sum.Scope, JsonPaths.Property(path, "scope"), errors);
                break;
            case TemporalTrigger temporal:
                CheckTemporalSteps(temporal.Steps, JsonPaths.Property(path, "steps"), errors);
                CheckPositive(temporal.Window, JsonPaths.Property(path, "window"), errors);
                CheckScope(temporal.Scope, JsonPaths.Property(path, "scope"), errors);
                break;
        }

        CheckPlan(PolicyJsonNames.KindOf(trigger), plan, JsonPaths.Property(path, "type"), errors);
    }

    private static void CheckTemporalSteps(IReadOnlyList<Condition>? steps, string path, List<ValidationError> errors)
    {
        if (steps is null)
        {
            errors.Add(new(path, "is required"));
            return;
        }

        if (steps.Count is 0 or > TemporalTrigger.MaxSteps)
        {
            errors.Add(new(path, "must have between 1 and " + TemporalTrigger.MaxSteps.ToString(CultureInfo.InvariantCulture) + " steps"));
        }

        for (var i = 0; i < steps.Count; i++)
        {
            CheckCondition(steps[i], JsonPaths.Index(path, i), 1, errors);
        }
    }

    private static void CheckScope(TriggerScope? scope, string path, List<ValidationError> errors)
    {
        if (scope is null)
        {
            errors.Add(new(path, "is required"));
        }
    }

    /// <summary>Checks a condition tree; <paramref name="depth"/> is the level of <paramref name="condition"/> (top = 1).</summary>
    internal static void CheckCondition(Condition? condition, string path, int depth, List<ValidationError> errors)
    {
        if (condition is null)
        {
            errors.Add(new(path, "must not be null"));
            return;
        }

        if (!CheckDepth(depth, path, errors))
        {
            return;
        }

        switch (condition)
        {
            case AllCondition all:
                CheckChildren(all.Conditions, JsonPaths.Property(path, "all"), depth, errors);
                break;
            case AnyCondition any:
                CheckChildren(any.Conditions, JsonPaths.Property(path, "any"), depth, errors);
                break;
            case NotCondition not:
                CheckCondition(not.Condition, JsonPaths.Property(path, "not"), depth + 1, errors);
                break;
            case UsersCondition users:
                CheckTextList(users.Users, JsonPaths.Property(path, "users"), allowEmptyList: false, errors);
                break;
            case UserTagsCondition tags:
                CheckTextList(tags.Tags, JsonPaths.Property(path, "userTags"), allowEmptyList: false, errors);
                break;
            case IpAddressesCondition ips:
                var ipsPath = JsonPaths.Property(path, "ipAddresses");
                if (ips.Ranges is null)
                {
                    errors.Add(new(ipsPath, "is required"));
                }
                else
                {
                    CheckNotEmptyList(ips.Ranges.Count, ipsPath, errors);
                }

                break;
            case FileNamesCondition fileNames:
                CheckPatterns(fileNames.Patterns, JsonPaths.Property(path, "fileNames"), errors);
                break;
            case UrlsCondition urls:
                CheckPatterns(urls.Patterns, JsonPaths.Property(path, "urls"), errors);
                break;
            case PropertyCondition property:
                CheckPropertyCondition(property, path, errors);
                break;
            case RegexCondition regex:
                CheckRegexCondition(regex, path, errors);
                break;
            case NumberCondition number:
                CheckText(number.Property, JsonPaths.Property(path, "property"), errors);
                if (!double.IsFinite(number.Value))
                {
                    errors.Add(new(JsonPaths.Property(path, "number"), "must be a finite number"));
                }

                if (!Enum.IsDefined(number.Comparison) || !Enum.IsDefined(number.Part))
                {
                    errors.Add(new(JsonPaths.Property(path, "compare"), "must be a known comparison and date part"));
                }

                break;
            case NetworkCondition network:
                CheckText(network.Property, JsonPaths.Property(path, "property"), errors);
                if (network.Ranges is null)
                {
                    errors.Add(new(JsonPaths.Property(path, "cidr"), "is required"));
                }
                else
                {
                    CheckNotEmptyList(network.Ranges.Count, JsonPaths.Property(path, "cidr"), errors);
                }

                break;
            case FieldRefCondition fieldRef:
                CheckText(fieldRef.Property, JsonPaths.Property(path, "property"), errors);
                CheckText(fieldRef.OtherProperty, JsonPaths.Property(path, "fieldRef"), errors);
                break;
        }
    }

    /// <summary>Whether <paramref name="depth"/> is within <see cref="MaxConditionDepth"/>; reports it when not.</summary>
    internal static bool CheckDepth(int depth, string path, List<ValidationError> errors)
    {
        if (depth <= MaxConditionDepth)
        {
            return true;
        }

        errors.Add(new(path, "conditions are nested more than " + MaxConditionDepth.ToString(CultureInfo.InvariantCulture) + " levels deep"));
        return false;
    }

    private static void CheckChildren(IReadOnlyList<Condition>? children, string path, int depth, List<ValidationError> errors)
    {
        if (children is null)
        {
            errors.Add(new(path, "is required"));
            return;
        }

        for (var i = 0; i < children.Count; i++)
        {
            CheckCondition(children[i], JsonPaths.Index(path, i), depth + 1, errors);
        }
    }

    private static void CheckPatterns(IReadOnlyList<string>? patterns, string path, List<ValidationError> errors)
    {
        if (patterns is null)
        {
            errors.Add(new(path, "is required"));
            return;
        }

        CheckNotEmptyList(patterns.Count, path, errors);
        for (var i = 0; i < patterns.Count; i++)
        {
            CheckPattern(patterns[i], JsonPaths.Index(path, i), errors);
        }
    }

    private static void CheckRegexCondition(RegexCondition condition, string path, List<ValidationError> errors)
    {
        CheckText(condition.Property, JsonPaths.Property(path, "property"), errors);
        var regexPath = JsonPaths.Property(path, "regex");
        if (condition.Pattern is null)
        {
            errors.Add(new(regexPath, "is required"));
            return;
        }

        try
        {
            _ = condition.ToRegex();
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException)
        {
            errors.Add(new(regexPath, "is not a regular expression that runs without backtracking: " + e.Message));
        }
    }

    private static void CheckPropertyCondition(PropertyCondition condition, string path, List<ValidationError> errors)
    {
        CheckText(condition.Property, JsonPaths.Property(path, "property"), errors);
        if (!PolicyJsonNames.PropertyOperators.IsDefined(condition.Operator))
        {
            errors.Add(new(path, "has an operator that is not equals, in or matches"));
            return;
        }

        var valuesPath = JsonPaths.Property(path, PolicyJsonNames.PropertyOperators.Name(condition.Operator));
        var values = condition.Values;
        if (values is null)
        {
            errors.Add(new(valuesPath, "is required"));
            return;
        }

        switch (condition.Operator)
        {
            case PropertyOperator.In:
                CheckNotEmptyList(values.Count, valuesPath, errors);
                for (var i = 0; i < values.Count; i++)
                {
                    if (values[i] is null)
                    {
                        errors.Add(new(JsonPaths.Index(valuesPath, i), "must not be null"));
                    }
                }

                break;
            case PropertyOperator.Equals when values.Count != 1 || values[0] is null:
                errors.Add(new(valuesPath, "must be exactly one value"));
                break;
            case PropertyOperator.Matches when values.Count != 1:
                errors.Add(new(valuesPath, "must be exactly one glob"));
                break;
            case PropertyOperator.Matches:
                CheckPattern(values[0], valuesPath, errors);
                break;
        }
    }
}
