using System.Security.Claims;

namespace AlertEngine.Tests.Management;

internal static class Principals
{
    public const string OrgManagement = "Organization Management";
    public const string SecurityAdministrator = "Security Administrator";
    public const string ComplianceAdministrator = "Compliance Administrator";
    public const string RecordsManagement = "Records Management";
    public const string EDiscoveryManager = "eDiscovery Manager";

    /// <summary>An authenticated caller with these role claims.</summary>
    public static ClaimsPrincipal Caller(string name, params string[] roles) =>
        new(new ClaimsIdentity(
            [new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))],
            authenticationType: "test"));

    /// <summary>The same claims, but not authenticated.</summary>
    public static ClaimsPrincipal Unauthenticated(string name, params string[] roles) =>
        new(new ClaimsIdentity([new Claim(ClaimTypes.Name, name), .. roles.Select(r => new Claim(ClaimTypes.Role, r))]));

    public static ClaimsPrincipal Admin => Caller("admin@contoso.com", OrgManagement);
}
