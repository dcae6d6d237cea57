using System.Globalization;
using AlertEngine.Sigma;

namespace AlertEngine.AspNetCore.Api;

/// <summary>
/// Sigma rules (YAML, SigmaHQ specification v2) created as policies, all or nothing: the rules are loaded with
/// <see cref="SigmaRuleLoader"/> exactly as the replay's <c>--sigma</c> loads them, and their policies are created together
/// with <see cref="AlertPolicyManager.CreateRange"/>; a rule that does not load, or a policy that is refused (a duplicate
/// id, a correlation the plan does not allow, a category the caller may not manage), creates nothing. Stateless.
/// </summary>
internal static class SigmaPolicyCommands
{
    /// <summary>The name loader errors give the request body.</summary>
    public const string SourceName = "request";

    /// <summary>Loads the rules of <paramref name="yaml"/> and creates their policies.</summary>
    public static PolicyRangeResult Create(WebCaller caller, string yaml, SigmaLoadOptions? options)
    {
        if (!caller.Permissions.CanManagePolicies)
        {
            return new(ManagementOutcome.Forbidden, [], [new(string.Empty, $"{caller.Permissions.Name} needs the Manage Alerts role")]);
        }

        var loaded = SigmaRuleLoader.LoadText(yaml, SourceName, options);
        if (!loaded.IsValid)
        {
            var errors = new List<ValidationError>(loaded.Errors.Count);
            foreach (var error in loaded.Errors)
            {
                errors.Add(new(Where(error.Line, error.RuleId), Rule(error.RuleId, error.Title) + error.Message));
            }

            return new(ManagementOutcome.Invalid, [], errors);
        }

        if (loaded.Policies.Count == 0)
        {
            return new(ManagementOutcome.Invalid, [], [new("yaml", "the body holds no Sigma rule")]);
        }

        var created = caller.Policies.CreateRange(caller.Principal, loaded.Policies);
        if (created.Succeeded)
        {
            return new(ManagementOutcome.Succeeded, created.Value, []);
        }

        // Name the rule of each refused policy: "policies[i].x" indexes the loaded policies.
        var refused = new List<ValidationError>(created.Errors.Count);
        foreach (var error in created.Errors)
        {
            if (Index(error.Path, loaded.Policies.Count) is { } i)
            {
                var policy = loaded.Policies[i.Index];
                refused.Add(new(Where(null, policy.Id), Rule(policy.Id, policy.Name) + (i.Tail.Length == 0 ? string.Empty : "policy" + i.Tail + ": ") + error.Message));
            }
            else
            {
                refused.Add(error);
            }
        }

        return new(created.Outcome, [], refused);
    }

    private static string Where(int? line, string? ruleId) =>
        line is { } l ? "line " + l.ToString(CultureInfo.InvariantCulture)
        : ruleId is not null ? "rule " + ruleId
        : "yaml";

    private static string Rule(string? id, string? title) => (id, title) switch
    {
        (null, null) => string.Empty,
        (_, null) => $"rule {id}: ",
        (null, _) => $"rule \"{title}\": ",
        _ => $"rule {id} \"{title}\": ",
    };

    private static (int Index, string Tail)? Index(string path, int count)
    {
        const string Prefix = "policies[";
        var end = path.IndexOf(']', StringComparison.Ordinal);
        return path.StartsWith(Prefix, StringComparison.Ordinal) && end > Prefix.Length
            && int.TryParse(path.AsSpan(Prefix.Length, end - Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
            && index < count
            ? (index, path[(end + 1)..])
            : null;
    }
}
