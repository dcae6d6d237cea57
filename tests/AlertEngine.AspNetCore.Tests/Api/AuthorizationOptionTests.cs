using System.Net;
using System.Security.Claims;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class AuthorizationOptionTests
{
    [Fact]
    public async Task AnAuthorizationPolicyCanGuardTheWholeGroup()
    {
        await using var app = await new AlertEngineAppFactory(web => web.AuthorizationPolicy = "SecurityTeam").SeededAsync();
        var outsider = app.As("admin", Roles.OrgManagement);
        var member = app.As("admin", Roles.OrgManagement);
        member.DefaultRequestHeaders.Add("X-Test-Team", "security");

        Assert.Equal(HttpStatusCode.Forbidden, (await outsider.GetApiAsync("/alerts")).StatusCode);
        Assert.Equal(TestApp.Categories.Length, (await member.AlertIdsAsync()).Count);
    }

    [Fact]
    public async Task RolesCanComeFromAnotherClaimType()
    {
        await using var app = await new AlertEngineAppFactory(web => web.RoleClaimType = "groups").SeededAsync();

        Assert.Equal([TestApp.AlertId(AlertCategory.InformationGovernance, 1)], await app.As("r", Roles.RecordsManagement).AlertIdsAsync());
    }

    [Fact]
    public async Task TheCallerCanBeMapped()
    {
        static ClaimsPrincipal Map(ClaimsPrincipal user) =>
            new(new ClaimsIdentity([new Claim(ClaimTypes.Name, user.Identity!.Name!), new Claim(ClaimTypes.Role, Roles.RecordsManagement)], "mapped"));
        await using var app = await new AlertEngineAppFactory(web => web.MapCaller = Map).SeededAsync();

        Assert.Equal([TestApp.AlertId(AlertCategory.InformationGovernance, 1)], await app.As("someone", Roles.OrgManagement).AlertIdsAsync());
    }
}
