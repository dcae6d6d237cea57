using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>
/// Hints to the processor that an object will be read soon, so that its cache miss overlaps other work instead of
/// following it. Only hints: they change nothing but what the cache holds, never fault, and are no-ops without SSE.
/// </summary>
internal static class CachePrefetch
{
    /// <summary>Asks for the cache lines of a string's first and last characters (its length and hash read both ends).</summary>
    /// <param name="text">The string, or <see langword="null"/> (nothing to do).</param>
    // The GC may move the string between taking the address and the prefetch: harmless (see the summary).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static unsafe void String(string? text)
    {
        if (!Sse.IsSupported || text is null)
        {
            return;
        }

        ref var first = ref MemoryMarshal.GetReference(text.AsSpan());
        Sse.Prefetch0(Unsafe.AsPointer(ref first));
        Sse.Prefetch0(Unsafe.AsPointer(ref Unsafe.Add(ref first, text.Length))); // the terminating '\0', inside the string
    }
}
