using Microsoft.Extensions.DependencyInjection;
using Orleans;
using Orleans.Hosting;

namespace AlertEngine.Orleans.Tests.Docs;

/// <summary>The code of docs/scale-out.md, compiled here and copied into the document (see CONTRIBUTING.md).</summary>
internal static class ScaleOutExamples
{
    public static void ConfigureSilo(ISiloBuilder siloBuilder, IReadOnlyList<AlertPolicy> policies)
    {
        // snippet: silo
        // every silo (same configuration on each)
        siloBuilder
            .AddMemoryGrainStorage(AlertEngineClusterOptions.StorageName) // a durable provider in production
            .AddAlertEngine(options =>
            {
                foreach (var policy in policies)
                {
                    options.Policies.Add(policy);
                }

                options.Engine = new AlertEngineOptions { Plan = Plan.E5 };
                options.Partitions = 16;
            });
        siloBuilder.Services.AddSingleton<IAlertStore, InMemoryAlertStore>(); // one shared store in a real cluster
        // end snippet
    }

    public static async Task<AlertBatchResult> SendAsync(IGrainFactory client, IReadOnlyList<Activity> activities)
    {
        // snippet: client
        // a client (or a grain: GrainFactory.GetAlertEngine())
        var engine = client.GetAlertEngine();
        var next = await engine.GetLastBatchNumberAsync() + 1;
        var result = await engine.ProcessAsync(next, activities); // returns once durably evaluated
        // end snippet
        return result;
    }
}

public class ScaleOutExamplesTests(ClusterFixture clusters) : IClassFixture<ClusterFixture>
{
    [Fact]
    public void The_documented_silo_configuration_registers_the_engine()
    {
        var silo = new TestSiloBuilder();
        ScaleOutExamples.ConfigureSilo(silo, [new AlertPolicy { Id = "p", Name = "P", Operations = ["Op"] }]);
        using var services = silo.Services.BuildServiceProvider();
        var engine = services.GetRequiredService<EngineRegistry>().Get(AlertEngineClusterOptions.DefaultEngineName);
        Assert.Equal((16, "p"), (engine.Partitions, Assert.Single(engine.Policies).Id));
    }

    [Fact]
    public async Task The_documented_client_code_sends_the_next_batch()
    {
        var cluster = await clusters.GetAsync(1);
        var (engine, _) = cluster.AddEngine([], new AlertEngineOptions(), 2, AlertEngineClusterOptions.DefaultEngineName);
        await engine.ProcessAsync(1, [new Activity("a1", new DateTimeOffset(2026, 3, 2, 0, 0, 0, TimeSpan.Zero), "Op")], TestContext.Current.CancellationToken);

        var result = await ScaleOutExamples.SendAsync(cluster.Cluster.Client, [new Activity("a2", new DateTimeOffset(2026, 3, 2, 0, 0, 1, TimeSpan.Zero), "Op")]);

        Assert.Equal(2, result.BatchNumber);
        Assert.False(result.AlreadyApplied);
    }

    private sealed class TestSiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public Microsoft.Extensions.Configuration.IConfiguration Configuration { get; } =
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
    }
}
