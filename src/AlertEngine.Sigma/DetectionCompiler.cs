using System.Net;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// Turns a Sigma rule's <c>detection</c> section into a condition tree of the core model (<see cref="AllCondition"/>,
/// <see cref="AnyCondition"/>, <see cref="NotCondition"/>, <see cref="PropertyCondition"/>,
/// <see cref="IpAddressesCondition"/>, and the internal <see cref="RegexCondition"/> for what globs cannot say), so
/// the compiled delegate is the one a hand-built policy gets.
/// </summary>
internal sealed class DetectionCompiler(SigmaLoadOptions options)
{
    private static readonly HashSet<string> UnsupportedModifiers = new(StringComparer.Ordinal)
    {
        "base64", "base64offset", "utf16le", "utf16be", "utf16", "wide", "windash", "lt", "lte", "gt", "gte",
        "fieldref", "minute", "hour", "day", "week", "month", "year", "neq",
    };

    /// <summary>Compiles the detection section.</summary>
    public Condition Compile(YamlMappingNode detection)
    {
        YamlNode? conditionNode = null;
        var identifiers = new Dictionary<string, (YamlNode Node, Condition Condition)>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var (keyNode, value) in detection.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new SigmaRuleException(keyNode, "a detection key must be a text.");
            switch (key)
            {
                case "condition":
                    conditionNode = value;
                    break;
                case "timeframe":
                    throw new SigmaRuleException(keyNode, "'timeframe' (Sigma 1 aggregations) is not supported; use a correlation rule.");
                default:
                    identifiers[key] = (keyNode, CompileSearch(key, value));
                    order.Add(key);
                    break;
            }
        }

        if (conditionNode is null)
        {
            throw new SigmaRuleException(detection, "the detection has no 'condition'.");
        }

        if (order.Count == 0)
        {
            throw new SigmaRuleException(detection, "the detection has no search identifiers.");
        }

        var searches = new Dictionary<string, Condition>(StringComparer.Ordinal);
        foreach (var name in order)
        {
            searches[name] = identifiers[name].Condition;
        }

        switch (conditionNode)
        {
            case YamlScalarNode { Value: { } text }:
                return SigmaConditionParser.Parse(text, order, searches, conditionNode);
            case YamlSequenceNode sequence when sequence.Children.Count > 0:
                var alternatives = new List<Condition>();
                foreach (var item in sequence.Children)
                {
                    alternatives.Add(item is YamlScalarNode { Value: { } t }
                        ? SigmaConditionParser.Parse(t, order, searches, item)
                        : throw new SigmaRuleException(item, "a condition must be a text."));
                }

                return alternatives.Count == 1 ? alternatives[0] : new AnyCondition(alternatives);
            default:
                throw new SigmaRuleException(conditionNode, "'condition' must be a text or a list of texts.");
        }
    }

    /// <summary>A search identifier: a map (AND of its fields) or a list of maps (OR).</summary>
    private Condition CompileSearch(string name, YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                return CompileMap(map);
            case YamlSequenceNode sequence when sequence.Children.Count > 0 && sequence.Children.All(c => c is YamlMappingNode):
                var maps = sequence.Children.Select(c => CompileMap((YamlMappingNode)c)).ToArray();
                return maps.Length == 1 ? maps[0] : new AnyCondition(maps);
            default:
                throw new SigmaRuleException(
                    node,
                    $"search identifier '{name}' is a keyword search (values without a field), which is not supported: an activity has no full log message to search; name the field.");
        }
    }

    private Condition CompileMap(YamlMappingNode map)
    {
        if (map.Children.Count == 0)
        {
            throw new SigmaRuleException(map, "a search map must not be empty.");
        }

        var parts = new List<Condition>();
        foreach (var (keyNode, value) in map.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? throw new SigmaRuleException(keyNode, "a field name must be a text.");
            parts.Add(CompileField(key, keyNode, value));
        }

        return parts.Count == 1 ? parts[0] : new AllCondition(parts);
    }

    private Condition CompileField(string key, YamlNode keyNode, YamlNode valueNode)
    {
        var segments = key.Split('|');
        var field = segments[0];
        if (field.Length == 0)
        {
            throw new SigmaRuleException(keyNode, "a keyword search (a key without a field name) is not supported: name the field.");
        }

        if (options.FieldMappings.TryGetValue(field, out var mapped))
        {
            field = mapped;
        }

        // Field names and plain values are interned: rules are loaded once, and an activity built in code with the same
        // literal (new Activity(id, time, "FileDeleted")) then compares by reference first, as a hand-built policy would.
        field = string.Intern(field);

        var m = Modifiers.Parse(segments, keyNode);
        var values = Values(valueNode);
        if (m.Exists)
        {
            if (values is not [{ Node: YamlScalarNode scalar }] || Yaml.Boolean(scalar) is not { } exists)
            {
                throw new SigmaRuleException(valueNode, "the exists modifier takes true or false.");
            }

            var present = new PropertyCondition(field, PropertyOperator.Matches, ["*"]);
            return exists ? present : new NotCondition(present);
        }

        if (values.Count == 0)
        {
            throw new SigmaRuleException(valueNode, $"field '{field}' has an empty list of values.");
        }

        var plain = new List<string>();
        var others = new List<Condition>();
        foreach (var (text, node) in values)
        {
            if (text is null)
            {
                if (m.HasValueModifier)
                {
                    throw new SigmaRuleException(node, "null cannot be combined with value modifiers.");
                }

                // null: the field is absent or empty.
                others.Add(new NotCondition(new PropertyCondition(field, PropertyOperator.Matches, ["?*"])));
                continue;
            }

            foreach (var expanded in m.Expand ? ExpandPlaceholders(text, node) : [text])
            {
                CompileValue(field, m, expanded, node, m.All ? null : plain, others);
            }
        }

        if (plain.Count > 0)
        {
            others.Insert(0, plain.Count == 1
                ? new PropertyCondition(field, PropertyOperator.Equals, plain)
                : new PropertyCondition(field, PropertyOperator.In, plain));
        }

        if (m.Cidr && !m.All && others.Count > 1)
        {
            // Every value of a cidr list is a network of one ipAddresses condition.
            others = [new IpAddressesCondition(others.SelectMany(o => ((IpAddressesCondition)o).Ranges).ToArray())];
        }

        return others.Count == 1 ? others[0] : m.All ? new AllCondition(others) : new AnyCondition(others);
    }

    /// <summary>Adds the condition for one value: plain values go to <paramref name="plain"/> when given (merged into
    /// one <c>in</c>), everything else to <paramref name="others"/>.</summary>
    private static void CompileValue(string field, Modifiers m, string text, YamlNode node, List<string>? plain, List<Condition> others)
    {
        if (m.Re)
        {
            var regex = new RegexCondition(field, text, m.ReIgnoreCase, m.ReMultiline, m.ReSingleline);
            try
            {
                _ = regex.ToRegex();
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException)
            {
                throw new SigmaRuleException(node, $"'{text}' is not a regular expression that runs without backtracking: {e.Message}");
            }

            others.Add(regex);
            return;
        }

        if (m.Cidr)
        {
            if (ActivityFields.Resolve(field) != ActivityField.ClientIp)
            {
                throw new SigmaRuleException(node, $"the cidr modifier is supported on the client IP field (ClientIP) only, not on '{field}'.");
            }

            others.Add(IPNetwork.TryParse(text, out var network)
                ? new IpAddressesCondition([network])
                : throw new SigmaRuleException(node, $"'{text}' is not a CIDR network (e.g. 10.0.0.0/8)."));
            return;
        }

        var value = SigmaString.Parse(text);
        if (m.Contains || m.EndsWith)
        {
            value = value.PrependStar();
        }

        if (m.Contains || m.StartsWith)
        {
            value = value.AppendStar();
        }

        if (m.Cased || value.HasLiteralWildcardCharacters)
        {
            others.Add(new RegexCondition(field, value.ToRegex(), IgnoreCase: !m.Cased, Multiline: false, Singleline: true));
        }
        else if (value.HasWildcards)
        {
            others.Add(new PropertyCondition(field, PropertyOperator.Matches, [value.Text()]));
        }
        else if (plain is not null)
        {
            plain.Add(string.Intern(value.Text()));
        }
        else
        {
            others.Add(new PropertyCondition(field, PropertyOperator.Equals, [string.Intern(value.Text())]));
        }
    }

    /// <summary>Replaces each <c>%name%</c> by each of the placeholder's values (<c>\%</c> is a plain percent).</summary>
    private List<string> ExpandPlaceholders(string text, YamlNode node)
    {
        var results = new List<string> { string.Empty };
        var i = 0;
        while (i < text.Length)
        {
            if (text[i] == '\\' && i + 1 < text.Length && text[i + 1] == '%')
            {
                Append(results, "%");
                i += 2;
                continue;
            }

            if (text[i] == '%')
            {
                var end = text.IndexOf('%', i + 1);
                if (end < 0)
                {
                    throw new SigmaRuleException(node, $"'{text}' has an unterminated placeholder.");
                }

                var name = text[(i + 1)..end];
                if (!options.Placeholders.TryGetValue(name, out var values) || values.Count == 0)
                {
                    throw new SigmaRuleException(node, $"placeholder %{name}% has no values; define it in the Sigma options file.");
                }

                var next = new List<string>(results.Count * values.Count);
                foreach (var prefix in results)
                {
                    foreach (var value in values)
                    {
                        next.Add(prefix + value);
                    }
                }

                results = next;
                i = end + 1;
                continue;
            }

            Append(results, text[i].ToString());
            i++;
        }

        return results;

        static void Append(List<string> list, string s)
        {
            for (var k = 0; k < list.Count; k++)
            {
                list[k] += s;
            }
        }
    }

    /// <summary>A field's values: one scalar or a list of scalars; a YAML null is <see langword="null"/>.</summary>
    private static List<(string? Text, YamlNode Node)> Values(YamlNode node)
    {
        var result = new List<(string?, YamlNode)>();
        switch (node)
        {
            case YamlScalarNode scalar:
                result.Add((Yaml.IsNull(scalar) ? null : scalar.Value ?? string.Empty, scalar));
                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    result.Add(item is YamlScalarNode s
                        ? (Yaml.IsNull(s) ? null : s.Value ?? string.Empty, s)
                        : throw new SigmaRuleException(item, "a field's values must be texts, numbers, booleans or null."));
                }

                break;
            default:
                throw new SigmaRuleException(node, "a field's value must be a text, a number, a boolean, null or a list of them.");
        }

        return result;
    }

    /// <summary>The modifiers of a field key (<c>Field|mod1|mod2</c>).</summary>
    private sealed class Modifiers
    {
        public bool Contains, StartsWith, EndsWith, All, Re, ReIgnoreCase, ReMultiline, ReSingleline, Cidr, Exists, Expand, Cased;

        /// <summary>Whether a modifier changes how a value compares (all of them but <c>all</c> and <c>expand</c>).</summary>
        public bool HasValueModifier => Contains || StartsWith || EndsWith || Re || Cidr || Cased;

        public static Modifiers Parse(string[] segments, YamlNode at)
        {
            var m = new Modifiers();
            for (var i = 1; i < segments.Length; i++)
            {
                var name = segments[i];
                switch (name)
                {
                    case "contains": m.Contains = true; break;
                    case "startswith": m.StartsWith = true; break;
                    case "endswith": m.EndsWith = true; break;
                    case "all": m.All = true; break;
                    case "re": m.Re = true; break;
                    case "i" or "m" or "s" when m.Re:
                        m.ReIgnoreCase |= name == "i";
                        m.ReMultiline |= name == "m";
                        m.ReSingleline |= name == "s";
                        break;
                    case "cidr": m.Cidr = true; break;
                    case "exists": m.Exists = true; break;
                    case "expand": m.Expand = true; break;
                    case "cased": m.Cased = true; break;
                    case var _ when UnsupportedModifiers.Contains(name):
                        throw new SigmaRuleException(at, $"the modifier '{name}' is not supported by this engine.");
                    default:
                        throw new SigmaRuleException(at, $"unknown modifier '{name}'.");
                }
            }

            var shapes = (m.Contains ? 1 : 0) + (m.StartsWith ? 1 : 0) + (m.EndsWith ? 1 : 0) + (m.Re ? 1 : 0) + (m.Cidr ? 1 : 0);
            if (shapes > 1 || (m.Exists && segments.Length > 2) || (m.Cased && (m.Re || m.Cidr)))
            {
                throw new SigmaRuleException(at, $"the modifiers of '{string.Join('|', segments)}' cannot be combined.");
            }

            return m;
        }
    }
}
