using System.Globalization;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>Builds the policy of a Sigma correlation rule from the detection rules it references.</summary>
internal static class CorrelationBuilder
{
    public static void Build(RawRule rule, IReadOnlyDictionary<string, RawRule> byReference, SigmaLoadOptions options)
    {
        var root = rule.Root;
        var correlation = Yaml.Map(root, "correlation") ?? throw new SigmaRuleException(root, "'correlation' must be a mapping.");
        var typeText = Yaml.RequiredText(correlation, "type", correlation);
        if (Yaml.Get(correlation, "aliases") is { } aliases)
        {
            throw new SigmaRuleException(aliases, "field name aliases are not supported.");
        }

        var references = Yaml.Texts(correlation, "rules");
        if (references.Count == 0)
        {
            throw new SigmaRuleException(correlation, "'rules' must name at least one rule.");
        }

        var referenced = new List<RawRule>();
        foreach (var (reference, node) in references)
        {
            if (!byReference.TryGetValue(reference, out var target))
            {
                throw new SigmaRuleException(node, $"the rule '{reference}' is not among the rules loaded.");
            }

            if (target.IsCorrelation)
            {
                throw new SigmaRuleException(node, $"'{reference}' is a correlation rule; chained correlations are not supported.");
            }

            if (target.Failed || target.Condition is null)
            {
                throw new SigmaRuleException(node, $"the rule '{reference}' it references could not be loaded.");
            }

            referenced.Add(target);
        }

        var window = SigmaRuleLoader.Timespan(Yaml.RequiredText(correlation, "timespan", correlation), Yaml.Get(correlation, "timespan")!);
        var groupBy = Yaml.Texts(correlation, "group-by").Select(g => Map(g.Text, options)).ToArray();
        var scope = groupBy.Length == 0 ? TriggerScope.Organization : TriggerScope.Properties(groupBy);
        var condition = Yaml.Map(correlation, "condition");
        Trigger trigger = typeText switch
        {
            "event_count" => new ThresholdTrigger(CountAtLeast(condition, correlation, allowField: false), window, scope),
            "value_count" => new DistinctTrigger(Field(condition, correlation, options), CountAtLeast(condition, correlation, allowField: true), window, scope),
            "value_sum" => new SumTrigger(Field(condition, correlation, options), SumAtLeast(condition, correlation), window, scope),
            "temporal" or "temporal_ordered" => Temporal(referenced, typeText == "temporal_ordered", condition, window, scope),
            _ => throw new SigmaRuleException(Yaml.Get(correlation, "type"), $"unknown correlation type '{typeText}'; expected event_count, value_count, value_sum, temporal or temporal_ordered."),
        };

        var operations = new List<string>();
        foreach (var target in referenced)
        {
            foreach (var operation in target.Operations!)
            {
                if (!operations.Contains(operation, StringComparer.OrdinalIgnoreCase))
                {
                    operations.Add(operation);
                }
            }
        }

        var distinctConditions = referenced.Distinct().Select(r => r.Condition!).ToArray();
        // generate: inside the correlation section (pySigma) or beside it (the specification lists it with level).
        var generate = (Yaml.Get(correlation, "generate") ?? Yaml.Get(root, "generate")) is YamlScalarNode g && Yaml.Boolean(g) == true;
        rule.Policy = new AlertPolicy
        {
            Id = rule.PolicyId!,
            Name = rule.Title!,
            Description = Yaml.Text(root, "description"),
            Enabled = SigmaRuleLoader.Enabled(root),
            Category = AlertCategory.ThreatManagement,
            Severity = SigmaRuleLoader.Severity(root),
            Operations = operations,
            Conditions = distinctConditions.Length == 1 ? distinctConditions[0] : new AnyCondition(distinctConditions),
            Trigger = trigger,
        };

        foreach (var target in referenced)
        {
            target.ReferencedWithoutGenerate = true;
            target.Generate |= generate;
        }
    }

    private static TemporalTrigger Temporal(List<RawRule> referenced, bool ordered, YamlMappingNode? condition, TimeSpan window, TriggerScope scope)
    {
        if (referenced.Count > TemporalTrigger.MaxSteps)
        {
            throw new SigmaRuleException(referenced[0].Root, $"a temporal correlation takes at most {TemporalTrigger.MaxSteps} rules.");
        }

        if (condition is not null && CountAtLeast(condition, condition, allowField: false) != referenced.Count)
        {
            throw new SigmaRuleException(condition, $"a temporal condition other than all {referenced.Count} rules (gte: {referenced.Count}) is not supported.");
        }

        return new TemporalTrigger(referenced.Select(r => r.Condition!).ToArray(), ordered, window, scope);
    }

    private static string Map(string field, SigmaLoadOptions options) =>
        options.FieldMappings.TryGetValue(field, out var mapped) ? mapped : field;

    private static string Field(YamlMappingNode? condition, YamlNode at, SigmaLoadOptions options) =>
        condition is null
            ? throw new SigmaRuleException(at, "'condition' is required.")
            : Map(Yaml.RequiredText(condition, "field", condition), options);

    /// <summary>The count N of "count ≥ N" from <c>gte: N</c> or <c>gt: N-1</c>.</summary>
    private static int CountAtLeast(YamlMappingNode? condition, YamlNode at, bool allowField)
    {
        var (op, value, node) = Criterion(condition, at, allowField);
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || (op == "gt" ? n < 0 || n == int.MaxValue : n < 1))
        {
            throw new SigmaRuleException(node, $"'{value}' is not a count this condition can use (gte: at least 1, gt: at least 0).");
        }

        return op == "gt" ? n + 1 : n;
    }

    /// <summary>The threshold X of "sum ≥ X" from <c>gte: X</c> or <c>gt</c> (the next larger double).</summary>
    private static double SumAtLeast(YamlMappingNode? condition, YamlNode at)
    {
        var (op, value, node) = Criterion(condition, at, allowField: true);
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) || !double.IsFinite(x))
        {
            throw new SigmaRuleException(node, $"'{value}' is not a number.");
        }

        x = op == "gt" ? Math.BitIncrement(x) : x;
        return x > 0 ? x : throw new SigmaRuleException(node, "the sum threshold must be greater than zero.");
    }

    private static (string Op, string Value, YamlNode Node) Criterion(YamlMappingNode? condition, YamlNode at, bool allowField)
    {
        if (condition is null)
        {
            throw new SigmaRuleException(at, "'condition' is required.");
        }

        (string, string, YamlNode)? found = null;
        foreach (var (keyNode, valueNode) in condition.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            if (key == "field" && allowField)
            {
                continue;
            }

            if (key is "gte" or "gt" && valueNode is YamlScalarNode { Value: { } v } && found is null)
            {
                found = (key, v, valueNode);
                continue;
            }

            throw new SigmaRuleException(keyNode, key is "lt" or "lte" or "eq" or "gt" or "gte"
                ? $"the condition '{key}' is not supported: a trigger fires when a count or sum reaches a value (use gte or gt, alone)."
                : $"unknown condition key '{key}'.");
        }

        return found ?? throw new SigmaRuleException(condition, "the condition needs gte or gt.");
    }
}
