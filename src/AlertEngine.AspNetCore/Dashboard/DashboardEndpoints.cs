using Microsoft.AspNetCore.Routing;

namespace AlertEngine.AspNetCore.Dashboard;

/// <summary>The dashboard's routes.</summary>
internal static class DashboardEndpoints
{
    public static void Map(RouteGroupBuilder group, AlertEngineWebOptions options, EngineHealth health)
    {
        _ = group;
        _ = options;
        _ = health;
    }
}
