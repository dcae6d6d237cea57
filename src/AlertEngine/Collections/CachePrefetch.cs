using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>
/// Software prefetches: hints that bring a cache line in while other work runs, so that a later read of it does not
/// wait for memory. Only hints (no state changes; a prefetch never faults), and nothing where the processor has no
/// prefetch instruction the runtime exposes (x86's <c>prefetcht0</c>).
/// </summary>
/// <remarks>The GC may move an object between taking its address and the prefetch: harmless, the line prefetched is
/// then only useless.</remarks>
internal static class CachePrefetch
{
    /// <summary>Prefetches the cache line holding <paramref name="at"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void Line(ref byte at)
    {
        if (Sse.IsSupported)
        {
            Sse.Prefetch0(Unsafe.AsPointer(ref at));
        }
    }

    /// <summary>Prefetches what hashing or comparing <paramref name="value"/> reads: its length and the characters
    /// that follow in the same line and the next one (the whole string for up to 30 characters: user ids, names).
    /// Nothing for null.</summary>
    /// <remarks>Without reading the string: from its reference as a number (the length follows the method table
    /// pointer). Reading anything of it here (its length, even the JIT's null check of a call on it) would be a demand
    /// load of the very line that misses, and a later locked instruction (a lock's enter) waits for earlier loads to
    /// complete: the prefetch would then stall where it is meant to overlap.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void String(string? value)
    {
        if (!Sse.IsSupported || value is null)
        {
            return;
        }

        var length = (byte*)Unsafe.As<string, nint>(ref value) + sizeof(nint);
        Sse.Prefetch0(length);
        Sse.Prefetch0(length + 64);
    }
}
