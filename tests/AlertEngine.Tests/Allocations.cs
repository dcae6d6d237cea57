namespace AlertEngine.Tests;

/// <summary>
/// Measures steady-state allocation robustly. One measured pass can catch an allocation that is not the code's (the
/// runtime's tiering or a first-use cache on the test thread: seen once in eleven CI runs as 6,488 bytes over 20,000
/// operations), so a pass is run several times and the fewest bytes any pass allocated is returned: code that
/// allocates per operation, or every so many operations, allocates in every pass and is still caught.
/// </summary>
internal static class Allocations
{
    /// <summary>Runs <paramref name="pass"/> <paramref name="passes"/> times (with pass numbers from
    /// <paramref name="firstPass"/>) and returns the fewest bytes one run allocated on this thread.</summary>
    public static long FewestBytesPerPass(Action<int> pass, int firstPass = 0, int passes = 5)
    {
        var fewest = long.MaxValue;
        for (var k = 0; k < passes; k++)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            pass(firstPass + k);
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        return fewest;
    }
}
