using System.Security.Claims;

namespace AlertEngine.AspNetCore;

/// <summary>
/// Options of the endpoints mapped by <see cref="AlertEngineApiEndpointRouteBuilderExtensions.MapAlertEngineApi"/> and
/// <see cref="AlertEngineDashboardEndpointRouteBuilderExtensions.MapAlertEngineDashboard"/>. Read once when the endpoints
/// are mapped; do not change them afterwards.
/// </summary>
/// <remarks>
/// <para><b>Who the caller is.</b> Every request's <see cref="ClaimsPrincipal"/> (<c>HttpContext.User</c>) goes through
/// <see cref="MapCaller"/> (when set) and then, when <see cref="RoleClaimType"/> is set, is read with that claim type as
/// its role claims; the result is resolved by the <see cref="AlertRoleTable"/> of the registered
/// <see cref="AlertManager"/>, exactly as <see cref="AlertManager"/> and <see cref="AlertPolicyManager"/> do.</para>
/// </remarks>
public sealed class AlertEngineWebOptions
{
    /// <summary>The default of <see cref="MaxIngestBytes"/>: 16 MiB.</summary>
    public const long DefaultMaxIngestBytes = 16L * 1024 * 1024;

    /// <summary>
    /// The name of an ASP.NET Core authorization policy every endpoint of the group requires
    /// (<c>RequireAuthorization(name)</c>), on top of the role table; <see langword="null"/> (the default) for none.
    /// </summary>
    public string? AuthorizationPolicy { get; set; }

    /// <summary>
    /// The claim type that names the caller's role groups; <see langword="null"/> (the default) for each identity's own
    /// <see cref="ClaimsIdentity.RoleClaimType"/> (what <c>User.IsInRole</c> uses). Set it when your identity provider
    /// puts role groups in another claim, for example <c>"groups"</c>.
    /// </summary>
    public string? RoleClaimType { get; set; }

    /// <summary>
    /// Maps the request's principal to the principal the role table resolves (for example to translate group object
    /// ids into role group names); <see langword="null"/> (the default) uses the request's principal as it is. Called
    /// once per request; it must not return <see langword="null"/>.
    /// </summary>
    public Func<ClaimsPrincipal, ClaimsPrincipal>? MapCaller { get; set; }

    /// <summary>The largest ingest request body accepted, in bytes; a larger one is refused with 413 and nothing of it is
    /// evaluated. At least 1.</summary>
    public long MaxIngestBytes { get; set; } = DefaultMaxIngestBytes;

    /// <summary>
    /// How <c>POST policies/sigma</c> loads Sigma rules (placeholder values, field renames, log-source products);
    /// <see langword="null"/> (the default) for <see cref="Sigma.SigmaLoadOptions"/>' defaults.
    /// </summary>
    public Sigma.SigmaLoadOptions? SigmaOptions { get; set; }

    /// <summary>Alerts per page when the request does not say (at least 1, at most <see cref="MaxPageSize"/>).</summary>
    public int DefaultPageSize { get; set; } = 50;

    /// <summary>The largest page a request may ask for (at least 1).</summary>
    public int MaxPageSize { get; set; } = 500;

    internal void Validate()
    {
        var errors = new List<string>();
        if (MaxIngestBytes < 1)
        {
            errors.Add($"{nameof(MaxIngestBytes)} must be at least 1 (was {MaxIngestBytes}).");
        }

        if (MaxPageSize < 1)
        {
            errors.Add($"{nameof(MaxPageSize)} must be at least 1 (was {MaxPageSize}).");
        }

        if (DefaultPageSize < 1 || DefaultPageSize > MaxPageSize)
        {
            errors.Add($"{nameof(DefaultPageSize)} must be between 1 and {nameof(MaxPageSize)} ({MaxPageSize}) (was {DefaultPageSize}).");
        }

        if (RoleClaimType is { } type && string.IsNullOrWhiteSpace(type))
        {
            errors.Add($"{nameof(RoleClaimType)} must not be blank (null for the identity's own role claim type).");
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid AlertEngine web options:" + Environment.NewLine + string.Join(Environment.NewLine, errors));
        }
    }
}
