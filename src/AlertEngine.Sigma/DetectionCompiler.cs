using System.Globalization;
using System.Net;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// Turns a Sigma rule's <c>detection</c> section into a condition tree of the core model (<see cref="AllCondition"/>,
/// <see cref="AnyCondition"/>, <see cref="NotCondition"/>, <see cref="PropertyCondition"/>,
/// <see cref="IpAddressesCondition"/>, and the internal <see cref="RegexCondition"/>, <see cref="NumberCondition"/>,
/// <see cref="NetworkCondition"/> and <see cref="FieldRefCondition"/> for what the policy format cannot say), so the
/// compiled delegate is the one a hand-built policy gets. Every modifier of the modifiers appendix (SigmaHQ
/// specification v2.1) is supported; string modifiers apply in key order (<c>|wide|base64offset|contains</c>).
/// </summary>
internal sealed class DetectionCompiler(SigmaLoadOptions options)
{
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

        field = MapField(field);
        var m = Modifiers.Parse(field, segments, keyNode);
        var values = Values(valueNode);
        if (m.Exists)
        {
            if (values is not [{ Node: YamlScalarNode scalar }] || Yaml.Boolean(scalar) is not { } exists)
            {
                throw new SigmaRuleException(valueNode, $"field '{field}': the exists modifier takes true or false.");
            }

            var present = Present(field);
            return exists ? present : new NotCondition(present);
        }

        if (values.Count == 0)
        {
            throw new SigmaRuleException(valueNode, $"field '{field}' has an empty list of values.");
        }

        // Each value gives a group (a value that expands, by placeholders, windash or base64offset, gives the OR of its
        // variants); the groups are linked with OR, or AND with |all. Without |all every variant of every value is one
        // OR, and the plain ones merge into one 'in'.
        var groups = new List<Condition>();
        var plain = new List<string>();
        var others = new List<Condition>();
        foreach (var (text, node) in values)
        {
            if (text is null)
            {
                if (m.HasValueModifier)
                {
                    throw new SigmaRuleException(node, $"field '{field}': null cannot be combined with value modifiers.");
                }

                // null: the field is absent or empty.
                others.Add(new NotCondition(new PropertyCondition(field, PropertyOperator.Matches, ["?*"])));
            }
            else
            {
                foreach (var expanded in m.Expand ? ExpandPlaceholders(text, node) : [text])
                {
                    CompileValue(field, m, expanded, node, plain, others);
                }
            }

            if (m.All)
            {
                groups.Add(Group(m, plain, others));
                plain.Clear();
                others.Clear();
            }
        }

        if (!m.All)
        {
            groups.Add(Group(m, plain, others));
        }

        var result = groups.Count == 1 ? groups[0] : m.All ? new AllCondition(groups) : new AnyCondition(groups);

        // neq: the field has a value and it is none of the values (the entry without neq does not hold).
        return m.Neq ? new AllCondition([Present(field), new NotCondition(result)]) : result;
    }

    /// <summary>A field name after the mapping file's renames, interned.</summary>
    private string MapField(string field)
    {
        if (options.FieldMappings.TryGetValue(field, out var mapped))
        {
            field = mapped;
        }

        // Field names and plain values are interned: rules are loaded once, and an activity built in code with the same
        // literal (new Activity(id, time, "FileDeleted")) then compares by reference first, as a hand-built policy would.
        return string.Intern(field);
    }

    /// <summary>The field has a value (exists: true).</summary>
    private static PropertyCondition Present(string field) => new(field, PropertyOperator.Matches, ["*"]);

    /// <summary>The OR of one group: the plain values as one equals/in first, then the others (cidr networks merged into
    /// one condition).</summary>
    private static Condition Group(Modifiers m, List<string> plain, List<Condition> others)
    {
        var parts = new List<Condition>(others.Count + 1);
        if (plain.Count > 0)
        {
            parts.Add(plain.Count == 1
                ? new PropertyCondition(m.Field, PropertyOperator.Equals, [.. plain])
                : new PropertyCondition(m.Field, PropertyOperator.In, [.. plain]));
        }

        if (m.Cidr && others.Count > 1 && others.TrueForAll(o => o is NetworkCondition or IpAddressesCondition))
        {
            // Every value of a cidr list is a network of one condition.
            var ranges = others.SelectMany(o => o is NetworkCondition n ? n.Ranges : ((IpAddressesCondition)o).Ranges).ToArray();
            parts.Add(others[0] is IpAddressesCondition ? new IpAddressesCondition(ranges) : new NetworkCondition(m.Field, ranges));
        }
        else
        {
            parts.AddRange(others);
        }

        return parts.Count == 1 ? parts[0] : new AnyCondition(parts);
    }

    /// <summary>Adds the conditions for one value: plain values go to <paramref name="plain"/> (merged into one
    /// <c>in</c>), everything else to <paramref name="others"/>.</summary>
    private void CompileValue(string field, Modifiers m, string text, YamlNode node, List<string> plain, List<Condition> others)
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
                throw new SigmaRuleException(node, $"field '{field}': '{text}' is not a regular expression that runs without backtracking: {e.Message}");
            }

            others.Add(regex);
            return;
        }

        if (m.Cidr)
        {
            if (!IPNetwork.TryParse(text, out var network))
            {
                throw new SigmaRuleException(node, $"field '{field}': '{text}' is not a CIDR network (e.g. 10.0.0.0/8).");
            }

            // On the client IP it is the policy format's ipAddresses condition; elsewhere the text is read as an address.
            others.Add(ActivityFields.Resolve(field) == ActivityField.ClientIp
                ? new IpAddressesCondition([network])
                : new NetworkCondition(field, [network]));
            return;
        }

        if (m.FieldRef)
        {
            if (text.Length == 0)
            {
                throw new SigmaRuleException(node, $"field '{field}': the fieldref modifier takes field names.");
            }

            others.Add(new FieldRefCondition(field, MapField(text), m.Cased));
            return;
        }

        if (m.Comparison is not null || m.Part != DatePart.None)
        {
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) || !double.IsFinite(number))
            {
                throw new SigmaRuleException(node, $"field '{field}': the {m.NumericName} modifier takes numbers, not '{text}'.");
            }

            others.Add(new NumberCondition(field, m.Comparison ?? NumberComparison.Equal, number, m.Part));
            return;
        }

        List<SigmaString> variants = [SigmaString.Parse(text)];
        foreach (var transform in m.Transforms)
        {
            variants = Transform(field, transform, variants, node);
        }

        foreach (var value in variants)
        {
            AddString(field, m, value, plain, others);
        }
    }

    /// <summary>Applies one string modifier, in the order the key gives them (pySigma's order semantics).</summary>
    private static List<SigmaString> Transform(string field, string modifier, List<SigmaString> values, YamlNode node)
    {
        var result = new List<SigmaString>(values.Count);
        foreach (var value in values)
        {
            switch (modifier)
            {
                case "contains":
                    result.Add(value.PrependStar().AppendStar());
                    break;
                case "startswith":
                    result.Add(value.AppendStar());
                    break;
                case "endswith":
                    result.Add(value.PrependStar());
                    break;
                case "windash":
                    result.Add(value.WithDashClasses());
                    break;
                case "utf16le" or "wide" or "utf16be" or "utf16":
                    foreach (var plainValue in WithoutDashes(field, modifier, value, node))
                    {
                        result.Add(plainValue.EncodeUtf16(bigEndian: modifier == "utf16be", byteOrderMark: modifier == "utf16"));
                    }

                    break;
                default: // base64, base64offset
                    foreach (var plainValue in WithoutDashes(field, modifier, value, node))
                    {
                        if (plainValue.HasWildcards)
                        {
                            throw new SigmaRuleException(node, $"field '{field}': the {modifier} modifier cannot encode wildcards (put contains, startswith or endswith after it).");
                        }

                        var bytes = plainValue.Bytes();
                        if (modifier == "base64")
                        {
                            result.Add(SigmaString.Literal(Convert.ToBase64String(bytes)));
                        }
                        else
                        {
                            foreach (var offset in Base64Offsets(bytes))
                            {
                                // A value of one or two bytes has shifts whose every character depends on the bytes
                                // around it: an empty variant would turn `contains` into "matches everything".
                                if (offset.Length != 0)
                                {
                                    result.Add(SigmaString.Literal(offset));
                                }
                            }
                        }
                    }

                    break;
            }
        }

        return result;
    }

    /// <summary>The windash variants of a value an encoding modifier needs one by one.</summary>
    private static List<SigmaString> WithoutDashes(string field, string modifier, SigmaString value, YamlNode node)
    {
        if (!value.HasDashes)
        {
            return [value];
        }

        return value.DashVariants <= MaxEncodedDashVariants
            ? value.ExpandDashes()
            : throw new SigmaRuleException(node, $"field '{field}': windash before {modifier} gives {value.DashVariants} variants to encode; at most {MaxEncodedDashVariants} (5 dashes) are encoded.");
    }

    /// <summary>The most windash variants an encoding modifier after windash encodes one by one.</summary>
    private const int MaxEncodedDashVariants = 3125;

    /// <summary>The most windash variants a value is expanded to as plain values; above, it is one regular expression.</summary>
    private const int MaxPlainDashVariants = 25;

    /// <summary><c>base64offset</c>: the three encodings of the value shifted by 0, 1 and 2 bytes, without the leading and
    /// trailing characters that depend on the bytes around it.</summary>
    internal static string[] Base64Offsets(byte[] value)
    {
        ReadOnlySpan<int> start = [0, 2, 3];
        ReadOnlySpan<int> endTrim = [0, 3, 2];
        var result = new string[3];
        for (var shift = 0; shift < 3; shift++)
        {
            var shifted = new byte[shift + value.Length];
            value.CopyTo(shifted, shift);
            var encoded = Convert.ToBase64String(shifted);
            var end = encoded.Length - endTrim[(value.Length + shift) % 3];
            result[shift] = end > start[shift] ? encoded[start[shift]..end] : string.Empty;
        }

        return result;
    }

    /// <summary>Adds the condition for one string value: a plain value, a glob, or (case-sensitive, literal wildcard
    /// characters, many windash variants) a regular expression.</summary>
    private static void AddString(string field, Modifiers m, SigmaString value, List<string> plain, List<Condition> others)
    {
        if (value.HasDashes)
        {
            if (value.DashVariants > MaxPlainDashVariants)
            {
                others.Add(new RegexCondition(field, value.ToRegex(), IgnoreCase: !m.Cased, Multiline: false, Singleline: true));
                return;
            }

            foreach (var variant in value.ExpandDashes())
            {
                AddString(field, m, variant, plain, others);
            }

            return;
        }

        if (m.Cased || value.HasLiteralWildcardCharacters)
        {
            others.Add(new RegexCondition(field, value.ToRegex(), IgnoreCase: !m.Cased, Multiline: false, Singleline: true));
        }
        else if (value.HasWildcards)
        {
            others.Add(new PropertyCondition(field, PropertyOperator.Matches, [value.Text()]));
        }
        else
        {
            plain.Add(string.Intern(value.Text()));
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

    /// <summary>The modifiers of a field key (<c>Field|mod1|mod2</c>), checked against the chaining rules of the
    /// modifiers appendix (SigmaHQ specification v2).</summary>
    private sealed class Modifiers
    {
        public bool All, Re, ReIgnoreCase, ReMultiline, ReSingleline, Cidr, Exists, Expand, Cased, Neq, FieldRef;

        public NumberComparison? Comparison;

        public DatePart Part;

        public string NumericName = string.Empty;

        /// <summary>The string modifiers in key order: contains, startswith, endswith, windash, utf16le/wide, utf16be,
        /// utf16, base64, base64offset.</summary>
        public List<string> Transforms = [];

        public string Field = string.Empty;

        /// <summary>Whether a modifier changes how a value compares (all of them but <c>all</c> and <c>expand</c>).</summary>
        public bool HasValueModifier => Transforms.Count > 0 || Re || Cidr || Cased || Neq || FieldRef || Comparison is not null || Part != DatePart.None;

        public static Modifiers Parse(string field, string[] segments, YamlNode at)
        {
            var m = new Modifiers { Field = field };
            var seen = new HashSet<string>(StringComparer.Ordinal);
            var key = string.Join('|', segments);
            for (var i = 1; i < segments.Length; i++)
            {
                var name = segments[i];
                if (!seen.Add(name == "wide" ? "utf16le" : name))
                {
                    throw new SigmaRuleException(at, $"field '{field}': the modifier '{name}' is repeated in '{key}'.");
                }

                switch (name)
                {
                    case "contains" or "startswith" or "endswith" or "windash" or "base64" or "base64offset" or "utf16le" or "utf16be" or "utf16" or "wide":
                        m.Transforms.Add(name);
                        break;
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
                    case "neq": m.Neq = true; break;
                    case "fieldref": m.FieldRef = true; break;
                    case "lt" or "lte" or "gt" or "gte":
                        if (m.Comparison is not null)
                        {
                            throw new SigmaRuleException(at, $"field '{field}': '{key}' has more than one of lt, lte, gt, gte.");
                        }

                        m.Comparison = name switch
                        {
                            "lt" => NumberComparison.Less,
                            "lte" => NumberComparison.LessOrEqual,
                            "gt" => NumberComparison.Greater,
                            _ => NumberComparison.GreaterOrEqual,
                        };
                        m.NumericName = m.NumericName.Length == 0 ? name : m.NumericName + "|" + name;
                        break;
                    case "minute" or "hour" or "day" or "week" or "month" or "year":
                        if (m.Part != DatePart.None || m.Comparison is not null)
                        {
                            throw new SigmaRuleException(at, $"field '{field}': in '{key}' one time modifier comes first, then at most one of lt, lte, gt, gte.");
                        }

                        m.Part = Enum.Parse<DatePart>(name, ignoreCase: true);
                        m.NumericName = name;
                        break;
                    default:
                        throw new SigmaRuleException(at, $"field '{field}': unknown modifier '{name}'.");
                }
            }

            // What a value is compared as: at most one kind; the string modifiers go with plain string values only.
            var numeric = m.Comparison is not null || m.Part != DatePart.None;
            var kinds = (m.Re ? 1 : 0) + (m.Cidr ? 1 : 0) + (m.FieldRef ? 1 : 0) + (numeric ? 1 : 0) + (m.Exists ? 1 : 0);
            var shapes = m.Transforms.Count(t => t is "contains" or "startswith" or "endswith");
            var encodings = m.Transforms.Count(t => t is "base64" or "base64offset");
            var utf16 = m.Transforms.Count(t => t is "utf16le" or "utf16be" or "utf16" or "wide");
            if (kinds > 1
                || (kinds == 1 && m.Transforms.Count > 0)
                || shapes > 1 || encodings > 1 || utf16 > 1
                || (m.Exists && segments.Length > 2)
                || (m.Cased && (m.Re || m.Cidr || numeric))
                || (m.FieldRef && m.Expand))
            {
                throw new SigmaRuleException(at, $"field '{field}': the modifiers of '{key}' cannot be combined.");
            }

            return m;
        }
    }
}
