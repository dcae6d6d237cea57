using System.Text.Json;

namespace AlertEngine;

/// <summary>Writes policies in the JSON format <see cref="PolicyReader"/> reads, every field explicitly, in the spec's order.
/// The notification extension fields (<c>earlyWarning</c>, <c>throttle</c>) come after <c>dailyLimit</c> and are written
/// only when set, so a policy without them is written exactly as the spec's format.</summary>
internal static class PolicyWriter
{
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<AlertPolicy> policies) => Write(writer, policies, extended: false);

    /// <summary>Writes policies; with <paramref name="extended"/>, also what the JSON policy format cannot say (regex,
    /// number, network and field-reference conditions, temporal triggers, composite scopes) in an internal extension that only
    /// <see cref="PolicySerializer.LoadExtended"/> reads (engine checkpoints use it); otherwise those throw
    /// <see cref="NotSupportedException"/>.</summary>
    public static void Write(Utf8JsonWriter writer, IReadOnlyList<AlertPolicy> policies, bool extended)
    {
        writer.WriteStartArray();
        foreach (var policy in policies)
        {
            WritePolicy(writer, policy, extended);
        }

        writer.WriteEndArray();
    }

    private static void WritePolicy(Utf8JsonWriter writer, AlertPolicy policy, bool extended)
    {
        writer.WriteStartObject();
        writer.WriteString("id", policy.Id);
        writer.WriteString("name", policy.Name);
        if (policy.Description is not null)
        {
            writer.WriteString("description", policy.Description);
        }

        writer.WriteBoolean("enabled", policy.Enabled);
        writer.WriteString("type", PolicyJsonNames.PolicyTypes.Name(policy.Type));
        writer.WriteString("category", PolicyJsonNames.Categories.Name(policy.Category));
        writer.WriteString("severity", PolicyJsonNames.Severities.Name(policy.Severity));
        writer.WritePropertyName("activities");
        WriteStrings(writer, policy.Operations);
        if (policy.Conditions is not null)
        {
            writer.WritePropertyName("conditions");
            WriteCondition(writer, policy.Conditions, extended);
        }

        writer.WritePropertyName("trigger");
        WriteTrigger(writer, policy.Trigger, extended);
        if (policy.Aggregation is { } aggregation)
        {
            writer.WriteStartObject("aggregation");
            writer.WriteString("mode", PolicyJsonNames.AggregationModes.Name(aggregation.Mode));
            if (aggregation.Interval is { } interval)
            {
                writer.WriteString("interval", IsoDuration.Format(interval));
            }

            writer.WriteEndObject();
        }

        writer.WriteBoolean("automatedInvestigation", policy.AutomatedInvestigation);
        if (policy.Notification is { } notification)
        {
            writer.WriteStartObject("notification");
            writer.WriteBoolean("enabled", notification.Enabled);
            writer.WritePropertyName("recipients");
            WriteStrings(writer, notification.Recipients);
            if (notification.DailyLimit is { } limit)
            {
                writer.WriteNumber("dailyLimit", limit);
            }

            if (notification.EarlyWarning)
            {
                writer.WriteBoolean("earlyWarning", true);
            }

            if (notification.Throttle is { } throttle)
            {
                writer.WriteStartObject("throttle");
                writer.WriteNumber("count", throttle.Count);
                writer.WriteString("window", IsoDuration.Format(throttle.Window));
                writer.WriteEndObject();
            }

            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    private static void WriteTrigger(Utf8JsonWriter writer, Trigger trigger, bool extended)
    {
        if (trigger is TemporalTrigger temporal)
        {
            if (!extended)
            {
                throw new NotSupportedException("A temporal trigger cannot be written in the JSON policy format (it comes from Sigma correlation rules or code).");
            }

            writer.WriteStartObject();
            writer.WriteString("type", "temporal");
            WriteChildren(writer, "steps", temporal.Steps, extended);
            writer.WriteBoolean("ordered", temporal.Ordered);
            writer.WriteString("window", IsoDuration.Format(temporal.Window));
            writer.WriteString("scope", Scope(temporal.Scope, extended));
            writer.WriteEndObject();
            return;
        }

        writer.WriteStartObject();
        writer.WriteString("type", PolicyJsonNames.TriggerType(trigger));
        switch (trigger)
        {
            case ThresholdTrigger threshold:
                writer.WriteNumber("count", threshold.Count);
                writer.WriteString("window", IsoDuration.Format(threshold.Window));
                writer.WriteString("scope", Scope(threshold.Scope, extended));
                break;
            case AnomalyTrigger anomaly:
                writer.WriteString("scope", Scope(anomaly.Scope, extended));
                writer.WriteString("learningPeriod", IsoDuration.Format(anomaly.LearningPeriod));
                writer.WriteString("sensitivity", PolicyJsonNames.Sensitivities.Name(anomaly.Sensitivity));
                writer.WriteString("bucket", IsoDuration.Format(anomaly.Bucket));
                break;
            case DistinctTrigger distinct:
                writer.WriteString("field", distinct.Field);
                writer.WriteNumber("count", distinct.Count);
                writer.WriteString("window", IsoDuration.Format(distinct.Window));
                writer.WriteString("scope", Scope(distinct.Scope, extended));
                break;
            case NewValueTrigger newValue:
                writer.WriteString("field", newValue.Field);
                writer.WriteString("scope", Scope(newValue.Scope, extended));
                writer.WriteString("lookback", IsoDuration.Format(newValue.Lookback));
                writer.WriteString("learningPeriod", IsoDuration.Format(newValue.LearningPeriod));
                break;
            case AbsenceTrigger absence:
                writer.WriteString("window", IsoDuration.Format(absence.Window));
                writer.WriteString("scope", Scope(absence.Scope, extended));
                break;
            case SpikeTrigger spike:
                // A double is written in its shortest form that reads back to the same value (3, 1.5, 1E+20).
                writer.WriteNumber("ratio", spike.Ratio);
                writer.WriteString("window", IsoDuration.Format(spike.Window));
                writer.WriteNumber("minCount", spike.MinCount);
                writer.WriteNumber("minReference", spike.MinReference);
                writer.WriteString("scope", Scope(spike.Scope, extended));
                break;
            case SumTrigger sum:
                writer.WriteString("field", sum.Field);
                writer.WriteNumber("threshold", sum.Threshold);
                writer.WriteString("window", IsoDuration.Format(sum.Window));
                writer.WriteString("scope", Scope(sum.Scope, extended));
                break;
        }

        writer.WriteEndObject();
    }

    private static void WriteCondition(Utf8JsonWriter writer, Condition condition, bool extended)
    {
        writer.WriteStartObject();
        switch (condition)
        {
            case AllCondition all:
                WriteChildren(writer, "all", all.Conditions, extended);
                break;
            case AnyCondition any:
                WriteChildren(writer, "any", any.Conditions, extended);
                break;
            case NotCondition not:
                writer.WritePropertyName("not");
                WriteCondition(writer, not.Condition, extended);
                break;
            case UsersCondition users:
                writer.WritePropertyName("users");
                WriteStrings(writer, users.Users);
                break;
            case IpAddressesCondition ips:
                writer.WriteStartArray("ipAddresses");
                foreach (var range in ips.Ranges)
                {
                    writer.WriteStringValue(IpRangeSyntax.Format(range));
                }

                writer.WriteEndArray();
                break;
            case FileNamesCondition fileNames:
                writer.WritePropertyName("fileNames");
                WriteStrings(writer, fileNames.Patterns);
                break;
            case UrlsCondition urls:
                writer.WritePropertyName("urls");
                WriteStrings(writer, urls.Patterns);
                break;
            case UserTagsCondition tags:
                writer.WritePropertyName("userTags");
                WriteStrings(writer, tags.Tags);
                break;
            case PropertyCondition property:
                writer.WriteString("property", property.Property);
                var name = PolicyJsonNames.PropertyOperators.Name(property.Operator);
                if (property.Operator == PropertyOperator.In)
                {
                    writer.WritePropertyName(name);
                    WriteStrings(writer, property.Values);
                }
                else
                {
                    writer.WriteString(name, property.Values[0]);
                }

                break;
            case RegexCondition regex when extended:
                writer.WriteString("property", regex.Property);
                writer.WriteString("regex", regex.Pattern);
                writer.WriteString("regexOptions", (regex.IgnoreCase ? "i" : string.Empty) + (regex.Multiline ? "m" : string.Empty) + (regex.Singleline ? "s" : string.Empty));
                break;
            case NumberCondition number when extended:
                writer.WriteString("property", number.Property);
                writer.WriteString("compare", PolicyJsonNames.NumberComparisons.Name(number.Comparison));
                writer.WriteNumber("number", number.Value);
                if (number.Part != DatePart.None)
                {
                    writer.WriteString("datePart", PolicyJsonNames.DateParts.Name(number.Part));
                }

                break;
            case NetworkCondition network when extended:
                writer.WriteString("property", network.Property);
                writer.WriteStartArray("cidr");
                foreach (var range in network.Ranges)
                {
                    writer.WriteStringValue(IpRangeSyntax.Format(range));
                }

                writer.WriteEndArray();
                break;
            case FieldRefCondition fieldRef when extended:
                writer.WriteString("property", fieldRef.Property);
                writer.WriteString("fieldRef", fieldRef.OtherProperty);
                if (fieldRef.Cased)
                {
                    writer.WriteBoolean("cased", true);
                }

                break;
            default:
                // Internal conditions (RegexCondition, NumberCondition, NetworkCondition, FieldRefCondition: from Sigma rules) have no form in the JSON policy format.
                throw new NotSupportedException(
                    $"A {condition.GetType().Name} cannot be written in the JSON policy format (it comes from a rule format, such as Sigma, that says more than the policy format can).");
        }

        writer.WriteEndObject();
    }

    private static string Scope(TriggerScope scope, bool extended) =>
        scope.Kind != TriggerScopeKind.Properties || extended
            ? scope.ToString()
            : throw new NotSupportedException($"The scope {scope} cannot be written in the JSON policy format (it comes from a Sigma group-by).");

    private static void WriteChildren(Utf8JsonWriter writer, string name, IReadOnlyList<Condition> children, bool extended)
    {
        writer.WriteStartArray(name);
        foreach (var child in children)
        {
            WriteCondition(writer, child, extended);
        }

        writer.WriteEndArray();
    }

    private static void WriteStrings(Utf8JsonWriter writer, IReadOnlyList<string> values)
    {
        writer.WriteStartArray();
        foreach (var value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
