namespace AlertEngine;

/// <summary>The JSON spelling of the policy format's enums: written exactly so, read case-insensitively.</summary>
internal static class PolicyJsonNames
{
    public static readonly EnumNames<PolicyType> PolicyTypes = new("policy type", [
        ("Custom", PolicyType.Custom),
        ("System", PolicyType.System),
    ]);

    public static readonly EnumNames<AlertCategory> Categories = new("category", [
        ("DataLossPrevention", AlertCategory.DataLossPrevention),
        ("InformationGovernance", AlertCategory.InformationGovernance),
        ("MailFlow", AlertCategory.MailFlow),
        ("Permissions", AlertCategory.Permissions),
        ("ThreatManagement", AlertCategory.ThreatManagement),
        ("Others", AlertCategory.Others),
    ]);

    public static readonly EnumNames<AlertSeverity> Severities = new("severity", [
        ("Low", AlertSeverity.Low),
        ("Medium", AlertSeverity.Medium),
        ("High", AlertSeverity.High),
        ("Informational", AlertSeverity.Informational),
    ]);

    public static readonly EnumNames<TriggerKind> TriggerKinds = new("trigger type", [
        ("everyTime", TriggerKind.EveryTime),
        ("threshold", TriggerKind.Threshold),
        ("anomaly", TriggerKind.Anomaly),
        ("distinct", TriggerKind.Distinct),
        ("newValue", TriggerKind.NewValue),
        ("absence", TriggerKind.Absence),
        ("spike", TriggerKind.Spike),
        ("sum", TriggerKind.Sum),
    ]);

    public static readonly EnumNames<AnomalySensitivity> Sensitivities = new("sensitivity", [
        ("low", AnomalySensitivity.Low),
        ("medium", AnomalySensitivity.Medium),
        ("high", AnomalySensitivity.High),
    ]);

    public static readonly EnumNames<AggregationMode> AggregationModes = new("aggregation mode", [
        ("policy", AggregationMode.Policy),
        ("none", AggregationMode.None),
    ]);

    public static readonly EnumNames<PropertyOperator> PropertyOperators = new("property operator", [
        ("equals", PropertyOperator.Equals),
        ("in", PropertyOperator.In),
        ("matches", PropertyOperator.Matches),
    ]);

    /// <summary>The comparisons of the internal extension's number conditions (Sigma's numeric and time modifiers).</summary>
    public static readonly EnumNames<NumberComparison> NumberComparisons = new("comparison", [
        ("lt", NumberComparison.Less),
        ("lte", NumberComparison.LessOrEqual),
        ("gt", NumberComparison.Greater),
        ("gte", NumberComparison.GreaterOrEqual),
        ("eq", NumberComparison.Equal),
    ]);

    /// <summary>The date parts of the internal extension's number conditions (Sigma's time modifiers).</summary>
    public static readonly EnumNames<DatePart> DateParts = new("date part", [
        ("none", DatePart.None),
        ("minute", DatePart.Minute),
        ("hour", DatePart.Hour),
        ("day", DatePart.Day),
        ("week", DatePart.Week),
        ("month", DatePart.Month),
        ("year", DatePart.Year),
    ]);

    /// <summary>The JSON name of a trigger's type (<c>temporal</c>, which has no JSON form, for a temporal trigger).</summary>
    public static string TriggerType(Trigger trigger) => KindName(KindOf(trigger));

    /// <summary>The JSON name of a trigger kind; <c>temporal</c> for <see cref="TriggerKind.Temporal"/>.</summary>
    public static string KindName(TriggerKind kind) => kind == TriggerKind.Temporal ? "temporal" : TriggerKinds.Name(kind);

    /// <summary>The kind of a trigger.</summary>
    public static TriggerKind KindOf(Trigger trigger) => trigger switch
    {
        ThresholdTrigger => TriggerKind.Threshold,
        AnomalyTrigger => TriggerKind.Anomaly,
        DistinctTrigger => TriggerKind.Distinct,
        NewValueTrigger => TriggerKind.NewValue,
        AbsenceTrigger => TriggerKind.Absence,
        SpikeTrigger => TriggerKind.Spike,
        SumTrigger => TriggerKind.Sum,
        TemporalTrigger => TriggerKind.Temporal,
        _ => TriggerKind.EveryTime,
    };
}

/// <summary>The trigger types of the JSON format.</summary>
internal enum TriggerKind
{
    EveryTime,
    Threshold,
    Anomaly,
    Distinct,
    NewValue,
    Absence,
    Spike,
    Sum,
    /// <summary>Not in the JSON format (built in code or from Sigma correlation rules).</summary>
    Temporal,
}

/// <summary>A fixed table of JSON names for an enum.</summary>
/// <typeparam name="T">The enum.</typeparam>
internal sealed class EnumNames<T>
    where T : struct, Enum
{
    private readonly (string Name, T Value)[] _entries;

    public EnumNames(string what, (string Name, T Value)[] entries)
    {
        What = what;
        _entries = entries;
        Expected = string.Join(", ", Array.ConvertAll(entries, e => e.Name));
    }

    /// <summary>What the enum is, for messages (<c>category</c>).</summary>
    public string What { get; }

    /// <summary>The names, comma-separated, for messages.</summary>
    public string Expected { get; }

    /// <summary>Whether the value has a name (is a defined member).</summary>
    public bool IsDefined(T value) => TryName(value, out _);

    /// <summary>The JSON name of a value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is not a defined member.</exception>
    public string Name(T value) => TryName(value, out var name)
        ? name
        : throw new ArgumentOutOfRangeException(nameof(value), value, "Not a defined " + What + ".");

    /// <summary>Parses a name case-insensitively (numbers and combinations are not names).</summary>
    public bool TryParse(string text, out T value)
    {
        foreach (var (name, v) in _entries)
        {
            if (string.Equals(name, text, StringComparison.OrdinalIgnoreCase))
            {
                value = v;
                return true;
            }
        }

        value = default;
        return false;
    }

    /// <summary>The message for text that is not a name.</summary>
    public string Invalid(string text) => JsonPaths.Quote(text) + " is not a valid " + What + "; expected one of " + Expected;

    private bool TryName(T value, out string name)
    {
        foreach (var (n, v) in _entries)
        {
            if (EqualityComparer<T>.Default.Equals(v, value))
            {
                name = n;
                return true;
            }
        }

        name = string.Empty;
        return false;
    }
}
