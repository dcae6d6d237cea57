using System.Globalization;
using System.Net;
using System.Text.Json;

namespace AlertEngine;

/// <summary>
/// Walks a parsed policies document by hand, building the model and collecting every problem with its path.
/// Shared rules (non-empty texts, counts, durations, plan gating, id uniqueness…) are <see cref="PolicyValidator"/>'s;
/// this class adds what only JSON can get wrong: types, unknown or repeated properties, missing required properties,
/// and the syntax of enums, durations, scopes and addresses.
/// </summary>
internal sealed class PolicyReader
{
    /// <summary>Listing stops after this many errors (the document is not usable anyway).</summary>
    internal const int MaxErrors = 1000;

    private static readonly string[] PolicyNames =
    [
        "id", "name", "description", "enabled", "type", "category", "severity", "activities", "conditions", "trigger",
        "aggregation", "automatedInvestigation", "notification",
    ];

    private static readonly string[] TriggerNames =
    [
        "type", "field", "count", "threshold", "ratio", "window", "minCount", "minReference", "scope", "lookback", "learningPeriod",
        "sensitivity", "bucket",
    ];

    // The members of each trigger type, in the spec's order. A member is required unless it is optional (has a default).
    private static readonly string[] EveryTimeNames = ["type"];
    private static readonly string[] ThresholdNames = ["type", "count", "window", "scope"];
    private static readonly string[] AnomalyNames = ["type", "scope", "learningPeriod", "sensitivity", "bucket"];
    private static readonly string[] DistinctNames = ["type", "field", "count", "window", "scope"];
    private static readonly string[] NewValueNames = ["type", "field", "scope", "lookback", "learningPeriod"];
    private static readonly string[] AbsenceNames = ["type", "window", "scope"];
    private static readonly string[] SpikeNames = ["type", "ratio", "window", "minCount", "minReference", "scope"];
    private static readonly string[] SumNames = ["type", "field", "threshold", "window", "scope"];
    private static readonly string[] OptionalTriggerNames = ["scope", "lookback", "learningPeriod", "sensitivity", "bucket", "minCount", "minReference", "ordered"];

    /// <summary>The spike trigger's default <c>minCount</c> and <c>minReference</c> (the spec's M = 1, K = 1).</summary>
    private const int DefaultSpikeMinimum = 1;

    private static readonly string[] AggregationNames = ["mode", "interval"];

    private static readonly string[] NotificationNames = ["enabled", "recipients", "dailyLimit", "earlyWarning", "throttle"];

    private static readonly string[] ThrottleNames = ["count", "window"];

    // The first nine are the kinds of condition; the last three are the operators of a property condition.
    private static readonly string[] ConditionNames =
        ["all", "any", "not", "users", "ipAddresses", "fileNames", "urls", "userTags", "property", "equals", "in", "matches"];

    private static readonly string ConditionKinds = string.Join(", ", Array.FindAll(ConditionNames, n => !IsOperator(n)));

    // The internal extension (engine checkpoints only): regex conditions, temporal triggers, composite scopes.
    private static readonly string[] ExtendedConditionNames =
        [.. ConditionNames, "regex", "regexOptions", "compare", "number", "datePart", "fieldRef", "cased", "cidr"];
    private static readonly string[] ExtendedTriggerNames = [.. TriggerNames, "steps", "ordered"];
    private static readonly string[] TemporalNames = ["type", "steps", "ordered", "window", "scope"];

    private readonly Plan _plan;
    private readonly bool _extended;
    private readonly string[] _conditionNames;
    private readonly string[] _triggerNames;
    private readonly List<ValidationError> _errors = [];

    private PolicyReader(Plan plan, bool extended)
    {
        _plan = plan;
        _extended = extended;
        _conditionNames = extended ? ExtendedConditionNames : ConditionNames;
        _triggerNames = extended ? ExtendedTriggerNames : TriggerNames;
    }

    /// <summary>Reads the document's root: an array of policies. <paramref name="extended"/> also reads the internal
    /// extension of engine checkpoints (<see cref="PolicySerializer.SaveExtended"/>).</summary>
    public static LoadResult<IReadOnlyList<AlertPolicy>> Read(JsonElement root, Plan plan, bool extended = false) =>
        new PolicyReader(plan, extended).ReadAll(root);

    private LoadResult<IReadOnlyList<AlertPolicy>> ReadAll(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Array)
        {
            Add(JsonPaths.Policies, "must be a JSON array of policies, not " + Describe(root));
            return LoadResult.Failure<IReadOnlyList<AlertPolicy>>(_errors);
        }

        var policies = new List<AlertPolicy>(root.GetArrayLength());
        var ids = new Dictionary<string, int>(StringComparer.Ordinal);
        var index = 0;
        foreach (var element in root.EnumerateArray())
        {
            var path = JsonPaths.Index(JsonPaths.Policies, index);
            var policy = ReadPolicy(element, path, out var id);
            PolicyValidator.CheckUniqueId(id, path, index, ids, _errors);
            if (policy is not null)
            {
                policies.Add(policy);
            }

            if (_errors.Count >= MaxErrors)
            {
                _errors.RemoveRange(MaxErrors, _errors.Count - MaxErrors);
                Add(string.Empty, "too many errors; only the first " + MaxErrors.ToString("N0", CultureInfo.InvariantCulture) + " are listed");
                break;
            }

            index++;
        }

        return _errors.Count == 0
            ? LoadResult.Success<IReadOnlyList<AlertPolicy>>(policies)
            : LoadResult.Failure<IReadOnlyList<AlertPolicy>>(_errors);
    }

    private AlertPolicy? ReadPolicy(JsonElement element, string path, out string? id)
    {
        id = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be a policy object, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var f = ReadObject(element, path, PolicyNames, "a policy");
        id = ReadText(f["id"], required: true);
        var name = ReadText(f["name"], required: true);
        var description = f["description"] is { Present: { } d } field && TryGetString(d, field.Path, out var text) ? text : null;
        var enabled = ReadBool(f["enabled"], defaultValue: true);
        var type = ReadEnum(PolicyJsonNames.PolicyTypes, f["type"], required: false) ?? PolicyType.Custom;
        var category = ReadEnum(PolicyJsonNames.Categories, f["category"], required: true);
        var severity = ReadEnum(PolicyJsonNames.Severities, f["severity"], required: true);
        var operations = ReadTextList(f["activities"], required: true, allowEmptyList: false, PolicyValidator.CheckText);
        var conditions = f["conditions"] is { Present: { } c } conditionsField ? ReadCondition(c, conditionsField.Path, 1) : null;
        TriggerKind? triggerKind = TriggerKind.EveryTime;
        var trigger = f["trigger"] is { Present: { } t } triggerField ? ReadTrigger(t, triggerField.Path, out triggerKind) : EveryTimeTrigger.Instance;
        var aggregation = f["aggregation"] is { Present: { } a } aggregationField ? ReadAggregation(a, aggregationField.Path) : null;
        var automatedInvestigation = ReadBool(f["automatedInvestigation"], defaultValue: false);
        var notification = f["notification"] is { Present: { } n } notificationField ? ReadNotification(n, notificationField.Path, triggerKind) : null;
        if (_errors.Count != before)
        {
            return null;
        }

        return new AlertPolicy
        {
            Id = id!,
            Name = name!,
            Description = description,
            Enabled = enabled,
            Type = type,
            Category = category!.Value,
            Severity = severity!.Value,
            Operations = operations!,
            Conditions = conditions,
            Trigger = trigger!,
            Aggregation = aggregation,
            AutomatedInvestigation = automatedInvestigation,
            Notification = notification,
        };
    }

    private Condition? ReadCondition(JsonElement element, string path, int depth)
    {
        if (!PolicyValidator.CheckDepth(depth, path, _errors))
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be a condition object with one of " + ConditionKinds + ", not " + Describe(element));
            return null;
        }

        var f = ReadObject(element, path, _conditionNames, "a condition");
        var kinds = new List<string>(1);
        var operators = new List<string>(1);
        foreach (var name in _conditionNames)
        {
            if (f.Has(name))
            {
                (IsOperator(name) ? operators : kinds).Add(name);
            }
        }

        if (kinds.Count == 0)
        {
            Add(path, operators.Count == 0
                ? "must have one of " + ConditionKinds
                : "equals, in and matches need a property to compare, e.g. {\"property\": \"workload\", \"equals\": \"Exchange\"}");
            return null;
        }

        if (kinds.Count > 1)
        {
            Add(path, "has more than one kind of condition (" + string.Join(", ", kinds) + "); one object holds one condition, combine several with all or any");
        }

        if (!f.Has("property"))
        {
            foreach (var op in operators)
            {
                Add(f[op].Path, "applies only to a property condition");
            }
        }

        Condition? result = null;
        foreach (var kind in kinds)
        {
            result = ReadConditionKind(kind, f, depth);
        }

        return kinds.Count == 1 ? result : null;
    }

    private Condition? ReadConditionKind(string kind, Fields f, int depth)
    {
        var field = f[kind];
        switch (kind)
        {
            case "all":
                return ReadChildren(field, depth) is { } all ? new AllCondition(all) : null;
            case "any":
                return ReadChildren(field, depth) is { } any ? new AnyCondition(any) : null;
            case "not":
                return ReadCondition(field.Value!.Value, field.Path, depth + 1) is { } child ? new NotCondition(child) : null;
            case "users":
                return ReadTextList(field, required: true, allowEmptyList: false, PolicyValidator.CheckText) is { } users
                    ? new UsersCondition(users)
                    : null;
            case "ipAddresses":
                return ReadRanges(field) is { } ranges ? new IpAddressesCondition(ranges) : null;
            case "fileNames":
                return ReadTextList(field, required: true, allowEmptyList: false, PolicyValidator.CheckPattern) is { } files
                    ? new FileNamesCondition(files)
                    : null;
            case "urls":
                return ReadTextList(field, required: true, allowEmptyList: false, PolicyValidator.CheckPattern) is { } urls
                    ? new UrlsCondition(urls)
                    : null;
            case "userTags":
                return ReadTextList(field, required: true, allowEmptyList: false, PolicyValidator.CheckText) is { } tags
                    ? new UserTagsCondition(tags)
                    : null;
            default:
                return ReadPropertyCondition(f);
        }
    }

    private static bool IsOperator(string name) =>
        PolicyJsonNames.PropertyOperators.TryParse(name, out _) || name is "regex" or "regexOptions" or "compare" or "number" or "datePart" or "fieldRef" or "cased" or "cidr";

    private List<Condition>? ReadChildren(Field field, int depth)
    {
        var (value, path) = (field.Value!.Value, field.Path);
        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(path, "must be an array of conditions, not " + Describe(value));
            return null;
        }

        var children = new List<Condition>(value.GetArrayLength());
        var ok = true;
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (ReadCondition(item, JsonPaths.Index(path, i++), depth + 1) is { } child)
            {
                children.Add(child);
            }
            else
            {
                ok = false;
            }
        }

        return ok ? children : null;
    }

    private List<IPNetwork>? ReadRanges(Field field)
    {
        if (ReadTextList(field, required: true, allowEmptyList: false, CheckRange) is not { } texts)
        {
            return null;
        }

        var ranges = new List<IPNetwork>(texts.Count);
        foreach (var text in texts)
        {
            if (IpRangeSyntax.TryParse(text, out var range, out _)) // each one already passed CheckRange
            {
                ranges.Add(range);
            }
        }

        return ranges;
    }

    private static void CheckRange(string text, string path, List<ValidationError> errors)
    {
        if (!IpRangeSyntax.TryParse(text, out _, out var error))
        {
            errors.Add(new(path, error));
        }
    }

    private Condition? ReadPropertyCondition(Fields f)
    {
        var before = _errors.Count;
        if (_extended && f.Has("regex"))
        {
            var name = ReadText(f["property"], required: true);
            var pattern = f["regex"].Present is { } p && TryGetString(p, f["regex"].Path, out var pt) ? pt : null;
            var flags = f["regexOptions"].Present is { } o && TryGetString(o, f["regexOptions"].Path, out var ot) ? ot : string.Empty;
            if (pattern is null || _errors.Count != before)
            {
                Add(f.Path, "a regex condition needs a property and a regex");
                return null;
            }

            return new RegexCondition(name!, pattern, flags.Contains('i', StringComparison.Ordinal), flags.Contains('m', StringComparison.Ordinal), flags.Contains('s', StringComparison.Ordinal));
        }

        if (_extended && (f.Has("compare") || f.Has("number") || f.Has("datePart")))
        {
            var name = ReadText(f["property"], required: true);
            var comparison = ReadEnum(PolicyJsonNames.NumberComparisons, f["compare"], required: true);
            var number = ReadNumber(f["number"], required: true);
            var part = ReadEnum(PolicyJsonNames.DateParts, f["datePart"], required: false) ?? DatePart.None;
            return _errors.Count == before ? new NumberCondition(name!, comparison!.Value, number!.Value, part) : null;
        }

        if (_extended && f.Has("cidr"))
        {
            var name = ReadText(f["property"], required: true);
            var ranges = ReadRanges(f["cidr"]);
            return _errors.Count == before && ranges is not null ? new NetworkCondition(name!, ranges) : null;
        }

        if (_extended && f.Has("fieldRef"))
        {
            var name = ReadText(f["property"], required: true);
            var other = ReadText(f["fieldRef"], required: true);
            var cased = ReadBool(f["cased"], defaultValue: false);
            return _errors.Count == before ? new FieldRefCondition(name!, other!, cased) : null;
        }

        var property = ReadText(f["property"], required: true);
        PropertyOperator? op = null;
        IReadOnlyList<string>? values = null;
        foreach (var current in (ReadOnlySpan<PropertyOperator>)[PropertyOperator.Equals, PropertyOperator.In, PropertyOperator.Matches])
        {
            var field = f[PolicyJsonNames.PropertyOperators.Name(current)];
            if (field.Value is not { } value)
            {
                continue;
            }

            if (op is not null)
            {
                Add(field.Path, "only one of equals, in or matches is allowed in a property condition");
                continue;
            }

            op = current;
            if (current == PropertyOperator.In)
            {
                values = ReadTextList(field, required: true, allowEmptyList: false, check: null);
            }
            else if (TryGetString(value, field.Path, out var text))
            {
                if (current == PropertyOperator.Matches)
                {
                    PolicyValidator.CheckPattern(text, field.Path, _errors);
                }

                values = [text];
            }
        }

        if (op is null)
        {
            Add(f.Path, "a property condition needs one of equals, in or matches");
        }

        return _errors.Count == before ? new PropertyCondition(property!, op!.Value, values!) : null;
    }

    /// <summary>Reads a trigger; <paramref name="kind"/> is its type when the type is known, even if the trigger has
    /// other errors (rules elsewhere in the policy depend on it), and <see langword="null"/> when it is not.</summary>
    private Trigger? ReadTrigger(JsonElement element, string path, out TriggerKind? kind)
    {
        kind = null;
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be a trigger object such as {\"type\": \"everyTime\"}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var f = ReadObject(element, path, _triggerNames, "a trigger");
        kind = _extended && f["type"].Present is { ValueKind: JsonValueKind.String } typeValue && typeValue.GetString() == "temporal"
            ? TriggerKind.Temporal
            : ReadEnum(PolicyJsonNames.TriggerKinds, f["type"], required: true);
        string[]? members = null;
        if (kind is { } known)
        {
            members = MembersOf(known);
            foreach (var name in _triggerNames)
            {
                if (f.Has(name) && IndexOf(members, name) < 0)
                {
                    Add(f[name].Path, "does not apply to " + PolicyJsonNames.KindName(known) + " triggers (they take "
                        + (members.Length == 1 ? "only type" : string.Join(", ", members)) + ")");
                    f.Remove(name);
                }
            }

            PolicyValidator.CheckPlan(known, _plan, f["type"].Path, _errors);
        }

        // With an unknown type, whatever fields are there are still checked (none is required).
        bool Required(string name) => members is not null && IndexOf(members, name) >= 0 && IndexOf(OptionalTriggerNames, name) < 0;

        var field = ReadText(f["field"], Required("field"));
        var count = ReadInt(f["count"], Required("count"));
        var threshold = ReadNumber(f["threshold"], Required("threshold"));
        var ratio = ReadNumber(f["ratio"], Required("ratio"));
        var window = ReadDuration(f["window"], Required("window"));
        var minCount = ReadInt(f["minCount"], required: false);
        var minReference = ReadInt(f["minReference"], required: false);
        var scope = ReadScope(f["scope"]);
        var lookback = ReadDuration(f["lookback"], required: false);
        var learningPeriod = ReadDuration(f["learningPeriod"], required: false);
        var sensitivity = ReadEnum(PolicyJsonNames.Sensitivities, f["sensitivity"], required: false) ?? AnomalySensitivity.Medium;
        var bucket = ReadDuration(f["bucket"], required: false);
        CheckIfPresent(count, f["count"], PolicyValidator.CheckAtLeastOne);
        CheckIfPresent(threshold, f["threshold"], PolicyValidator.CheckSumThreshold);
        CheckIfPresent(ratio, f["ratio"], PolicyValidator.CheckRatio);
        CheckIfPresent(window, f["window"], PolicyValidator.CheckPositive);
        CheckIfPresent(minCount, f["minCount"], PolicyValidator.CheckAtLeastOne);
        CheckIfPresent(minReference, f["minReference"], PolicyValidator.CheckAtLeastOne);
        CheckIfPresent(lookback, f["lookback"], PolicyValidator.CheckPositive);
        CheckIfPresent(learningPeriod, f["learningPeriod"], PolicyValidator.CheckPositive);
        CheckIfPresent(bucket, f["bucket"], PolicyValidator.CheckPositive);
        if (kind == TriggerKind.Anomaly)
        {
            // Only an anomaly's learning period is measured in buckets; a newValue learning period has no bucket.
            PolicyValidator.CheckLearningPeriod(
                learningPeriod ?? AnomalyTrigger.DefaultLearningPeriod, bucket ?? AnomalyTrigger.DefaultBucket, f["learningPeriod"].Path, _errors);
        }

        if (_errors.Count != before)
        {
            return null;
        }

        var scopeOrUser = scope ?? TriggerScope.User;
        if (kind == TriggerKind.Temporal)
        {
            var steps = f["steps"].Present is { } stepsValue ? ReadChildren(f["steps"], 0) : null;
            var ordered = ReadBool(f["ordered"], defaultValue: false);
            if (steps is null || _errors.Count != before)
            {
                Add(f.Path, "a temporal trigger needs steps");
                return null;
            }

            return new TemporalTrigger(steps, ordered, window!.Value, scopeOrUser);
        }

        return kind switch
        {
            TriggerKind.Threshold => new ThresholdTrigger(count!.Value, window!.Value, scopeOrUser),
            TriggerKind.Anomaly => new AnomalyTrigger(
                scopeOrUser, learningPeriod ?? AnomalyTrigger.DefaultLearningPeriod, sensitivity, bucket ?? AnomalyTrigger.DefaultBucket),
            TriggerKind.Distinct => new DistinctTrigger(field!, count!.Value, window!.Value, scopeOrUser),
            TriggerKind.NewValue => new NewValueTrigger(
                field!, scopeOrUser, lookback ?? NewValueTrigger.DefaultLookback, learningPeriod ?? NewValueTrigger.DefaultLearningPeriod),
            TriggerKind.Absence => new AbsenceTrigger(window!.Value, scopeOrUser),
            TriggerKind.Spike => new SpikeTrigger(
                ratio!.Value, window!.Value, minCount ?? DefaultSpikeMinimum, minReference ?? DefaultSpikeMinimum, scopeOrUser),
            TriggerKind.Sum => new SumTrigger(field!, threshold!.Value, window!.Value, scopeOrUser),
            _ => EveryTimeTrigger.Instance,
        };
    }

    /// <summary>The members of a trigger type (<c>type</c> included).</summary>
    private static string[] MembersOf(TriggerKind kind) => kind switch
    {
        TriggerKind.Threshold => ThresholdNames,
        TriggerKind.Anomaly => AnomalyNames,
        TriggerKind.Distinct => DistinctNames,
        TriggerKind.NewValue => NewValueNames,
        TriggerKind.Absence => AbsenceNames,
        TriggerKind.Spike => SpikeNames,
        TriggerKind.Sum => SumNames,
        TriggerKind.Temporal => TemporalNames,
        _ => EveryTimeNames,
    };

    /// <summary>Applies a shared rule of <see cref="PolicyValidator"/> to a value that was read (a missing or
    /// malformed one is already reported).</summary>
    private void CheckIfPresent<T>(T? value, Field field, Action<T, string, List<ValidationError>> check)
        where T : struct
    {
        if (value is { } v)
        {
            check(v, field.Path, _errors);
        }
    }

    private AggregationSettings? ReadAggregation(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be an object such as {\"mode\": \"policy\", \"interval\": \"PT1M\"}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var f = ReadObject(element, path, AggregationNames, "aggregation");
        var mode = ReadEnum(PolicyJsonNames.AggregationModes, f["mode"], required: false) ?? AggregationMode.Policy;
        var interval = ReadDuration(f["interval"], required: false);
        if (interval is { } i)
        {
            PolicyValidator.CheckPositive(i, f["interval"].Path, _errors);
        }

        return _errors.Count == before ? new AggregationSettings(mode, interval) : null;
    }

    /// <summary>Reads a notification object; <paramref name="triggerKind"/> is the policy's trigger type, or
    /// <see langword="null"/> when the trigger's type is unknown (then the rules that depend on it are not checked).</summary>
    private NotificationSettings? ReadNotification(JsonElement element, string path, TriggerKind? triggerKind)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be an object such as {\"enabled\": true, \"recipients\": [\"soc@contoso.com\"]}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var f = ReadObject(element, path, NotificationNames, "notification");
        var enabled = ReadBool(f["enabled"], defaultValue: false);
        var recipients = ReadTextList(f["recipients"], required: false, allowEmptyList: true, PolicyValidator.CheckText);
        var dailyLimit = ReadInt(f["dailyLimit"], required: false);
        if (dailyLimit is { } limit)
        {
            PolicyValidator.CheckAtLeastOne(limit, f["dailyLimit"].Path, _errors);
        }

        var earlyWarning = ReadBool(f["earlyWarning"], defaultValue: false);
        PolicyValidator.CheckEarlyWarning(earlyWarning, triggerKind, f["earlyWarning"].Path, _errors);
        var throttle = f["throttle"] is { Present: { } t } throttleField ? ReadThrottle(t, throttleField.Path) : null;
        return _errors.Count == before
            ? new NotificationSettings(enabled, recipients ?? [], dailyLimit) { EarlyWarning = earlyWarning, Throttle = throttle }
            : null;
    }

    private NotificationThrottle? ReadThrottle(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be an object such as {\"count\": 10, \"window\": \"PT1H\"}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var f = ReadObject(element, path, ThrottleNames, "a throttle");
        var count = ReadInt(f["count"], required: true);
        var window = ReadDuration(f["window"], required: true);
        PolicyValidator.CheckThrottle(count, window, path, _errors);

        // Checked as NotificationThrottle's constructor checks, so it cannot throw here.
        return _errors.Count == before ? new NotificationThrottle(count!.Value, window!.Value) : null;
    }

    /// <summary>
    /// Sorts an object's properties by name (case-insensitive) into <see cref="Fields"/>. Unknown and repeated names
    /// are errors.
    /// </summary>
    private Fields ReadObject(JsonElement element, string path, string[] names, string what)
    {
        var fields = new Fields(path, names);
        foreach (var property in element.EnumerateObject())
        {
            string name;
            try
            {
                name = property.Name;
            }
            catch (InvalidOperationException)
            {
                Add(path, "has a property name with an invalid escape sequence (an unpaired surrogate such as \\ud800)");
                continue;
            }

            var index = IndexOf(names, name);
            if (index < 0)
            {
                Add(JsonPaths.Property(path, name), UnknownProperty(name, names, what));
            }
            else if (!fields.TrySet(index, property.Value))
            {
                Add(JsonPaths.Property(path, names[index]), "is given more than once (property names are case-insensitive)");
            }
        }

        return fields;
    }

    private string? ReadText(Field field, bool required)
    {
        if (!TryGetPresent(field, required, out var value))
        {
            return null;
        }

        if (!TryGetString(value, field.Path, out var text))
        {
            return null;
        }

        PolicyValidator.CheckText(text, field.Path, _errors);
        return text;
    }

    private List<string>? ReadTextList(Field field, bool required, bool allowEmptyList, Action<string, string, List<ValidationError>>? check)
    {
        if (!TryGetPresent(field, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(field.Path, "must be an array of strings, not " + Describe(value));
            return null;
        }

        var before = _errors.Count;
        var list = new List<string>(value.GetArrayLength());
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = JsonPaths.Index(field.Path, i++);
            if (TryGetString(item, itemPath, out var text))
            {
                check?.Invoke(text, itemPath, _errors);
                list.Add(text);
            }
        }

        if (!allowEmptyList)
        {
            PolicyValidator.CheckNotEmptyList(i, field.Path, _errors);
        }

        return _errors.Count == before ? list : null;
    }

    /// <summary>The field's value when present; a missing (or null) required field is reported.</summary>
    private bool TryGetPresent(Field field, bool required, out JsonElement value)
    {
        if (field.Present is { } present)
        {
            value = present;
            return true;
        }

        if (required)
        {
            Add(field.Path, "is required");
        }

        value = default;
        return false;
    }

    private bool ReadBool(Field field, bool defaultValue)
    {
        if (field.Present is not { } value)
        {
            return defaultValue;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Add(field.Path, "must be true or false, not " + Describe(value));
        return defaultValue;
    }

    private int? ReadInt(Field field, bool required)
    {
        if (!TryGetPresent(field, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Add(field.Path, "must be a whole number, not " + Describe(value));
            return null;
        }

        if (value.TryGetInt32(out var n))
        {
            return n;
        }

        // JSON does not tell 100 from 100.0 or 1e2: accept any integral value in range.
        if (value.TryGetDecimal(out var d) && d == decimal.Truncate(d))
        {
            if (d is >= int.MinValue and <= int.MaxValue)
            {
                return (int)d;
            }

            Add(field.Path, d > 0 ? "is too large (the maximum is 2147483647)" : "is too small");
            return null;
        }

        Add(field.Path, value.TryGetDouble(out var x) && double.IsFinite(x) && Math.Abs(x) < 1e28 ? "must be a whole number" : "is out of range");
        return null;
    }

    /// <summary>Reads a JSON number as a finite <see cref="double"/> (integral or not; <c>1e2</c> is 100).</summary>
    private double? ReadNumber(Field field, bool required)
    {
        if (!TryGetPresent(field, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Add(field.Path, "must be a number, not " + Describe(value));
            return null;
        }

        if (value.TryGetDouble(out var x) && double.IsFinite(x))
        {
            return x;
        }

        Add(field.Path, "is out of range");
        return null;
    }

    private TimeSpan? ReadDuration(Field field, bool required)
    {
        if (!TryGetPresent(field, required, out var value))
        {
            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Add(field.Path, "must be an ISO-8601 duration string such as \"PT10M\", not " + Describe(value));
            return null;
        }

        if (!TryGetString(value, field.Path, out var text))
        {
            return null;
        }

        if (IsoDuration.TryParse(text, out var duration, out var error))
        {
            return duration;
        }

        Add(field.Path, error);
        return null;
    }

    private TriggerScope? ReadScope(Field field)
    {
        if (field.Present is not { } value || !TryGetString(value, field.Path, out var text))
        {
            return null;
        }

        if (TriggerScope.TryParse(text, out var scope))
        {
            return scope;
        }

        const string properties = "properties:";
        if (_extended && text.StartsWith(properties, StringComparison.Ordinal) && text.Length > properties.Length)
        {
            return TriggerScope.Properties(text[properties.Length..].Split(','));
        }

        Add(field.Path, JsonPaths.Quote(text) + " is not a valid scope; expected user, organization, malwareFamily, recipient, allMessages or property:<Name>");
        return null;
    }

    private T? ReadEnum<T>(EnumNames<T> names, Field field, bool required)
        where T : struct, Enum
    {
        if (field.Present is not { } value)
        {
            if (required)
            {
                Add(field.Path, "is required; expected one of " + names.Expected);
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Add(field.Path, "must be a string, one of " + names.Expected + ", not " + Describe(value));
            return null;
        }

        if (!TryGetString(value, field.Path, out var text))
        {
            return null;
        }

        if (names.TryParse(text, out var result))
        {
            return result;
        }

        Add(field.Path, names.Invalid(text));
        return null;
    }

    private bool TryGetString(JsonElement value, string path, out string text)
    {
        text = string.Empty;
        if (value.ValueKind != JsonValueKind.String)
        {
            Add(path, "must be a string, not " + Describe(value));
            return false;
        }

        try
        {
            text = value.GetString()!;
            return true;
        }
        catch (InvalidOperationException)
        {
            // System.Text.Json decodes escapes lazily: "\ud800" alone parses, then fails here.
            Add(path, "contains an invalid escape sequence (an unpaired surrogate such as \\ud800)");
            return false;
        }
    }

    private void Add(string path, string message) => _errors.Add(new(path, message));

    private static int IndexOf(string[] names, string name)
    {
        for (var i = 0; i < names.Length; i++)
        {
            if (string.Equals(names[i], name, StringComparison.OrdinalIgnoreCase))
            {
                return i;
            }
        }

        return -1;
    }

    private static string UnknownProperty(string name, string[] names, string what)
    {
        var message = "is not a property of " + what;
        if (ClosestName(name, names) is { } suggestion)
        {
            return message + "; did you mean " + JsonPaths.Quote(suggestion) + "?";
        }

        return message + "; expected one of " + string.Join(", ", names);
    }

    /// <summary>The known name within edit distance 2 of a typo (case-insensitive), if any.</summary>
    private static string? ClosestName(string name, string[] names)
    {
        if (name.Length > 64)
        {
            return null;
        }

        string? best = null;
        var bestDistance = 3;
        foreach (var candidate in names)
        {
            var distance = EditDistance(name.ToUpperInvariant(), candidate.ToUpperInvariant());
            if (distance < bestDistance && distance * 2 < candidate.Length)
            {
                best = candidate;
                bestDistance = distance;
            }
        }

        return best;
    }

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
        {
            previous[j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + cost);
            }

            (previous, current) = (current, previous);
        }

        return previous[b.Length];
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        _ => "null",
    };

    /// <summary>One property of an object as given (JSON null included), with its path.</summary>
    private readonly record struct Field(JsonElement? Value, string Path)
    {
        /// <summary>The value, with JSON null meaning absent (optional properties accept null).</summary>
        public JsonElement? Present => Value is { ValueKind: not JsonValueKind.Null } value ? value : null;
    }

    /// <summary>The known properties of one object, looked up by their canonical name.</summary>
    private sealed class Fields(string path, string[] names)
    {
        private readonly JsonElement?[] _values = new JsonElement?[names.Length];

        public string Path => path;

        public Field this[string name] => new(_values[Index(name)], JsonPaths.Property(path, name));

        public bool Has(string name) => _values[Index(name)] is not null;

        public void Remove(string name) => _values[Index(name)] = null;

        public bool TrySet(int index, JsonElement value)
        {
            if (_values[index] is not null)
            {
                return false;
            }

            _values[index] = value;
            return true;
        }

        private int Index(string name)
        {
            var index = Array.IndexOf(names, name);
            return index >= 0 ? index : throw new ArgumentOutOfRangeException(nameof(name), name, "Not a known property.");
        }
    }
}
