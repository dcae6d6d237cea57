namespace AlertEngine.AspNetCore.Api;

/// <summary>
/// Creating and replacing a policy from its JSON, for the API (<c>POST policies</c>, <c>PUT policies/{id}</c>) and the
/// dashboard's create and edit forms alike: the same checks in the same order, the domain rules left to
/// <see cref="AlertPolicyManager"/> (Manage Alerts, categories, the fields a System policy locks). Stateless.
/// </summary>
internal static class PolicyCommands
{
    /// <summary>Creates a custom policy from one policy object in the interchange format.</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="utf8Json">The JSON; <see langword="null"/> when it was larger than <see cref="PolicyJson.MaxBodyBytes"/>.</param>
    public static PolicyCommandResult Create(WebCaller caller, byte[]? utf8Json)
    {
        if (!caller.Permissions.CanManagePolicies)
        {
            return PolicyCommandResult.Forbidden($"{caller.Permissions.Name} needs the Manage Alerts role");
        }

        if (Read(caller, utf8Json, out var errors) is not { } policy)
        {
            return PolicyCommandResult.Invalid(errors);
        }

        return PolicyCommandResult.From(caller.Policies.Create(caller.Principal, policy));
    }

    /// <summary>Replaces policy <paramref name="id"/> with one policy object in the interchange format (same id).</summary>
    /// <param name="caller">The caller.</param>
    /// <param name="id">The policy's id (from the URL).</param>
    /// <param name="utf8Json">The JSON; <see langword="null"/> when it was larger than <see cref="PolicyJson.MaxBodyBytes"/>.</param>
    public static PolicyCommandResult Update(WebCaller caller, string id, byte[]? utf8Json)
    {
        var existing = caller.Policies.GetPolicy(caller.Principal, id);
        if (!existing.Succeeded)
        {
            return PolicyCommandResult.From(existing);
        }

        if (!caller.Permissions.CanManagePolicies)
        {
            return PolicyCommandResult.Forbidden($"{caller.Permissions.Name} needs the Manage Alerts role");
        }

        if (Read(caller, utf8Json, out var errors) is not { } policy)
        {
            return PolicyCommandResult.Invalid(errors);
        }

        if (!string.Equals(policy.Id, id, StringComparison.Ordinal))
        {
            return PolicyCommandResult.Invalid([new("policy.id", $"must be '{id}', the id in the URL (a policy's id cannot change)")]);
        }

        return PolicyCommandResult.From(caller.Policies.Update(caller.Principal, policy));
    }

    private static AlertPolicy? Read(WebCaller caller, byte[]? utf8Json, out IReadOnlyList<ValidationError> errors)
    {
        if (utf8Json is null)
        {
            errors = [new("policy", $"the policy is larger than {PolicyJson.MaxBodyBytes} bytes")];
            return null;
        }

        var loaded = PolicyJson.Read(utf8Json, caller.Engine.Pipeline.Options.Plan);
        errors = loaded.IsValid ? [] : loaded.Errors;
        return loaded.IsValid ? loaded.Value : null;
    }
}
