using System.Reflection;

namespace AlertEngine.Tests.Engine;

/// <summary>The engine's copies of its options keep every setting (a copy that left one out silently ran the Orleans
/// partitions without the anomaly profile switch).</summary>
public sealed class AlertEngineOptionsCopyTests
{
    private static readonly PropertyInfo[] Settings =
        typeof(AlertEngineOptions).GetProperties(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic);

    [Fact]
    public void A_copy_keeps_every_setting()
    {
        var source = NonDefault();
        var copy = source.Copy();
        foreach (var property in Settings)
        {
            Assert.True(Equals(property.GetValue(source), property.GetValue(copy)), $"Copy() lost {property.Name}");
        }
    }

    [Fact]
    public void A_copy_with_activity_records_keeps_every_other_setting()
    {
        var source = NonDefault(keepActivityRecords: false);
        var copy = source.WithActivityRecords();
        Assert.True(copy.KeepActivityRecords);
        foreach (var property in Settings)
        {
            if (property.Name != nameof(AlertEngineOptions.KeepActivityRecords))
            {
                Assert.True(Equals(property.GetValue(source), property.GetValue(copy)), $"WithActivityRecords() lost {property.Name}");
            }
        }
    }

    /// <summary>Options whose every property differs from a fresh instance's (checked, so a new setting this test does
    /// not know fails here rather than passing unchecked).</summary>
    private static AlertEngineOptions NonDefault(bool keepActivityRecords = true)
    {
        Func<string, TimeZoneInfo?> zones = _ => TimeZoneInfo.Utc;
        var options = new AlertEngineOptions
        {
            KeepActivityRecords = keepActivityRecords,
            Plan = Plan.E3,
            DuplicateHorizon = TimeSpan.FromHours(3),
            AllowedLateness = TimeSpan.FromMinutes(7),
            FutureTolerance = TimeSpan.FromHours(5),
            MaxActivitiesPerAlert = 17,
            MaxTrackedKeysPerPolicy = 1234,
            MaxValuesPerKey = 9,
            ThresholdResolution = TimeSpan.FromSeconds(5),
            TimeZone = TimeZoneInfo.CreateCustomTimeZone("test+2", TimeSpan.FromHours(2), "test+2", "test+2"),
            AnomalyKeyTimeZone = zones,
            AnomalyModel = AnomalyModel.PerKey,
            AnomalyProfileFitLimit = 2.5,
            AnomalyDispersionGrid = false,
        };
        var fresh = new AlertEngineOptions();
        foreach (var property in Settings)
        {
            if (property.Name == nameof(AlertEngineOptions.KeepActivityRecords) && !keepActivityRecords)
            {
                continue;
            }

            Assert.False(Equals(property.GetValue(fresh), property.GetValue(options)), $"The test does not set {property.Name}: give it a value other than the default.");
        }

        return options;
    }
}
