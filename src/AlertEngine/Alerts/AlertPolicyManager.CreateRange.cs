using System.Globalization;
using System.Security.Claims;

namespace AlertEngine;

/// <content>Creating several policies at once, all or nothing.</content>
public sealed partial class AlertPolicyManager
{
    /// <summary>
    /// Creates several <see cref="PolicyType.Custom"/> policies at once (for example every rule of a Sigma rule file),
    /// all or nothing: when any of them is refused, none is created. The same rules as <see cref="Create"/> apply to
    /// each.
    /// </summary>
    /// <param name="caller">The caller (needs Manage Alerts and every policy's category).</param>
    /// <param name="policies">The new policies; at least one.</param>
    /// <returns>The policies, or why not: <see cref="ManagementOutcome.Forbidden"/>, or <see cref="ManagementOutcome.Invalid"/>
    /// with every problem, paths starting with <c>policies[i]</c> where <c>i</c> indexes <paramref name="policies"/>.</returns>
    /// <exception cref="ArgumentException"><paramref name="policies"/> is empty or holds <see langword="null"/>.</exception>
    public ManagementResult<IReadOnlyList<AlertPolicy>> CreateRange(ClaimsPrincipal caller, IReadOnlyList<AlertPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(policies);
        policies = [.. policies];
        if (policies.Count == 0)
        {
            throw new ArgumentException("At least one policy is needed.", nameof(policies));
        }

        for (var i = 0; i < policies.Count; i++)
        {
            if (policies[i] is null)
            {
                throw new ArgumentException("The policies must not contain null.", nameof(policies));
            }
        }

        var permissions = Roles.Resolve(caller);
        if (!permissions.CanManagePolicies)
        {
            return Forbidden<IReadOnlyList<AlertPolicy>>(permissions, "Manage Alerts");
        }

        for (var i = 0; i < policies.Count; i++)
        {
            if (!permissions.CanSee(policies[i].Category))
            {
                return ManagementResult<IReadOnlyList<AlertPolicy>>.Failure(
                    ManagementOutcome.Forbidden, Path(i, ".category"), $"you may not manage policies of category {policies[i].Category}");
            }
        }

        lock (_gate)
        {
            var current = _pipeline.Policies;
            var errors = new List<ValidationError>();
            for (var i = 0; i < policies.Count; i++)
            {
                if (policies[i].Type != PolicyType.Custom)
                {
                    errors.Add(new(Path(i, ".type"), "System policies are built in and cannot be created; create a Custom policy"));
                }

                if (IndexOf(current, policies[i].Id) >= 0)
                {
                    errors.Add(new(Path(i, ".id"), $"a policy with id '{policies[i].Id}' already exists"));
                }
            }

            if (errors.Count > 0)
            {
                return ManagementResult<IReadOnlyList<AlertPolicy>>.Failure(ManagementOutcome.Invalid, errors);
            }

            var next = new List<AlertPolicy>(current);
            next.AddRange(policies);
            var invalid = Validate(next);
            if (invalid.Count > 0)
            {
                // The running policies come first: shift the paths of the new ones to index the caller's list.
                var prefix = "policies[";
                for (var i = 0; i < invalid.Count; i++)
                {
                    var path = invalid[i].Path;
                    var end = path.IndexOf(']', StringComparison.Ordinal);
                    if (path.StartsWith(prefix, StringComparison.Ordinal) && end > prefix.Length
                        && int.TryParse(path.AsSpan(prefix.Length, end - prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var index)
                        && index >= current.Count)
                    {
                        invalid[i] = invalid[i] with { Path = Path(index - current.Count, path[(end + 1)..]) };
                    }
                }

                return ManagementResult<IReadOnlyList<AlertPolicy>>.Failure(ManagementOutcome.Invalid, invalid);
            }

            _pipeline.UpdatePolicies(next);
        }

        foreach (var policy in policies)
        {
            LogPolicyChanged(_logger, "created", policy.Id, permissions.Name);
        }

        return ManagementResult<IReadOnlyList<AlertPolicy>>.Success(policies);
    }

    private static string Path(int index, string rest) => "policies[" + index.ToString(CultureInfo.InvariantCulture) + "]" + rest;
}
