using System.Runtime.CompilerServices;

namespace AlertEngine;

// Ring arithmetic shared by the slot ring and the item ring.
public sealed partial class SlidingWindowCounter<TItem>
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int Wrap(int index, int length) => index >= length ? index - length : index;

    /// <summary>Copies the <paramref name="count"/> elements of a ring from <paramref name="head"/> to the start of
    /// <paramref name="target"/>, in order, in at most two bulk copies.</summary>
    /// <remarks>Through the non-generic <see cref="Array"/> methods: in this generic class's shared code for reference
    /// items, a generic helper or a span of <c>Stamped</c> costs a runtime lookup of its type per call.</remarks>
    private static void CopyRing(Array ring, int head, int count, Array target)
    {
        var first = Math.Min(count, ring.Length - head);
        Array.Copy(ring, head, target, 0, first);
        Array.Copy(ring, 0, target, first, count - first);
    }

    /// <summary>Clears the <paramref name="count"/> elements of a ring from <paramref name="head"/> (see
    /// <see cref="CopyRing"/> for why not generic).</summary>
    private static void ClearRing(Array ring, int head, int count)
    {
        var first = Math.Min(count, ring.Length - head);
        Array.Clear(ring, head, first);
        Array.Clear(ring, 0, count - first);
    }
}
