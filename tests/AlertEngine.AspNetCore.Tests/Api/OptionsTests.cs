using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace AlertEngine.AspNetCore.Tests.Api;

public sealed class OptionsTests
{
    [Fact]
    public void InvalidOptionsAreRefusedWhenMappedListingEveryProblem()
    {
        var builder = WebApplication.CreateBuilder();
        builder.Services.AddAlertEngine(_ => { });
        builder.Services.AddAntiforgery();
        using var app = builder.Build();

        var error = Assert.Throws<ArgumentException>(() => app.MapAlertEngineApi("/api", web =>
        {
            web.MaxIngestBytes = 0;
            web.MaxPageSize = 0;
            web.RoleClaimType = " ";
        }));

        Assert.Contains("MaxIngestBytes", error.Message, StringComparison.Ordinal);
        Assert.Contains("MaxPageSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("DefaultPageSize", error.Message, StringComparison.Ordinal);
        Assert.Contains("RoleClaimType", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => app.MapAlertEngineDashboard("/d", web => web.DefaultPageSize = 0));
    }
}
