using System.Globalization;
using AlertEngine.Sigma;

namespace AlertEngine.Replay;

/// <summary>The replay command's <c>--sigma</c> and <c>--sigma-options</c>: Sigma rules loaded as policies next to
/// <c>--policies</c>.</summary>
internal static class SigmaPolicies
{
    /// <summary>
    /// Loads the rules and adds their policies. A rule that cannot be loaded (or whose policy is invalid next to the
    /// others: a duplicate id, a correlation under a standard plan) is reported on stderr with its file, rule and
    /// reason; with <c>--skip-invalid</c> it is skipped, otherwise nothing is evaluated (false: exit code 2).
    /// </summary>
    public static bool TryAdd(ReplayArguments arguments, List<AlertPolicy> policies, TextWriter stderr, Action<string> error)
    {
        var options = new SigmaLoadOptions();
        if (arguments.SigmaOptionsPath is { } optionsPath)
        {
            try
            {
                options = SigmaLoadOptions.Parse(File.ReadAllText(optionsPath));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
            {
                error($"--sigma-options: {optionsPath}: {ex.Message}");
                return false;
            }
        }

        var result = SigmaRuleLoader.LoadPaths(arguments.SigmaPaths, options);
        var problems = result.Errors.Select(e => e.ToString()).ToList();
        var loaded = new List<AlertPolicy>();
        foreach (var policy in result.Policies)
        {
            // Each Sigma policy must also be valid next to the policies already there (ids, plan).
            var errors = PolicyValidator.Validate([.. policies, .. loaded, policy], arguments.Plan)
                .Where(e => e.Path.StartsWith(string.Create(CultureInfo.InvariantCulture, $"policies[{policies.Count + loaded.Count}]"), StringComparison.Ordinal))
                .ToList();
            if (errors.Count == 0)
            {
                loaded.Add(policy);
            }
            else
            {
                problems.AddRange(errors.Select(e => $"sigma rule {policy.Id} \"{policy.Name}\": {e.Message}"));
            }
        }

        foreach (var problem in problems)
        {
            stderr.WriteLine(problem);
        }

        if (problems.Count > 0 && !arguments.SkipInvalid)
        {
            error(string.Create(CultureInfo.InvariantCulture, $"--sigma: {problems.Count} rule(s) could not be loaded; nothing was evaluated (--skip-invalid skips them)"));
            return false;
        }

        if (problems.Count > 0)
        {
            stderr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"warning: --sigma: {problems.Count} rule(s) skipped"));
        }

        policies.AddRange(loaded);
        return true;
    }

    /// <summary>Whether every policy can be written in the JSON policy format; the first that cannot otherwise.</summary>
    public static bool CanWrite(IReadOnlyList<AlertPolicy> policies, out string? unwritable)
    {
        foreach (var policy in policies)
        {
            try
            {
                _ = PolicySerializer.Save([policy]);
            }
            catch (NotSupportedException)
            {
                unwritable = policy.Id;
                return false;
            }
        }

        unwritable = null;
        return true;
    }
}
