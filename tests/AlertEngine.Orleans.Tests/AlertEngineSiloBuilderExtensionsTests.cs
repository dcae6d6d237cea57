using Microsoft.Extensions.DependencyInjection;
using Orleans.Hosting;

namespace AlertEngine.Orleans.Tests;

public class AlertEngineSiloBuilderExtensionsTests
{
    private static AlertPolicy Threshold(string id, int count) => new()
    {
        Id = id,
        Name = id,
        Operations = ["FileDeleted"],
        Trigger = new ThresholdTrigger(count, TimeSpan.FromMinutes(10), TriggerScope.User),
    };

    [Fact]
    public void Every_problem_is_listed_with_its_path()
    {
        var silo = new TestSiloBuilder();
        var ex = Assert.Throws<ArgumentException>(() => silo.AddAlertEngine(o =>
        {
            o.Policies.Add(Threshold("t", 0));
            o.Partitions = 0;
        }));

        Assert.Contains("policies[0].trigger.count", ex.Message, StringComparison.Ordinal);
        Assert.Contains("partitions: must be at least 1", ex.Message, StringComparison.Ordinal);
        Assert.Empty(silo.Services);
    }

    [Fact]
    public void Invalid_engine_options_are_listed()
    {
        var ex = Assert.Throws<ArgumentException>(() => new TestSiloBuilder().AddAlertEngine(o => o.Engine = new AlertEngineOptions { MaxActivitiesPerAlert = 0 }));
        Assert.Contains("maxActivitiesPerAlert", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void The_anomaly_dispersion_grid_is_accepted()
    {
        // Issue 15's internal switch: the grains exchange the prior's totals (GridClusterTests), as the in-process
        // partitioned engine does; it used to be refused with a NotSupportedException.
        var silo = new TestSiloBuilder();
        silo.AddAlertEngine(o => o.Engine = new AlertEngineOptions { AnomalyProfileFitLimit = 2, AnomalyDispersionGrid = true });
        using var services = silo.Services.BuildServiceProvider();
        Assert.True(services.GetRequiredService<EngineRegistry>().Get(AlertEngineClusterOptions.DefaultEngineName).Options.AnomalyDispersionGrid);
    }

    [Fact]
    public void Engines_are_registered_by_name_with_a_default_store_and_clock()
    {
        var silo = new TestSiloBuilder();
        silo.AddAlertEngine(o => o.Policies.Add(Threshold("t", 3)));
        silo.AddAlertEngine("other", o => o.Partitions = 3);
        Assert.Throws<ArgumentException>(() => silo.AddAlertEngine("other", _ => { }));

        using var services = silo.Services.BuildServiceProvider();
        var registry = services.GetRequiredService<EngineRegistry>();
        Assert.Equal(AlertEngineClusterOptions.DefaultPartitions, registry.Get(AlertEngineClusterOptions.DefaultEngineName).Partitions);
        Assert.Equal("t", Assert.Single(registry.Get(AlertEngineClusterOptions.DefaultEngineName).Policies).Id);
        Assert.Equal(3, registry.Get("other").Partitions);
        Assert.IsType<InMemoryAlertStore>(services.GetRequiredService<IAlertStore>());
        Assert.Same(TimeProvider.System, services.GetRequiredService<TimeProvider>());
        var missing = Assert.Throws<InvalidOperationException>(() => registry.Get("nope"));
        Assert.Contains("'nope'", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_store_registered_before_is_kept()
    {
        var silo = new TestSiloBuilder();
        var store = new InMemoryAlertStore();
        silo.Services.AddSingleton<IAlertStore>(store);
        silo.AddAlertEngine(_ => { });
        using var services = silo.Services.BuildServiceProvider();
        Assert.Same(store, services.GetRequiredService<IAlertStore>());
    }

    private sealed class TestSiloBuilder : ISiloBuilder
    {
        public IServiceCollection Services { get; } = new ServiceCollection();

        public Microsoft.Extensions.Configuration.IConfiguration Configuration { get; } =
            new Microsoft.Extensions.Configuration.ConfigurationBuilder().Build();
    }
}
