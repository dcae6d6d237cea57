using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// How Sigma rules are loaded: the values of <c>expand</c> placeholders, optional field renames, and the log-source
/// products this engine serves. Immutable; safe to share.
/// </summary>
public sealed record SigmaLoadOptions
{
    /// <summary>The products served by default: <c>m365</c>, <c>microsoft365</c>, <c>office365</c>, <c>azure</c>.</summary>
    public static IReadOnlyList<string> DefaultProducts { get; } = ["m365", "microsoft365", "office365", "azure"];

    /// <summary>The values of placeholders (<c>%name%</c> with the <c>expand</c> modifier), by name without the
    /// percent signs, case-insensitively. Each value is a Sigma value (wildcards apply). A rule that expands a
    /// placeholder missing here is not loaded.</summary>
    public IReadOnlyDictionary<string, IReadOnlyList<string>> Placeholders { get; init; } =
        new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Field renames applied to every field name of a rule before it is looked up (like a Sigma pipeline's
    /// field name mapping), case-insensitively. Names not listed are looked up as written. None by default: rules for
    /// the unified audit log use its field names (<c>Operation</c>, <c>UserId</c>, <c>ClientIP</c>, …).</summary>
    public IReadOnlyDictionary<string, string> FieldMappings { get; init; } =
        new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>The <c>logsource</c> products whose rules are loaded (case-insensitive); a detection rule for another
    /// product (or none) is an error. Default <see cref="DefaultProducts"/>.</summary>
    public IReadOnlyList<string> Products { get; init; } = DefaultProducts;

    /// <summary>
    /// Reads an options file (YAML):
    /// <code>
    /// placeholders:            # for the expand modifier
    ///   Administrators: [admin@contoso.com, 'svc-*']
    /// fieldmappings:           # optional field renames
    ///   SourceIp: ClientIP
    /// products: [m365, azure]  # optional; the default list otherwise
    /// </code>
    /// </summary>
    /// <param name="yaml">The file's text.</param>
    /// <returns>The options.</returns>
    /// <exception cref="InvalidDataException">The text is not YAML of this shape; the message names the line.</exception>
    public static SigmaLoadOptions Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        YamlStream? stream;
        try
        {
            stream = YamlLimits.Load(yaml, out var tooDeep) ?? throw new InvalidDataException($"line {tooDeep.Line}: {tooDeep.Message}");
        }
        catch (YamlException e)
        {
            throw new InvalidDataException($"line {e.Start.Line}: not valid YAML: {e.Message}", e);
        }

        if (stream.Documents.Count == 0)
        {
            return new SigmaLoadOptions();
        }

        if (YamlLimits.CheckAliases(stream.Documents[0].RootNode) is { } tooMuch)
        {
            throw new InvalidDataException($"line {stream.Documents[0].RootNode.Start.Line}: {tooMuch}");
        }

        if (stream.Documents[0].RootNode is not YamlMappingNode root)
        {
            throw new InvalidDataException($"line {stream.Documents[0].RootNode.Start.Line}: the options must be a mapping.");
        }

        var placeholders = new Dictionary<string, IReadOnlyList<string>>(StringComparer.OrdinalIgnoreCase);
        var mappings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        IReadOnlyList<string> products = DefaultProducts;
        foreach (var (keyNode, value) in root.Children)
        {
            var key = ((keyNode as YamlScalarNode)?.Value ?? string.Empty).ToUpperInvariant();
            switch (key)
            {
                case "PLACEHOLDERS":
                    foreach (var (name, values) in Mapping(value, "placeholders"))
                    {
                        placeholders[Scalar(name, "a placeholder name")] = Strings(values, "a placeholder's values");
                    }

                    break;
                case "FIELDMAPPINGS":
                    foreach (var (from, to) in Mapping(value, "fieldmappings"))
                    {
                        mappings[Scalar(from, "a field name")] = Scalar(to, "a field name");
                    }

                    break;
                case "PRODUCTS":
                    products = Strings(value, "products");
                    break;
                default:
                    throw new InvalidDataException($"line {keyNode.Start.Line}: unknown option '{(keyNode as YamlScalarNode)?.Value}'; expected placeholders, fieldmappings or products.");
            }
        }

        return new SigmaLoadOptions { Placeholders = placeholders, FieldMappings = mappings, Products = products };
    }

    private static IEnumerable<KeyValuePair<YamlNode, YamlNode>> Mapping(YamlNode node, string what) =>
        node as YamlMappingNode is { } map
            ? map.Children
            : throw new InvalidDataException($"line {node.Start.Line}: {what} must be a mapping.");

    private static string Scalar(YamlNode node, string what) =>
        node is YamlScalarNode { Value: { } text }
            ? text
            : throw new InvalidDataException($"line {node.Start.Line}: {what} must be a text.");

    private static string[] Strings(YamlNode node, string what) => node switch
    {
        YamlScalarNode scalar => [Scalar(scalar, what)],
        YamlSequenceNode sequence => sequence.Children.Select(n => Scalar(n, what)).ToArray(),
        _ => throw new InvalidDataException($"line {node.Start.Line}: {what} must be a text or a list of texts."),
    };
}
