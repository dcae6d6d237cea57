using System.Globalization;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// Loads Sigma rules (SigmaHQ specification v2: detection rules and correlation rules) from YAML as
/// <see cref="AlertPolicy"/> objects, as the interchange spec's "Sigma rules" section says.
/// </summary>
/// <remarks>
/// <para><b>Detection rules</b> become every-time policies: id = the rule's <c>id</c> (its <c>name</c> when it has no
/// id), name = <c>title</c>, description, severity from <c>level</c> (informational → Informational, low → Low,
/// medium or absent → Medium, high and critical → High), category ThreatManagement, aggregation as the plan's
/// default. Status <c>deprecated</c> or <c>unsupported</c> loads the policy disabled. The engine routes activities by
/// operation, so the detection must pin its operations with a plain selection on <c>Operation</c> on every path of
/// its condition; those become the policy's activities.</para>
/// <para><b>Correlation rules</b> (<c>event_count</c> → threshold, <c>value_count</c> → distinct, <c>value_sum</c> →
/// sum, <c>temporal</c>/<c>temporal_ordered</c> → <see cref="TemporalTrigger"/>) reference detection rules of the same
/// load by id or name; their policy tracks the union of the referenced rules' operations, its condition is any of the
/// referenced rules' conditions, and its scope is the <c>group-by</c> fields (none: the organization). Conditions
/// accept <c>gte</c> and <c>gt</c> (and for temporal, all the referenced rules). A detection rule referenced by a
/// correlation loads disabled unless the correlation says <c>generate: true</c> (the specification's default is that
/// only the correlation produces alerts).</para>
/// <para><b>Errors</b> name the file, the rule's id and title, and the YAML line; a rule with an error gives no policy
/// (nor does a correlation that references it). Thread-safe: the loader holds no state.</para>
/// </remarks>
public static class SigmaRuleLoader
{
    /// <summary>Loads every <c>.yml</c>/<c>.yaml</c> file given, or found under a folder given (recursively, in
    /// ordinal path order).</summary>
    /// <param name="paths">Files and folders.</param>
    /// <param name="options">Load options; defaults when <see langword="null"/>.</param>
    /// <returns>The policies and errors. A path that does not exist or cannot be read is an error of the result.</returns>
    public static SigmaLoadResult LoadPaths(IEnumerable<string> paths, SigmaLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(paths);
        var sources = new List<SigmaSource>();
        var errors = new List<SigmaLoadError>();
        foreach (var path in paths)
        {
            try
            {
                if (Directory.Exists(path))
                {
                    var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
                        .Where(f => f.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase))
                        .Order(StringComparer.Ordinal);
                    foreach (var file in files)
                    {
                        sources.Add(new SigmaSource(file, File.ReadAllText(file)));
                    }
                }
                else if (File.Exists(path))
                {
                    sources.Add(new SigmaSource(path, File.ReadAllText(path)));
                }
                else
                {
                    errors.Add(new SigmaLoadError(path, null, null, null, "no such file or folder."));
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                errors.Add(new SigmaLoadError(path, null, null, null, "cannot be read: " + e.Message));
            }
        }

        var result = Load(sources, options);
        return errors.Count == 0 ? result : new SigmaLoadResult(result.Policies, [.. errors, .. result.Errors]);
    }

    /// <summary>Loads the rules of one YAML text.</summary>
    /// <param name="yaml">The text (one or more YAML documents).</param>
    /// <param name="file">The name errors report.</param>
    /// <param name="options">Load options; defaults when <see langword="null"/>.</param>
    /// <returns>The policies and errors.</returns>
    public static SigmaLoadResult LoadText(string yaml, string file = "<text>", SigmaLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        ArgumentNullException.ThrowIfNull(file);
        return Load([new SigmaSource(file, yaml)], options);
    }

    /// <summary>Loads the rules of several sources together (a correlation may reference a rule of another source).</summary>
    /// <param name="sources">The sources.</param>
    /// <param name="options">Load options; defaults when <see langword="null"/>.</param>
    /// <returns>The policies and errors.</returns>
    public static SigmaLoadResult Load(IEnumerable<SigmaSource> sources, SigmaLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(sources);
        options ??= new SigmaLoadOptions();
        var errors = new List<SigmaLoadError>();
        var rules = new List<RawRule>();
        foreach (var source in sources)
        {
            ArgumentNullException.ThrowIfNull(source);
            ReadDocuments(source, rules, errors);
        }

        var compiler = new DetectionCompiler(options);
        var byReference = new Dictionary<string, RawRule>(StringComparer.Ordinal);
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            try
            {
                rule.Header();
                if (!ids.Add(rule.PolicyId!))
                {
                    throw new SigmaRuleException(rule.Root, $"the id '{rule.PolicyId}' is used by another rule.");
                }

                if (!rule.IsCorrelation)
                {
                    rule.CompileDetection(compiler, options);
                }
            }
            catch (SigmaRuleException e)
            {
                rule.Fail(e, errors);
            }

            foreach (var reference in new[] { rule.Id, rule.Name })
            {
                if (reference is not null)
                {
                    byReference.TryAdd(reference, rule);
                }
            }
        }

        foreach (var rule in rules)
        {
            if (rule.IsCorrelation && !rule.Failed)
            {
                try
                {
                    CorrelationBuilder.Build(rule, byReference, options);
                }
                catch (SigmaRuleException e)
                {
                    rule.Fail(e, errors);
                }
            }
        }

        // What the engine would refuse is a load error here, so a loaded rule always runs (nothing half-loaded later):
        // e.g. a condition nested deeper than the engine's limit. The plan is the caller's to check.
        foreach (var rule in rules)
        {
            if (!rule.Failed && rule.Policy is { } compiled && PolicyValidator.Validate([compiled], Plan.E5) is { Count: > 0 } refused)
            {
                // Every distinct problem (the same one is often reported at several paths of one condition tree).
                var problems = new List<string>();
                foreach (var problem in refused)
                {
                    if (!problems.Contains(problem.Message))
                    {
                        problems.Add(problem.Message);
                    }
                }

                rule.Fail(new SigmaRuleException(rule.Root, "the engine refuses the policy this rule compiles to: " + string.Join("; ", problems) + "."), errors);
            }
        }

        var policies = new List<AlertPolicy>();
        foreach (var rule in rules)
        {
            if (!rule.Failed && rule.Policy is { } policy)
            {
                policies.Add(rule.ReferencedWithoutGenerate && !rule.Generate ? policy with { Enabled = false } : policy);
            }
        }

        return new SigmaLoadResult(policies, errors);
    }

    private static void ReadDocuments(SigmaSource source, List<RawRule> rules, List<SigmaLoadError> errors)
    {
        YamlStream? stream;
        try
        {
            stream = YamlLimits.Load(source.Text, out var tooDeep);
            if (stream is null)
            {
                errors.Add(new SigmaLoadError(source.File, tooDeep.Line, null, null, tooDeep.Message));
                return;
            }
        }
        catch (YamlException e)
        {
            errors.Add(new SigmaLoadError(source.File, (int)e.Start.Line, null, null, "not valid YAML: " + e.Message));
            return;
        }

        foreach (var document in stream.Documents)
        {
            if (YamlLimits.CheckAliases(document.RootNode) is { } tooMuch)
            {
                errors.Add(new SigmaLoadError(source.File, (int)document.RootNode.Start.Line, null, null, tooMuch));
            }
            else if (document.RootNode is YamlMappingNode root)
            {
                rules.Add(new RawRule(source.File, root));
            }
            else if (document.RootNode is not YamlScalarNode { Value: null or "" })
            {
                errors.Add(new SigmaLoadError(source.File, (int)document.RootNode.Start.Line, null, null, "a Sigma rule must be a YAML mapping."));
            }
        }
    }

    /// <summary>Maps a Sigma level to a severity.</summary>
    internal static AlertSeverity Severity(YamlMappingNode root) => Yaml.Text(root, "level") switch
    {
        null or "medium" => AlertSeverity.Medium,
        "informational" => AlertSeverity.Informational,
        "low" => AlertSeverity.Low,
        "high" or "critical" => AlertSeverity.High,
        var other => throw new SigmaRuleException(Yaml.Get(root, "level"), $"unknown level '{other}'; expected informational, low, medium, high or critical."),
    };

    /// <summary>Whether a rule's status loads it enabled.</summary>
    internal static bool Enabled(YamlMappingNode root) => Yaml.Text(root, "status") switch
    {
        null or "stable" or "test" or "experimental" => true,
        "deprecated" or "unsupported" => false,
        var other => throw new SigmaRuleException(Yaml.Get(root, "status"), $"unknown status '{other}'; expected stable, test, experimental, deprecated or unsupported."),
    };

    /// <summary>Parses a Sigma timespan (<c>30s</c>, <c>5m</c>, <c>1h</c>, <c>7d</c>).</summary>
    internal static TimeSpan Timespan(string text, YamlNode at)
    {
        if (text.Length >= 2
            && long.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            && n > 0)
        {
            var unit = text[^1] switch
            {
                's' => TimeSpan.TicksPerSecond,
                'm' => TimeSpan.TicksPerMinute,
                'h' => TimeSpan.TicksPerHour,
                'd' => TimeSpan.TicksPerDay,
                _ => 0,
            };
            if (unit > 0 && n <= TimeSpan.MaxValue.Ticks / unit)
            {
                return TimeSpan.FromTicks(n * unit);
            }
        }

        throw new SigmaRuleException(at, $"'{text}' is not a timespan (a positive number followed by s, m, h or d).");
    }
}
