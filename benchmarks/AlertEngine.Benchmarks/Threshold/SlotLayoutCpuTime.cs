using System.Globalization;

namespace AlertEngine.Benchmarks.Threshold;

/// <summary>
/// The counter keeping items with its key table's slots aligned to cache lines (the default) and not
/// (<see cref="KeyTableLayout.AlignLargeSlots"/> off while its table grows), side by side in one process (steady stream,
/// 10,000 keys), with the queue keeping items as the reference: what the alignment is worth.
/// Usage: <c>slot-layout [N] [rounds]</c>.
/// </summary>
internal static class SlotLayoutCpuTime
{
    public static int Run(string[] args)
    {
        var n = args is [var nText, ..] ? int.Parse(nText, CultureInfo.InvariantCulture) : 5;
        var rounds = args is [_, var r, ..] ? int.Parse(r, CultureInfo.InvariantCulture) : 12;
        Console.WriteLine($"# slot-layout: load {File.ReadAllText("/proc/loadavg").Trim()}");
        var stream = ThresholdStream.Create(10_000, RatePattern.Steady, ThresholdThroughputBenchmarks.Length);
        var window = TimeSpan.FromSeconds(60);
        var aligned = new SlidingWindowCounter<string?>(n, window);
        var unaligned = new SlidingWindowCounter<string?>(n, window);
        var queue = new QueueKeepingItemsThreshold<string>(n, window);
        long offset = 0;

        // The tables are built here (the layout is chosen when a table grows).
        KeyTableLayout.AlignLargeSlots = true;
        Run(aligned, stream, offset);
        KeyTableLayout.AlignLargeSlots = false;
        Run(unaligned, stream, offset);
        KeyTableLayout.AlignLargeSlots = true;
        Console.WriteLine($"# slots aligned: {Aligned(aligned)} / {Aligned(unaligned)}");
        ThresholdSideBySide.RunQueue(queue, stream, offset);
        offset += stream.Duration;
        var best = new double[3];
        Array.Fill(best, double.MaxValue);
        for (var round = 0; round < rounds; round++)
        {
            var ns = new double[3];
            for (var m = 0; m < 3; m++)
            {
                var start = ThresholdCpuTime.ThreadCpuSeconds();
                if (m == 0)
                {
                    Run(aligned, stream, offset);
                }
                else if (m == 1)
                {
                    Run(unaligned, stream, offset);
                }
                else
                {
                    ThresholdSideBySide.RunQueue(queue, stream, offset);
                }

                ns[m] = (ThresholdCpuTime.ThreadCpuSeconds() - start) * 1e9 / stream.Keys.Length;
                best[m] = Math.Min(best[m], ns[m]);
            }

            offset += stream.Duration;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"round {round,2}: aligned {ns[0]:F1}, unaligned {ns[1]:F1}, queue {ns[2]:F1}"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"| steady N = {n} | aligned {best[0]:F1} | unaligned {best[1]:F1} | queue {best[2]:F1} | {best[2] / best[0]:F2}x / {best[2] / best[1]:F2}x |"));
        return 0;
    }

    private static bool Aligned(SlidingWindowCounter<string?> counter) => counter.SlotsAligned;

    private static void Run(SlidingWindowCounter<string?> counter, ThresholdStream stream, long offset) =>
        ThresholdCpuTime.RunCounter(counter, stream, offset);
}
