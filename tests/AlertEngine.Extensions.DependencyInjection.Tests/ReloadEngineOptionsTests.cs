using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>A reload that changes engine options (which only take effect at the next start) logs a warning (2203),
/// including for the options added with the newer triggers, the future tolerance and the anomaly model.</summary>
public class ReloadEngineOptionsTests
{
    [Theory]
    [InlineData("MaxValuesPerKey")]
    [InlineData("FutureTolerance")]
    [InlineData("AnomalyModel")]
    [InlineData("none")]
    public void Changing_an_engine_option_on_reload_is_reported_as_taking_effect_at_the_next_start(string option)
    {
        var changed = false;
        var source = new ManualChangeTokenSource();
        var logs = new TestLoggerProvider();
        var services = new ServiceCollection();
        services.AddLogging(b => b.AddProvider(logs));
        services.AddSingleton<IOptionsChangeTokenSource<AlertEngineServiceOptions>>(source);
        services.AddAlertEngine(o =>
        {
            o.Policies.Add(new AlertPolicy { Id = "p", Name = "P", Operations = ["FileDeleted"] });
            if (changed && option == "MaxValuesPerKey")
            {
                o.Engine.MaxValuesPerKey = 5;
            }

            if (changed && option == "AnomalyModel")
            {
                o.Engine.AnomalyModel = AnomalyModel.PerKey;
            }

            if (changed && option == "FutureTolerance")
            {
                o.Engine.FutureTolerance = TimeSpan.FromHours(2);
            }
        });
        using var provider = services.BuildServiceProvider();
        _ = provider.GetRequiredService<IAlertEngine>();

        changed = true;
        source.Fire();

        Assert.Single(logs.WithEventId(2201)); // the policies reloaded
        Assert.Equal(option == "none" ? 0 : 1, logs.WithEventId(2203).Count);
    }

    private sealed class ManualChangeTokenSource : IOptionsChangeTokenSource<AlertEngineServiceOptions>
    {
        private CancellationTokenSource _cts = new();

        public string Name => Options.DefaultName;

        public IChangeToken GetChangeToken() => new CancellationChangeToken(_cts.Token);

        public void Fire()
        {
            var old = _cts;
            _cts = new CancellationTokenSource();
            old.Cancel();
            old.Dispose();
        }
    }
}
