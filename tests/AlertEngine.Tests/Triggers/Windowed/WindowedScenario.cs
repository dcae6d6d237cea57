using System.Globalization;
using System.Net;
using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Tests.Triggers.Windowed;

/// <summary>One generated input: a key, a time step, a value, and how the value is spelled or broken.</summary>
/// <param name="Key">Key index: 0 has no user id (missing scope key), k &gt; 0 is user k.</param>
/// <param name="Delta">Seconds since the previous input; 0 for equal times, negative for out of order.</param>
/// <param name="Value">Value index (distinct) or quarter units (sum: value = Value / 4).</param>
/// <param name="Upper">Spell the key and the value in upper case (or the address IPv4-mapped).</param>
/// <param name="Shape">0 normal, 1 missing field, 2 empty field, 3 non-numeric text, 4 number in exponent form.</param>
public readonly record struct WindowedStep(int Key, int Delta, int Value, bool Upper, int Shape);

/// <summary>A generated case for the distinct, sum and spike triggers (the trigger uses the parameters it needs).</summary>
public sealed record WindowedScenario
{
    public static readonly DateTimeOffset Start = new(2026, 3, 1, 9, 0, 0, TimeSpan.Zero);

    public required int Count { get; init; }

    public required int WindowSeconds { get; init; }

    public required int ResolutionSeconds { get; init; }

    public required int LatenessSeconds { get; init; }

    public required int MaxItems { get; init; }

    public required int Threshold { get; init; }

    public required double Ratio { get; init; }

    public required int MinCount { get; init; }

    public required int MinReference { get; init; }

    public required bool UseClientIp { get; init; }

    public required IReadOnlyList<WindowedStep> Steps { get; init; }

    public TimeSpan Window => TimeSpan.FromSeconds(WindowSeconds);

    public string DistinctField => UseClientIp ? "clientIp" : "Device";

    public const string SumField = "Bytes";

    public AlertEngineOptions EngineOptions() => new()
    {
        ThresholdResolution = TimeSpan.FromSeconds(ResolutionSeconds),
        AllowedLateness = TimeSpan.FromSeconds(LatenessSeconds),
        MaxActivitiesPerAlert = MaxItems,
    };

    /// <summary>The engine's options as the oracles take them.</summary>
    public WindowedTriggerOptions OracleOptions() => new()
    {
        Resolution = TimeSpan.FromSeconds(ResolutionSeconds),
        AllowedLateness = TimeSpan.FromSeconds(LatenessSeconds),
        MaxItemsPerDetection = MaxItems,
        KeyComparer = StringComparer.OrdinalIgnoreCase,
    };

    /// <summary>The device names of value indexes 0–8 (later ones are "dev" and the index): "dev0" to "dev4", then names that share the distinct core's
    /// value fingerprint with "dev0" to "dev3" (so that the core's scan meets fingerprints that are not the value).</summary>
    private static readonly string[] Devices =
    [
        .. Enumerable.Range(0, 5).Select(i => "dev" + i.ToString(CultureInfo.InvariantCulture)),
        .. Enumerable.Range(0, 4).Select(i => SamePrint("dev" + i.ToString(CultureInfo.InvariantCulture))),
    ];

    private static string SamePrint(string value)
    {
        var print = DistinctCounter<string>.Print(value);
        for (var j = 0; ; j++)
        {
            var other = "dev" + j.ToString(CultureInfo.InvariantCulture) + "x";
            if (DistinctCounter<string>.Print(other) == print)
            {
                return other;
            }
        }
    }

    public IReadOnlyList<Activity> Activities()
    {
        var list = new List<Activity>();
        var t = Start;
        for (var i = 0; i < Steps.Count; i++)
        {
            var s = Steps[i];
            t = t.AddSeconds(s.Delta);
            var user = s.Key == 0 ? null : (s.Upper ? "USER" : "user") + s.Key.ToString(CultureInfo.InvariantCulture) + "@contoso.com";
            var properties = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            IPAddress? ip = null;
            if (s.Shape != 1)
            {
                var name = s.Value < Devices.Length ? Devices[s.Value] : "dev" + s.Value.ToString(CultureInfo.InvariantCulture);
                var device = s.Shape == 2 ? string.Empty : s.Upper ? name.ToUpperInvariant() : name;
                properties["Device"] = device;
                ip = s.Shape == 2 ? null : IPAddress.Parse((s.Upper ? "::ffff:10.0.0." : "10.0.0.") + s.Value.ToString(CultureInfo.InvariantCulture));
                properties["Bytes"] = s.Shape switch
                {
                    2 => string.Empty,
                    3 => (s.Value % 3) switch { 0 => "many", 1 => "NaN", _ => "1,5" },
                    4 => (s.Value / 4.0 / 10).ToString("R", CultureInfo.InvariantCulture) + "e1",
                    _ => (s.Value / 4.0).ToString(CultureInfo.InvariantCulture),
                };
            }

            list.Add(new Activity("a" + i.ToString(CultureInfo.InvariantCulture), t, "Op")
            {
                UserId = user,
                ClientIp = ip,
                Properties = properties,
            });
        }

        return list;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture, $"N={Count} X={Threshold} R={Ratio} M={MinCount} K={MinReference} window={WindowSeconds}s res={ResolutionSeconds}s late={LatenessSeconds}s items={MaxItems} ip={UseClientIp} steps=[")
        + string.Join(" ", Steps.Select(s => string.Create(CultureInfo.InvariantCulture, $"k{s.Key}{(s.Delta >= 0 ? "+" : "")}{s.Delta}:v{s.Value}{(s.Upper ? "U" : "")}{(s.Shape != 0 ? "#" + s.Shape : "")}")))
        + "]";
}

public static class WindowedArbitraries
{
    public static Arbitrary<WindowedScenario> Scenarios() => Arb.From(Scenario, Shrink);

    private static Gen<WindowedScenario> Scenario { get; } =
        from count in Gen.Frequency((6, Gen.Choose(1, 5)), (1, Gen.Choose(6, 12)))
        from window in Gen.Frequency((6, Gen.Choose(1, 12)), (1, Gen.Choose(13, 60)))
        from resolution in Gen.Frequency((5, Gen.Constant(1)), (1, Gen.Choose(2, 3)))
        from lateness in Gen.Frequency((5, Gen.Constant(0)), (3, Gen.Choose(1, 15)))
        from maxItems in Gen.Frequency((3, Gen.Constant(1000)), (2, Gen.Choose(1, 4)))
        from threshold in Gen.Choose(1, 40)
        from ratio in Gen.Elements(1.5, 2.0, 3.0, 1.01)
        from minCount in Gen.Choose(1, 4)
        from minReference in Gen.Choose(1, 3)
        from ip in Gen.Elements(false, true)
        from steps in Steps(lateness)
        select new WindowedScenario
        {
            Count = count,
            WindowSeconds = window,
            ResolutionSeconds = resolution,
            LatenessSeconds = lateness,
            MaxItems = maxItems,
            Threshold = threshold,
            Ratio = ratio,
            MinCount = minCount,
            MinReference = minReference,
            UseClientIp = ip,
            Steps = steps,
        };

    private static Gen<IReadOnlyList<WindowedStep>> Steps(int lateness)
    {
        var delta = Gen.Frequency((3, Gen.Constant(0)), (5, Gen.Choose(1, 6)), (1, Gen.Choose(7, 30)), (lateness > 0 ? 2 : 1, Gen.Choose(-(lateness + 3), -1)));
        var step =
            from key in Gen.Frequency((1, Gen.Constant(0)), (5, Gen.Choose(1, 3)))
            from d in delta
            from value in Gen.Choose(0, 8)
            from upper in Gen.Frequency((3, Gen.Constant(false)), (1, Gen.Constant(true)))
            from shape in Gen.Frequency((12, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)), (1, Gen.Constant(3)), (1, Gen.Constant(4)))
            select new WindowedStep(key, d, value, upper, shape);
        return Gen.Sized(size => Gen.Choose(0, Math.Max(1, size * 2)).SelectMany(n => Gen.ArrayOf(step, n)).Select(a => (IReadOnlyList<WindowedStep>)a));
    }

    private static IEnumerable<WindowedScenario> Shrink(WindowedScenario scenario)
    {
        var steps = scenario.Steps;
        for (var chunk = steps.Count / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= steps.Count; start += chunk)
            {
                yield return scenario with { Steps = [.. steps.Take(start), .. steps.Skip(start + chunk)] };
            }
        }

        if (scenario.LatenessSeconds > 0)
        {
            yield return scenario with { LatenessSeconds = 0 };
        }

        if (scenario.ResolutionSeconds > 1)
        {
            yield return scenario with { ResolutionSeconds = 1 };
        }

        if (scenario.MaxItems != 1000)
        {
            yield return scenario with { MaxItems = 1000 };
        }

        for (var i = 0; i < steps.Count; i++)
        {
            var s = steps[i];
            if (s.Delta != 0)
            {
                var copy = steps.ToArray();
                copy[i] = s with { Delta = s.Delta / 2 };
                yield return scenario with { Steps = copy };
            }

            if (s.Shape != 0 || s.Upper)
            {
                var copy = steps.ToArray();
                copy[i] = s with { Shape = 0, Upper = false };
                yield return scenario with { Steps = copy };
            }
        }
    }
}
