using FsCheck;
using FsCheck.Fluent;

namespace AlertEngine.Testing;

/// <summary>
/// FsCheck generators for threshold triggers: random keys, equal times, bursts, out-of-order inputs, small and large
/// N and windows, all four time regimes (tick or second units, resolution one unit or coarser). The shrinker removes
/// inputs, moves deltas and key indices towards zero and parameters towards the simplest values, so a failure shrinks
/// to a short, readable case.
/// </summary>
public static class ThresholdGenerators
{
    /// <summary>The generator of cases.</summary>
    public static Gen<ThresholdScenario> Scenario { get; } =
        from unit in Gen.Elements(TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1))
        from threshold in Gen.Frequency((6, Gen.Choose(1, 6)), (2, Gen.Choose(7, 20)))
        from windowUnits in Gen.Frequency((6, Gen.Choose(1, 20)), (1, Gen.Choose(21, 200)))
        from resolutionUnits in Gen.Frequency((6, Gen.Constant(1)), (2, Gen.Choose(2, 7)))
        from latenessUnits in Gen.Frequency((5, Gen.Constant(0)), (3, Gen.Choose(1, 30)))
        from maxItems in Gen.Frequency((3, Gen.Constant(1000)), (2, Gen.Choose(0, 5)))
        from keys in Gen.Choose(1, 5)
        from steps in Steps(keys, latenessUnits)
        select new ThresholdScenario
        {
            Threshold = threshold,
            Unit = unit,
            WindowUnits = windowUnits,
            ResolutionUnits = resolutionUnits,
            LatenessUnits = latenessUnits,
            MaxItems = maxItems,
            Steps = steps,
        };

    /// <summary>The arbitrary of cases: <see cref="Scenario"/> with <see cref="Shrink"/>.</summary>
    /// <returns>The arbitrary.</returns>
    public static Arbitrary<ThresholdScenario> Scenarios() => Arb.From(Scenario, Shrink);

    /// <summary>Generates input steps over <paramref name="keys"/> keys: single inputs and bursts of one key.</summary>
    /// <param name="keys">How many keys, at least 1.</param>
    /// <param name="latenessUnits">The allowed lateness; out-of-order steps go up to a little beyond it.</param>
    /// <returns>The generator.</returns>
    public static Gen<IReadOnlyList<ThresholdStep>> Steps(int keys, int latenessUnits)
    {
        var key = Gen.Choose(0, keys - 1);
        var delta = Gen.Frequency(
            (3, Gen.Constant(0)),
            (5, Gen.Choose(1, 10)),
            (latenessUnits > 0 ? 2 : 1, Gen.Choose(-(latenessUnits + 5), -1)));
        var single = from k in key from d in delta select new[] { new ThresholdStep(k, d) };
        var burst =
            from k in key
            from first in delta
            from rest in Gen.Choose(1, 8).SelectMany(n => Gen.ArrayOf(Gen.Choose(0, 1), n))
            select new[] { new ThresholdStep(k, first) }.Concat(rest.Select(d => new ThresholdStep(k, d))).ToArray();
        var chunk = Gen.Frequency((4, single), (1, burst));
        return Gen.Sized(size => Gen.Choose(0, Math.Max(1, size))
            .SelectMany(n => Gen.ArrayOf(chunk, n))
            .Select(chunks => (IReadOnlyList<ThresholdStep>)chunks.SelectMany(c => c).ToArray()));
    }

    /// <summary>Smaller variants of a case, simplest first.</summary>
    /// <param name="scenario">The case.</param>
    /// <returns>The candidates.</returns>
    public static IEnumerable<ThresholdScenario> Shrink(ThresholdScenario scenario)
    {
        ArgumentNullException.ThrowIfNull(scenario);
        var steps = scenario.Steps;
        var n = steps.Count;

        // Fewer inputs: drop halves, then quarters…, then single inputs.
        for (var chunk = n / 2; chunk >= 1; chunk /= 2)
        {
            for (var start = 0; start + chunk <= n; start += chunk)
            {
                yield return scenario with { Steps = [.. steps.Take(start), .. steps.Skip(start + chunk)] };
            }
        }

        // Simpler parameters.
        if (scenario.Threshold > 1)
        {
            yield return scenario with { Threshold = 1 };
            yield return scenario with { Threshold = scenario.Threshold - 1 };
        }

        if (scenario.ResolutionUnits > 1)
        {
            yield return scenario with { ResolutionUnits = 1 };
        }

        if (scenario.LatenessUnits > 0)
        {
            yield return scenario with { LatenessUnits = 0 };
            yield return scenario with { LatenessUnits = scenario.LatenessUnits / 2 };
        }

        if (scenario.WindowUnits > 1)
        {
            yield return scenario with { WindowUnits = 1 };
            yield return scenario with { WindowUnits = scenario.WindowUnits / 2 };
            yield return scenario with { WindowUnits = scenario.WindowUnits - 1 };
        }

        if (scenario.MaxItems != 1000)
        {
            yield return scenario with { MaxItems = 1000 };
        }

        // Simpler inputs: deltas towards zero, keys towards zero.
        for (var i = 0; i < n; i++)
        {
            var s = steps[i];
            if (s.Delta != 0)
            {
                yield return scenario with { Steps = Replace(steps, i, s with { Delta = 0 }) };
                if (s.Delta / 2 != 0)
                {
                    yield return scenario with { Steps = Replace(steps, i, s with { Delta = s.Delta / 2 }) };
                }
            }

            if (s.Key != 0)
            {
                yield return scenario with { Steps = Replace(steps, i, s with { Key = 0 }) };
            }
        }
    }

    private static ThresholdStep[] Replace(IReadOnlyList<ThresholdStep> steps, int index, ThresholdStep step)
    {
        var copy = steps.ToArray();
        copy[index] = step;
        return copy;
    }
}
