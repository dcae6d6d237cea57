using System.Security.Claims;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace AlertEngine;

/// <summary>
/// What administrators do with alert policies: view, create, edit, enable or disable, and delete them, applied to a
/// running <see cref="AlertPipeline"/> immediately (hot reload; see <see cref="AlertPipeline.UpdatePolicies"/> for
/// what happens to each policy's state). Every call goes through the caller's identity. Thread-safe: changes are
/// applied one at a time.
/// </summary>
/// <remarks>
/// <para><b>Permissions</b> (<see cref="AlertRoleTable"/>). Viewing policies needs the View-Only Manage Alerts or the
/// Manage Alerts role; creating, editing, enabling, disabling and deleting needs Manage Alerts
/// (<see cref="ManagementOutcome.Forbidden"/> otherwise). A caller only sees and changes policies of the alert
/// categories it may see: other policies are <see cref="ManagementOutcome.NotFound"/>, and a policy cannot be created in,
/// or moved to, a category the caller may not see.</para>
/// <para><b>Built-in policies</b> (<see cref="PolicyType.System"/>) cannot be created or deleted here (disable them
/// instead), and an edit may only change enabled and the notification settings (<see cref="PolicyChange"/>).</para>
/// <para><b>Effect.</b> Unlike the vendor service (which takes up to 24 hours), a change applies to the next activity
/// the pipeline evaluates. A disabled or deleted policy stops detecting; alerts it raised stay in the store.</para>
/// <para>Changes made here live in the pipeline. When the DI package reloads the policies from configuration
/// (<c>IOptionsMonitor</c>), the configured set replaces the running one, changes made here included: persist changes
/// to your configuration source if you use both.</para>
/// </remarks>
public sealed partial class AlertPolicyManager
{
    private readonly Lock _gate = new();
    private readonly AlertPipeline _pipeline;
    private readonly ILogger _logger;

    /// <summary>Creates a manager for a pipeline's policies.</summary>
    /// <param name="pipeline">The pipeline whose policies are managed.</param>
    /// <param name="roles">The role table; <see cref="AlertRoleTable.Default"/> when <see langword="null"/>.</param>
    /// <param name="logger">Logger; none by default.</param>
    public AlertPolicyManager(AlertPipeline pipeline, AlertRoleTable? roles = null, ILogger<AlertPolicyManager>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(pipeline);
        _pipeline = pipeline;
        Roles = roles ?? AlertRoleTable.Default;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The role table.</summary>
    public AlertRoleTable Roles { get; }

    /// <summary>The policies the caller may see, in the pipeline's order.</summary>
    /// <param name="caller">The caller.</param>
    /// <returns>The policies, or <see cref="ManagementOutcome.Forbidden"/> without a view role.</returns>
    public ManagementResult<IReadOnlyList<AlertPolicy>> GetPolicies(ClaimsPrincipal caller)
    {
        ArgumentNullException.ThrowIfNull(caller);
        var permissions = Roles.Resolve(caller);
        if (!permissions.CanViewPolicies)
        {
            return Forbidden<IReadOnlyList<AlertPolicy>>(permissions, "View-Only Manage Alerts or Manage Alerts");
        }

        var visible = new List<AlertPolicy>();
        foreach (var policy in _pipeline.Policies)
        {
            if (permissions.CanSee(policy.Category))
            {
                visible.Add(policy);
            }
        }

        return ManagementResult<IReadOnlyList<AlertPolicy>>.Success(visible);
    }

    /// <summary>Gets a policy the caller may see.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="id">The policy id.</param>
    /// <returns>The policy, <see cref="ManagementOutcome.Forbidden"/> or <see cref="ManagementOutcome.NotFound"/>.</returns>
    public ManagementResult<AlertPolicy> GetPolicy(ClaimsPrincipal caller, string id)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        var permissions = Roles.Resolve(caller);
        if (!permissions.CanViewPolicies)
        {
            return Forbidden<AlertPolicy>(permissions, "View-Only Manage Alerts or Manage Alerts");
        }

        return _pipeline.TryGetPolicy(id, out var policy) && permissions.CanSee(policy.Category)
            ? ManagementResult<AlertPolicy>.Success(policy)
            : NotFound<AlertPolicy>(id);
    }

    /// <summary>Creates a <see cref="PolicyType.Custom"/> policy and starts evaluating it.</summary>
    /// <param name="caller">The caller (needs Manage Alerts and the policy's category).</param>
    /// <param name="policy">The new policy.</param>
    /// <returns>The policy, or why not: <see cref="ManagementOutcome.Forbidden"/>, or <see cref="ManagementOutcome.Invalid"/>
    /// with every problem (paths start with <c>policy</c>).</returns>
    public ManagementResult<AlertPolicy> Create(ClaimsPrincipal caller, AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(policy);
        var permissions = Roles.Resolve(caller);
        if (!permissions.CanManagePolicies)
        {
            return Forbidden<AlertPolicy>(permissions, "Manage Alerts");
        }

        if (!permissions.CanSee(policy.Category))
        {
            return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Forbidden, "policy.category", $"you may not manage policies of category {policy.Category}");
        }

        lock (_gate)
        {
            var current = _pipeline.Policies;
            var errors = new List<ValidationError>();
            if (policy.Type != PolicyType.Custom)
            {
                errors.Add(new("policy.type", "System policies are built in and cannot be created; create a Custom policy"));
            }

            if (IndexOf(current, policy.Id) >= 0)
            {
                errors.Add(new("policy.id", $"a policy with id '{policy.Id}' already exists"));
            }

            if (errors.Count > 0)
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Invalid, errors);
            }

            var next = new List<AlertPolicy>(current) { policy };
            var result = Apply(next, current.Count);
            if (result is not null)
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Invalid, result);
            }
        }

        LogPolicyChanged(_logger, "created", policy.Id, permissions.Name);
        return ManagementResult<AlertPolicy>.Success(policy);
    }

    /// <summary>
    /// Replaces a policy with an edited version (same id). Built-in policies may only change enabled and the
    /// notification settings. Its state is kept or reset as <see cref="AlertPipeline.UpdatePolicies"/> describes.
    /// </summary>
    /// <param name="caller">The caller (needs Manage Alerts and the policy's old and new category).</param>
    /// <param name="policy">The edited policy.</param>
    /// <returns>The policy, or why not; a read-only field changed on a System policy is
    /// <see cref="ManagementOutcome.Invalid"/> with one error per field.</returns>
    public ManagementResult<AlertPolicy> Update(ClaimsPrincipal caller, AlertPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(policy.Id, nameof(policy));
        return Change(caller, policy.Id, _ => policy, "updated");
    }

    /// <summary>Enables or disables a policy (built-in or custom). A disabled policy stops detecting; its alerts stay.</summary>
    /// <param name="caller">The caller (needs Manage Alerts and the policy's category).</param>
    /// <param name="id">The policy id.</param>
    /// <param name="enabled">Whether the policy evaluates activities.</param>
    /// <returns>The policy after the change, or why not.</returns>
    public ManagementResult<AlertPolicy> SetEnabled(ClaimsPrincipal caller, string id, bool enabled)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        return Change(caller, id, existing => existing.Enabled == enabled ? existing : existing with { Enabled = enabled }, enabled ? "enabled" : "disabled");
    }

    /// <summary>Deletes a custom policy: it stops detecting and its state is dropped; its alerts stay in the store.
    /// Built-in policies cannot be deleted (disable them instead).</summary>
    /// <param name="caller">The caller (needs Manage Alerts and the policy's category).</param>
    /// <param name="id">The policy id.</param>
    /// <returns>The deleted policy, or why not.</returns>
    public ManagementResult<AlertPolicy> Delete(ClaimsPrincipal caller, string id)
    {
        ArgumentNullException.ThrowIfNull(caller);
        ArgumentNullException.ThrowIfNull(id);
        var permissions = Roles.Resolve(caller);
        if (!permissions.CanManagePolicies)
        {
            return Forbidden<AlertPolicy>(permissions, "Manage Alerts");
        }

        AlertPolicy existing;
        lock (_gate)
        {
            var current = _pipeline.Policies;
            var index = IndexOf(current, id);
            if (index < 0 || !permissions.CanSee(current[index].Category))
            {
                return NotFound<AlertPolicy>(id);
            }

            existing = current[index];
            if (existing.Type == PolicyType.System)
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Invalid, "policy.type", "built-in (System) policies cannot be deleted; disable them instead");
            }

            var next = new List<AlertPolicy>(current);
            next.RemoveAt(index);
            if (Apply(next, -1) is { } errors)
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Invalid, errors);
            }
        }

        LogPolicyChanged(_logger, "deleted", id, permissions.Name);
        return ManagementResult<AlertPolicy>.Success(existing);
    }

    /// <summary>
    /// Replaces the whole policy set (for example from reloaded configuration), without a caller: validated against
    /// the pipeline's plan and, for System policies, against the <see cref="SystemPolicyCatalog"/>. Nothing changes
    /// when anything is invalid.
    /// </summary>
    /// <param name="policies">The new set.</param>
    /// <returns>What changed, or <see cref="ManagementOutcome.Invalid"/> with every problem (paths start with <c>policies[i]</c>).</returns>
    public ManagementResult<PolicyUpdateSummary> ReplaceAll(IEnumerable<AlertPolicy> policies)
    {
        ArgumentNullException.ThrowIfNull(policies);
        var list = new List<AlertPolicy>(policies);
        lock (_gate)
        {
            var errors = Validate(list);
            if (errors.Count > 0)
            {
                return ManagementResult<PolicyUpdateSummary>.Failure(ManagementOutcome.Invalid, errors);
            }

            return ManagementResult<PolicyUpdateSummary>.Success(_pipeline.UpdatePolicies(list));
        }
    }

    private ManagementResult<AlertPolicy> Change(ClaimsPrincipal caller, string id, Func<AlertPolicy, AlertPolicy> edit, string verb)
    {
        var permissions = Roles.Resolve(caller);
        if (!permissions.CanManagePolicies)
        {
            return Forbidden<AlertPolicy>(permissions, "Manage Alerts");
        }

        AlertPolicy proposed;
        lock (_gate)
        {
            var current = _pipeline.Policies;
            var index = IndexOf(current, id);
            if (index < 0 || !permissions.CanSee(current[index].Category))
            {
                return NotFound<AlertPolicy>(id);
            }

            var existing = current[index];
            proposed = edit(existing);
            if (ReferenceEquals(proposed, existing))
            {
                return ManagementResult<AlertPolicy>.Success(existing);
            }

            var errors = new List<ValidationError>(PolicyChange.Validate(existing, proposed));
            if (errors.Count > 0)
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Invalid, errors);
            }

            if (!permissions.CanSee(proposed.Category))
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Forbidden, "policy.category", $"you may not manage policies of category {proposed.Category}");
            }

            var next = new List<AlertPolicy>(current);
            next[index] = proposed;
            if (Apply(next, index) is { } invalid)
            {
                return ManagementResult<AlertPolicy>.Failure(ManagementOutcome.Invalid, invalid);
            }
        }

        LogPolicyChanged(_logger, verb, id, permissions.Name);
        return ManagementResult<AlertPolicy>.Success(proposed);
    }

    /// <summary>Validates and applies a new set; returns the errors (paths of policy <paramref name="focus"/> rewritten to <c>policy</c>), or null when applied.</summary>
    private List<ValidationError>? Apply(List<AlertPolicy> next, int focus)
    {
        var errors = Validate(next);
        if (errors.Count > 0)
        {
            var prefix = $"policies[{focus}]";
            for (var i = 0; i < errors.Count; i++)
            {
                var path = errors[i].Path;
                if (focus >= 0 && path.StartsWith(prefix, StringComparison.Ordinal))
                {
                    errors[i] = errors[i] with { Path = "policy" + path[prefix.Length..] };
                }
            }

            return errors;
        }

        _pipeline.UpdatePolicies(next);
        return null;
    }

    private List<ValidationError> Validate(List<AlertPolicy> policies)
    {
        var errors = new List<ValidationError>();
        if (policies.Contains(null!))
        {
            errors.Add(new("policies", "must not contain null"));
            return errors;
        }

        errors.AddRange(PolicyValidator.Validate(policies, _pipeline.Options.Plan));
        errors.AddRange(SystemPolicyCatalog.Validate(policies));
        return errors;
    }

    private static int IndexOf(IReadOnlyList<AlertPolicy> policies, string id)
    {
        for (var i = 0; i < policies.Count; i++)
        {
            if (string.Equals(policies[i].Id, id, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }

    private static ManagementResult<T> Forbidden<T>(AlertPermissions permissions, string role) =>
        ManagementResult<T>.Failure(ManagementOutcome.Forbidden, string.Empty, $"{permissions.Name} needs the {role} role");

    private static ManagementResult<T> NotFound<T>(string id) =>
        ManagementResult<T>.Failure(ManagementOutcome.NotFound, "id", $"no policy '{id}' that you may see");

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Policy {PolicyId} {Change} by {ChangedBy}")]
    private static partial void LogPolicyChanged(ILogger logger, string change, string policyId, string changedBy);
}
