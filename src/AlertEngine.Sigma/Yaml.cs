using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>Small readers over YamlDotNet's representation model that fail with a <see cref="SigmaRuleException"/>
/// naming the line.</summary>
internal static class Yaml
{
    /// <summary>The node under <paramref name="key"/> (exact, as Sigma attribute names are lower case), or null.</summary>
    public static YamlNode? Get(YamlMappingNode map, string key)
    {
        foreach (var (k, v) in map.Children)
        {
            if (k is YamlScalarNode { Value: { } name } && name == key)
            {
                return v;
            }
        }

        return null;
    }

    /// <summary>The text of an optional scalar attribute.</summary>
    public static string? Text(YamlMappingNode map, string key)
    {
        var node = Get(map, key);
        return node switch
        {
            null => null,
            YamlScalarNode scalar when IsNull(scalar) => null,
            YamlScalarNode scalar => scalar.Value,
            _ => throw new SigmaRuleException(node, $"'{key}' must be a text."),
        };
    }

    /// <summary>The text of a required scalar attribute.</summary>
    public static string RequiredText(YamlMappingNode map, string key, YamlNode at) =>
        Text(map, key) is { Length: > 0 } text ? text : throw new SigmaRuleException(Get(map, key) ?? at, $"'{key}' is required.");

    /// <summary>A mapping attribute, or null when absent.</summary>
    public static YamlMappingNode? Map(YamlMappingNode map, string key) => Get(map, key) switch
    {
        null => null,
        YamlMappingNode m => m,
        var other => throw new SigmaRuleException(other, $"'{key}' must be a mapping."),
    };

    /// <summary>A scalar or a list of scalars as texts; absent gives an empty list.</summary>
    public static List<(string Text, YamlNode Node)> Texts(YamlMappingNode map, string key)
    {
        var result = new List<(string, YamlNode)>();
        switch (Get(map, key))
        {
            case null:
                break;
            case YamlScalarNode scalar when !IsNull(scalar):
                result.Add((scalar.Value ?? string.Empty, scalar));
                break;
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    result.Add(item is YamlScalarNode { Value: { } text } s && !IsNull(s)
                        ? (text, item)
                        : throw new SigmaRuleException(item, $"'{key}' must list texts."));
                }

                break;
            case var other:
                throw new SigmaRuleException(other, $"'{key}' must be a text or a list of texts.");
        }

        return result;
    }

    /// <summary>Whether a scalar is YAML null (plain <c>null</c>, <c>~</c>, <c>Null</c>, <c>NULL</c> or empty).</summary>
    public static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style == ScalarStyle.Plain && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    /// <summary>Whether a scalar is a YAML boolean, and which.</summary>
    public static bool? Boolean(YamlScalarNode scalar) => scalar.Style != ScalarStyle.Plain ? null : scalar.Value switch
    {
        "true" or "True" or "TRUE" => true,
        "false" or "False" or "FALSE" => false,
        _ => null,
    };
}
