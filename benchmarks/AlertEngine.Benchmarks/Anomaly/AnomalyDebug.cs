using System.Globalization;
using AlertEngine.Testing;

namespace AlertEngine.Benchmarks.Anomaly;

internal static class AnomalyDebug
{
    public static int Run(string[] args)
    {
        var mode = args.Length > 0 ? args[0] : "fp";
        var users = 1000;
        var trigger = new AnomalyTrigger(TriggerScope.User, TimeSpan.FromDays(7), AnomalySensitivity.Medium, TimeSpan.FromHours(1));
        var gen = new ActivityStreamOptions { Weeks = 4, Bursts = mode == "fp" ? [] : [BurstSpec.Times(5, 1)] };
        var printed = 0;
        if (mode == "bias")
        {
            double sumActual = 0, sumTrue = 0, sumLearned = 0, sumTrue2 = 0; var phis = new List<double>();
            for (var u = 1; u <= users; u++)
            {
                var trace = AnomalyStreamGenerator.Generate(u, gen);
                var model = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { MaxActivitiesPerDetection = 0 });
                foreach (var e in trace.Events) { model.Observe(trace.Key, e.Time, e.Anomaly, out _); }
                foreach (var e in trace.Events) { if (trace.SeasonalExpectation(e.Time) >= 4) sumActual++; }
                for (var h = 0; h < 24 * 7 * 4; h++) { var t = trace.Start.AddHours(h); var x = trace.SeasonalExpectation(t); if (x >= 4) sumTrue += x; }
                for (var h = 24 * 7 * 3; h < 24 * 7 * 4; h++) { var t = trace.Start.AddHours(h); var x = trace.SeasonalExpectation(t); if (x >= 4) { sumTrue2 += x; sumLearned += model.GetBaseline(trace.Key, t)!.Expected; } }
            }
            Console.WriteLine($"actual/true {sumActual / sumTrue:0.000} learned(last week)/true {sumLearned / sumTrue2:0.000}");
            return 0;
        }
        for (var u = 1; u <= users && printed < 40; u++)
        {
            var trace = AnomalyStreamGenerator.Generate(u, gen);
            var model = new BaselineModel<int>(trigger, new AnomalyDetectorOptions { MaxActivitiesPerDetection = 0 });
            var hourCounts = new Dictionary<long, int>();
            foreach (var e in trace.Events) { var h = e.Time.UtcTicks / TimeSpan.TicksPerHour; hourCounts[h] = hourCounts.GetValueOrDefault(h) + 1; }
            var detectedHours = new HashSet<long>();
            foreach (var e in trace.Events)
            {
                var est = model.GetBaseline(trace.Key, e.Time);
                if (model.Observe(trace.Key, e.Time, e.Anomaly, out var d) == AnomalyOutcome.Detected)
                {
                    detectedHours.Add(e.Time.UtcTicks / TimeSpan.TicksPerHour);
                    if (mode == "fp" && printed++ < 40)
                    {
                        var h = e.Time.UtcTicks / TimeSpan.TicksPerHour;
                        var ins = model.Inspect(trace.Key, e.Time);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"φ={ins.Dispersion:0.000} {(e.Time - trace.Start).TotalDays:0.0}d u{u} {e.Time:ddd HH} obs={d!.Observed} final={hourCounts[h]} exp={d.Expected:0.0} score={d.Score:0.0} scale={est!.Scale:0.00} n={est.Samples} true={trace.SeasonalExpectation(e.Time):0.0} prev: {string.Join(',', Enumerable.Range(1, 3).Select(w => hourCounts.GetValueOrDefault(h - 24 * w)))}"));
                    }
                }
            }

            if (mode == "miss")
            {
                foreach (var a in trace.Anomalies)
                {
                    var h = a.Start.UtcTicks / TimeSpan.TicksPerHour;
                    if (!detectedHours.Contains(h) && printed++ < 40)
                    {
                        var est = model.GetBaseline(trace.Key, a.Start);
                        var ins = model.Inspect(trace.Key, a.Start);
                        Console.Write(string.Create(CultureInfo.InvariantCulture, $"[m={ins.Level:0.0} nbσ={Math.Sqrt(ins.Level + ins.Dispersion * ins.Level * ins.Level):0.0} φ={ins.Dispersion:0.000} n={ins.Samples}] "));
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"u{u} {a.Start:ddd HH} count={hourCounts.GetValueOrDefault(h)} injected={a.InjectedCount} true={a.SeasonalExpectation:0.0} nowExp={est!.Expected:0.0} nowScale={est.Scale:0.0} thr={est.Threshold} prev days: {string.Join(',', Enumerable.Range(1, 5).Select(w => hourCounts.GetValueOrDefault(h - 24 * w)))}"));
                    }
                }
            }
        }

        return 0;
    }
}
