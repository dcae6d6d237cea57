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

    private static readonly string[] TriggerNames = ["type", "count", "window", "scope", "learningPeriod", "sensitivity", "bucket"];

    private static readonly string[] AggregationNames = ["mode", "interval"];

    private static readonly string[] NotificationNames = ["enabled", "recipients", "dailyLimit"];

    // The first nine are the kinds of condition; the last three are the operators of a property condition.
    private static readonly string[] ConditionNames =
        ["all", "any", "not", "users", "ipAddresses", "fileNames", "urls", "userTags", "property", "equals", "in", "matches"];

    private static readonly string ConditionKinds = string.Join(", ", ConditionNames[..ConditionKindCount]);

    private const int ConditionKindCount = 9;

    private readonly Plan _plan;
    private readonly List<ValidationError> _errors = [];

    private PolicyReader(Plan plan) => _plan = plan;

    /// <summary>Reads the document's root: an array of policies.</summary>
    public static LoadResult<IReadOnlyList<AlertPolicy>> Read(JsonElement root, Plan plan) => new PolicyReader(plan).ReadAll(root);

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
        var slots = ReadObject(element, path, PolicyNames, "a policy");
        id = ReadText(slots[0], JsonPaths.Property(path, "id"), required: true);
        var name = ReadText(slots[1], JsonPaths.Property(path, "name"), required: true);
        var description = Present(slots[2]) is { } d && TryGetString(d, JsonPaths.Property(path, "description"), out var text) ? text : null;
        var enabled = ReadBool(slots[3], JsonPaths.Property(path, "enabled"), defaultValue: true);
        var type = ReadEnum(PolicyJsonNames.PolicyTypes, slots[4], JsonPaths.Property(path, "type"), required: false) ?? PolicyType.Custom;
        var category = ReadEnum(PolicyJsonNames.Categories, slots[5], JsonPaths.Property(path, "category"), required: true);
        var severity = ReadEnum(PolicyJsonNames.Severities, slots[6], JsonPaths.Property(path, "severity"), required: true);
        var operations = ReadTextList(slots[7], JsonPaths.Property(path, "activities"), required: true, allowEmptyList: false, PolicyValidator.CheckText);
        var conditions = Present(slots[8]) is { } c ? ReadCondition(c, JsonPaths.Property(path, "conditions"), 1) : null;
        var trigger = Present(slots[9]) is { } t ? ReadTrigger(t, JsonPaths.Property(path, "trigger")) : EveryTimeTrigger.Instance;
        var aggregation = Present(slots[10]) is { } a ? ReadAggregation(a, JsonPaths.Property(path, "aggregation")) : null;
        var automatedInvestigation = ReadBool(slots[11], JsonPaths.Property(path, "automatedInvestigation"), defaultValue: false);
        var notification = Present(slots[12]) is { } n ? ReadNotification(n, JsonPaths.Property(path, "notification")) : null;
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

        var slots = ReadObject(element, path, ConditionNames, "a condition");
        var kinds = 0;
        for (var k = 0; k < ConditionKindCount; k++)
        {
            kinds += slots[k] is null ? 0 : 1;
        }

        if (kinds == 0)
        {
            Add(path, slots[9] is null && slots[10] is null && slots[11] is null
                ? "must have one of " + ConditionKinds
                : "equals, in and matches need a property to compare, e.g. {\"property\": \"workload\", \"equals\": \"Exchange\"}");
            return null;
        }

        if (kinds > 1)
        {
            var present = new List<string>(kinds);
            for (var k = 0; k < ConditionKindCount; k++)
            {
                if (slots[k] is not null)
                {
                    present.Add(ConditionNames[k]);
                }
            }

            Add(path, "has more than one kind of condition (" + string.Join(", ", present) + "); one object holds one condition, combine several with all or any");
        }

        if (slots[8] is null)
        {
            for (var k = ConditionKindCount; k < ConditionNames.Length; k++)
            {
                if (slots[k] is not null)
                {
                    Add(JsonPaths.Property(path, ConditionNames[k]), "applies only to a property condition");
                }
            }
        }

        Condition? result = null;
        for (var k = 0; k < ConditionKindCount; k++)
        {
            if (slots[k] is { } value)
            {
                result = ReadConditionKind(k, value, slots, path, depth);
            }
        }

        return kinds == 1 ? result : null;
    }

    private Condition? ReadConditionKind(int kind, JsonElement value, JsonElement?[] slots, string path, int depth)
    {
        var valuePath = JsonPaths.Property(path, ConditionNames[kind]);
        switch (kind)
        {
            case 0:
            case 1:
                var children = ReadChildren(value, valuePath, depth);
                return children is null ? null : kind == 0 ? new AllCondition(children) : new AnyCondition(children);
            case 2:
                return ReadCondition(value, valuePath, depth + 1) is { } child ? new NotCondition(child) : null;
            case 3:
                return ReadTextList(value, valuePath, required: true, allowEmptyList: false, PolicyValidator.CheckText) is { } users
                    ? new UsersCondition(users)
                    : null;
            case 4:
                return ReadRanges(value, valuePath) is { } ranges ? new IpAddressesCondition(ranges) : null;
            case 5:
                return ReadTextList(value, valuePath, required: true, allowEmptyList: false, PolicyValidator.CheckPattern) is { } files
                    ? new FileNamesCondition(files)
                    : null;
            case 6:
                return ReadTextList(value, valuePath, required: true, allowEmptyList: false, PolicyValidator.CheckPattern) is { } urls
                    ? new UrlsCondition(urls)
                    : null;
            case 7:
                return ReadTextList(value, valuePath, required: true, allowEmptyList: false, PolicyValidator.CheckText) is { } tags
                    ? new UserTagsCondition(tags)
                    : null;
            default:
                return ReadPropertyCondition(slots, path);
        }
    }

    private List<Condition>? ReadChildren(JsonElement value, string path, int depth)
    {
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

    private List<IPNetwork>? ReadRanges(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(path, "must be an array of IP addresses or CIDR ranges, not " + Describe(value));
            return null;
        }

        var before = _errors.Count;
        var ranges = new List<IPNetwork>(value.GetArrayLength());
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = JsonPaths.Index(path, i++);
            if (TryGetString(item, itemPath, out var text))
            {
                if (IpRangeSyntax.TryParse(text, out var range, out var error))
                {
                    ranges.Add(range);
                }
                else
                {
                    Add(itemPath, error);
                }
            }
        }

        PolicyValidator.CheckNotEmptyList(i, path, _errors);
        return _errors.Count == before ? ranges : null;
    }

    private PropertyCondition? ReadPropertyCondition(JsonElement?[] slots, string path)
    {
        var before = _errors.Count;
        var property = ReadText(slots[8], JsonPaths.Property(path, "property"), required: true);
        PropertyOperator? op = null;
        IReadOnlyList<string>? values = null;
        for (var k = ConditionKindCount; k < ConditionNames.Length; k++)
        {
            if (slots[k] is not { } value)
            {
                continue;
            }

            var current = (PropertyOperator)(k - ConditionKindCount);
            var valuePath = JsonPaths.Property(path, ConditionNames[k]);
            if (op is not null)
            {
                Add(valuePath, "only one of equals, in or matches is allowed in a property condition");
                continue;
            }

            op = current;
            if (current == PropertyOperator.In)
            {
                values = ReadTextList(value, valuePath, required: true, allowEmptyList: false, check: null);
            }
            else if (TryGetString(value, valuePath, out var text))
            {
                if (current == PropertyOperator.Matches)
                {
                    PolicyValidator.CheckPattern(text, valuePath, _errors);
                }

                values = [text];
            }
        }

        if (op is null)
        {
            Add(path, "a property condition needs one of equals, in or matches");
        }

        return _errors.Count == before ? new PropertyCondition(property!, op!.Value, values!) : null;
    }

    private Trigger? ReadTrigger(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be a trigger object such as {\"type\": \"everyTime\"}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var slots = ReadObject(element, path, TriggerNames, "a trigger");
        var typePath = JsonPaths.Property(path, "type");
        var kind = ReadEnum(PolicyJsonNames.TriggerKinds, slots[0], typePath, required: true);
        if (kind is { } known)
        {
            // type, count, window, scope, learningPeriod, sensitivity, bucket
            ReadOnlySpan<bool> applies = known switch
            {
                TriggerKind.EveryTime => [true, false, false, false, false, false, false],
                TriggerKind.Threshold => [true, true, true, true, false, false, false],
                _ => [true, false, false, true, true, true, true],
            };
            for (var k = 1; k < TriggerNames.Length; k++)
            {
                if (!applies[k] && slots[k] is not null)
                {
                    Add(JsonPaths.Property(path, TriggerNames[k]), "does not apply to " + PolicyJsonNames.TriggerKinds.Name(known) + " triggers");
                    slots[k] = null;
                }
            }

            PolicyValidator.CheckPlan(known, _plan, typePath, _errors);
        }

        var countPath = JsonPaths.Property(path, "count");
        var windowPath = JsonPaths.Property(path, "window");
        var learningPath = JsonPaths.Property(path, "learningPeriod");
        var bucketPath = JsonPaths.Property(path, "bucket");
        var required = kind == TriggerKind.Threshold;
        var count = ReadInt(slots[1], countPath, required);
        var window = ReadDuration(slots[2], windowPath, required);
        var scope = ReadScope(slots[3], JsonPaths.Property(path, "scope"));
        var learningPeriod = ReadDuration(slots[4], learningPath, required: false) ?? AnomalyTrigger.DefaultLearningPeriod;
        var sensitivity = ReadEnum(PolicyJsonNames.Sensitivities, slots[5], JsonPaths.Property(path, "sensitivity"), required: false)
            ?? AnomalySensitivity.Medium;
        var bucket = ReadDuration(slots[6], bucketPath, required: false) ?? AnomalyTrigger.DefaultBucket;
        if (count is { } n)
        {
            PolicyValidator.CheckAtLeastOne(n, countPath, _errors);
        }

        if (window is { } w)
        {
            PolicyValidator.CheckPositive(w, windowPath, _errors);
        }

        PolicyValidator.CheckPositive(learningPeriod, learningPath, _errors);
        PolicyValidator.CheckPositive(bucket, bucketPath, _errors);
        PolicyValidator.CheckLearningPeriod(learningPeriod, bucket, learningPath, _errors);
        if (_errors.Count != before)
        {
            return null;
        }

        return kind switch
        {
            TriggerKind.Threshold => new ThresholdTrigger(count!.Value, window!.Value, scope ?? TriggerScope.User),
            TriggerKind.Anomaly => new AnomalyTrigger(scope ?? TriggerScope.User, learningPeriod, sensitivity, bucket),
            _ => EveryTimeTrigger.Instance,
        };
    }

    private AggregationSettings? ReadAggregation(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be an object such as {\"mode\": \"policy\", \"interval\": \"PT1M\"}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var slots = ReadObject(element, path, AggregationNames, "aggregation");
        var mode = ReadEnum(PolicyJsonNames.AggregationModes, slots[0], JsonPaths.Property(path, "mode"), required: false) ?? AggregationMode.Policy;
        var intervalPath = JsonPaths.Property(path, "interval");
        var interval = ReadDuration(slots[1], intervalPath, required: false);
        if (interval is { } i)
        {
            PolicyValidator.CheckPositive(i, intervalPath, _errors);
        }

        return _errors.Count == before ? new AggregationSettings(mode, interval) : null;
    }

    private NotificationSettings? ReadNotification(JsonElement element, string path)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            Add(path, "must be an object such as {\"enabled\": true, \"recipients\": [\"soc@contoso.com\"]}, not " + Describe(element));
            return null;
        }

        var before = _errors.Count;
        var slots = ReadObject(element, path, NotificationNames, "notification");
        var enabled = ReadBool(slots[0], JsonPaths.Property(path, "enabled"), defaultValue: false);
        var recipients = ReadTextList(slots[1], JsonPaths.Property(path, "recipients"), required: false, allowEmptyList: true, PolicyValidator.CheckText);
        var limitPath = JsonPaths.Property(path, "dailyLimit");
        var dailyLimit = ReadInt(slots[2], limitPath, required: false);
        if (dailyLimit is { } limit)
        {
            PolicyValidator.CheckAtLeastOne(limit, limitPath, _errors);
        }

        return _errors.Count == before ? new NotificationSettings(enabled, recipients ?? [], dailyLimit) : null;
    }

    /// <summary>
    /// Sorts an object's properties into slots by name (case-insensitive). Unknown and repeated names are errors.
    /// A slot holds the value as given, JSON null included; <see cref="Present"/> treats null as absent.
    /// </summary>
    private JsonElement?[] ReadObject(JsonElement element, string path, string[] names, string what)
    {
        var slots = new JsonElement?[names.Length];
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
            else if (slots[index] is not null)
            {
                Add(JsonPaths.Property(path, names[index]), "is given more than once (property names are case-insensitive)");
            }
            else
            {
                slots[index] = property.Value;
            }
        }

        return slots;
    }

    private static JsonElement? Present(JsonElement? slot) =>
        slot is { ValueKind: not JsonValueKind.Null } value ? value : null;

    private string? ReadText(JsonElement? slot, string path, bool required)
    {
        if (Present(slot) is not { } value)
        {
            if (required)
            {
                Add(path, "is required");
            }

            return null;
        }

        if (!TryGetString(value, path, out var text))
        {
            return null;
        }

        PolicyValidator.CheckText(text, path, _errors);
        return text;
    }

    private List<string>? ReadTextList(JsonElement? slot, string path, bool required, bool allowEmptyList, Action<string, string, List<ValidationError>>? check)
    {
        if (Present(slot) is not { } value)
        {
            if (required)
            {
                Add(path, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Array)
        {
            Add(path, "must be an array of strings, not " + Describe(value));
            return null;
        }

        var before = _errors.Count;
        var list = new List<string>(value.GetArrayLength());
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            var itemPath = JsonPaths.Index(path, i++);
            if (TryGetString(item, itemPath, out var text))
            {
                check?.Invoke(text, itemPath, _errors);
                list.Add(text);
            }
        }

        if (!allowEmptyList)
        {
            PolicyValidator.CheckNotEmptyList(i, path, _errors);
        }

        return _errors.Count == before ? list : null;
    }

    private bool ReadBool(JsonElement? slot, string path, bool defaultValue)
    {
        if (Present(slot) is not { } value)
        {
            return defaultValue;
        }

        if (value.ValueKind is JsonValueKind.True or JsonValueKind.False)
        {
            return value.GetBoolean();
        }

        Add(path, "must be true or false, not " + Describe(value));
        return defaultValue;
    }

    private int? ReadInt(JsonElement? slot, string path, bool required)
    {
        if (Present(slot) is not { } value)
        {
            if (required)
            {
                Add(path, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.Number)
        {
            Add(path, "must be a whole number, not " + Describe(value));
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

            Add(path, d > 0 ? "is too large (the maximum is 2147483647)" : "is too small");
            return null;
        }

        Add(path, value.TryGetDouble(out var x) && double.IsFinite(x) && Math.Abs(x) < 1e28 ? "must be a whole number" : "is out of range");
        return null;
    }

    private TimeSpan? ReadDuration(JsonElement? slot, string path, bool required)
    {
        if (Present(slot) is not { } value)
        {
            if (required)
            {
                Add(path, "is required");
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Add(path, "must be an ISO-8601 duration string such as \"PT10M\", not " + Describe(value));
            return null;
        }

        if (!TryGetString(value, path, out var text))
        {
            return null;
        }

        if (IsoDuration.TryParse(text, out var duration, out var error))
        {
            return duration;
        }

        Add(path, error);
        return null;
    }

    private TriggerScope? ReadScope(JsonElement? slot, string path)
    {
        if (Present(slot) is not { } value || !TryGetString(value, path, out var text))
        {
            return null;
        }

        if (TriggerScope.TryParse(text, out var scope))
        {
            return scope;
        }

        Add(path, JsonPaths.Quote(text) + " is not a valid scope; expected user, organization, malwareFamily, recipient, allMessages or property:<Name>");
        return null;
    }

    private T? ReadEnum<T>(EnumNames<T> names, JsonElement? slot, string path, bool required)
        where T : struct, Enum
    {
        if (Present(slot) is not { } value)
        {
            if (required)
            {
                Add(path, "is required; expected one of " + names.Expected);
            }

            return null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            Add(path, "must be a string, one of " + names.Expected + ", not " + Describe(value));
            return null;
        }

        if (!TryGetString(value, path, out var text))
        {
            return null;
        }

        if (names.TryParse(text, out var result))
        {
            return result;
        }

        Add(path, names.Invalid(text));
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
}
