namespace AlertEngine;

/// <summary>How <see cref="KeyTable{TValue}"/> lays out its slots (a switch for the benchmarks that measure the layout).</summary>
internal static class KeyTableLayout
{
    /// <summary>Whether large tables of 64-byte slots are allocated aligned to cache lines (the default). Tables read it
    /// when they grow.</summary>
    public static bool AlignLargeSlots { get; set; } = true;
}
