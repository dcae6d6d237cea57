using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics.X86;

namespace AlertEngine;

/// <summary>
/// Asks the processor to bring an object's first cache line, ahead of a use that would otherwise wait for it (a string
/// about to be hashed, an array about to be written). Only a hint: it changes no state, and is a no-op without SSE.
/// </summary>
/// <remarks>The GC may move the object between taking its address and the prefetch: harmless, a prefetch never faults
/// and changes nothing but what the cache holds.</remarks>
internal static class Prefetch
{
    /// <summary>Prefetches the start of a string's characters (with the string's header, usually in the same line).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(string? text)
    {
        if (Sse.IsSupported && text is not null)
        {
            At(ref MemoryMarshal.GetReference(text.AsSpan()));
        }
    }

    /// <summary>Prefetches the start of an array's elements.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Line(Array? array)
    {
        if (Sse.IsSupported && array is not null)
        {
            At(ref MemoryMarshal.GetArrayDataReference(array));
        }
    }

    private static unsafe void At<T>(ref T location) => Sse.Prefetch0(Unsafe.AsPointer(ref location));
}
