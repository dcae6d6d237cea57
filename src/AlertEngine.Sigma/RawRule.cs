using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>One YAML document of a Sigma file on its way to a policy: read, compiled, and failed or not.
/// Single-threaded (the loader's working state).</summary>
internal sealed class RawRule(string file, YamlMappingNode root)
{
    public string File { get; } = file;

    public YamlMappingNode Root { get; } = root;

    public string? Id { get; private set; }

    public string? Name { get; private set; }

    public string? Title { get; private set; }

    /// <summary>The policy id: the rule's id, else its name.</summary>
    public string? PolicyId => Id ?? Name;

    public bool IsCorrelation => Yaml.Get(Root, "correlation") is not null;

    /// <summary>The compiled detection (detection rules).</summary>
    public Condition? Condition { get; private set; }

    /// <summary>The operations the detection pins (detection rules).</summary>
    public IReadOnlyList<string>? Operations { get; private set; }

    public AlertPolicy? Policy { get; set; }

    public bool Failed { get; private set; }

    /// <summary>Referenced by a correlation that does not say <c>generate: true</c>: loads disabled.</summary>
    public bool ReferencedWithoutGenerate { get; set; }

    /// <summary>Referenced by a correlation that says <c>generate: true</c>: stays enabled whatever else references it.</summary>
    public bool Generate { get; set; }

    /// <summary>Reads id, name and title (the parts errors need first).</summary>
    public void Header()
    {
        Title = SafeText("title");
        Id = SafeText("id");
        Name = SafeText("name");
        if (string.IsNullOrWhiteSpace(Title))
        {
            throw new SigmaRuleException(Root, "'title' is required.");
        }

        if (PolicyId is null)
        {
            throw new SigmaRuleException(Root, "the rule needs an 'id' (or a 'name') to become a policy.");
        }

        if (Yaml.Get(Root, "correlation") is not null && Yaml.Get(Root, "detection") is not null)
        {
            throw new SigmaRuleException(Root, "a rule has either 'detection' or 'correlation', not both.");
        }
    }

    public void CompileDetection(DetectionCompiler compiler, SigmaLoadOptions options)
    {
        var logsource = Yaml.Map(Root, "logsource") ?? throw new SigmaRuleException(Root, "'logsource' is required.");
        var product = Yaml.Text(logsource, "product");
        if (product is null || !options.Products.Contains(product, StringComparer.OrdinalIgnoreCase))
        {
            throw new SigmaRuleException(
                logsource,
                $"the logsource product '{product ?? "(none)"}' is not served: this engine evaluates Microsoft 365 audit activities (products {string.Join(", ", options.Products)}).");
        }

        var detection = Yaml.Map(Root, "detection") ?? throw new SigmaRuleException(Root, "'detection' is required.");
        var condition = compiler.Compile(detection);
        var operations = OperationSet.Of(condition) ?? throw new SigmaRuleException(
            detection,
            "the detection does not pin its operations: every path of the condition must select plain values of the field 'Operation' (this engine routes activities by operation).");
        if (operations.Count == 0)
        {
            throw new SigmaRuleException(detection, "the detection can match no operation (its Operation selections exclude each other).");
        }

        Condition = condition;
        Operations = operations;
        Policy = new AlertPolicy
        {
            Id = PolicyId!,
            Name = Title!,
            Description = Yaml.Text(Root, "description"),
            Enabled = SigmaRuleLoader.Enabled(Root),
            Category = AlertCategory.ThreatManagement,
            Severity = SigmaRuleLoader.Severity(Root),
            Operations = operations,
            Conditions = condition,
        };
    }

    public void Fail(SigmaRuleException e, List<SigmaLoadError> errors)
    {
        Failed = true;
        Policy = null;
        errors.Add(new SigmaLoadError(File, e.Line, PolicyId, Title, e.Message));
    }

    private string? SafeText(string key) => Yaml.Get(Root, key) is YamlScalarNode scalar && !Yaml.IsNull(scalar) ? scalar.Value : null;
}
