using System.Runtime.InteropServices;
using System.Text;

namespace AlertEngine;

/// <summary>
/// A bounded cache from UTF-8 bytes to one shared <see cref="string"/> instance, so that the values an activity stream
/// repeats on every line (operation and workload names, property names) are decoded and held once instead of
/// once per line. Thread-safe and lock-free: several parsers may share one table.
/// </summary>
/// <remarks>
/// Two-way set-associative: a text may sit in either slot of the pair its hash picks (both in one cache line), each
/// slot holding the string and the hash. Only ASCII texts of at most <see cref="MaxLength"/> bytes are kept; others are
/// decoded each time. A hit is decided by comparing the bytes with the string's characters, never by the hash alone,
/// so a slot read while another thread overwrites it (the two fields may be torn) can only cause a miss, never a
/// wrong string. A miss decodes the string and stores it in an empty slot of the pair, or over one of them. Memory is
/// bounded by the slot count times the longest text kept.
/// </remarks>
internal sealed class Utf8InternTable
{
    /// <summary>The longest text, in bytes, that the table keeps.</summary>
    public const int MaxLength = 64;

    private readonly Slot[] _slots;
    private readonly int _mask;

    /// <summary>Creates a table.</summary>
    /// <param name="slots">The number of slots, a power of two of at least 2.</param>
    public Utf8InternTable(int slots)
    {
        if (slots < 2 || (slots & (slots - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "Must be a power of two of at least 2.");
        }

        _slots = new Slot[slots];
        _mask = slots - 1;
    }

    /// <summary>Operation and workload names: values that repeat across lines.</summary>
    public static Utf8InternTable Values { get; } = new(16 * 1024);

    /// <summary>Field and property names.</summary>
    public static Utf8InternTable Names { get; } = new(2 * 1024);

    /// <summary>The string of <paramref name="utf8"/> (valid UTF-8), shared when the table holds it.</summary>
    public string GetOrAdd(ReadOnlySpan<byte> utf8)
    {
        if (utf8.IsEmpty)
        {
            return string.Empty;
        }

        if (utf8.Length > MaxLength)
        {
            return Encoding.UTF8.GetString(utf8);
        }

        var hash = Hash(utf8);
        var index = hash & _mask & ~1;
        ref var first = ref _slots[index];
        var a = Volatile.Read(ref first.Value);
        if (first.Hash == hash && a is not null && Matches(a, utf8))
        {
            return a;
        }

        ref var second = ref _slots[index + 1];
        var b = Volatile.Read(ref second.Value);
        if (second.Hash == hash && b is not null && Matches(b, utf8))
        {
            return b;
        }

        var value = Encoding.UTF8.GetString(utf8);
        if (value.Length != utf8.Length)
        {
            // Not ASCII: not kept (the comparison above is for ASCII).
            return value;
        }

        // Fill an empty slot of the two; when both are taken, the hash picks which one to replace.
        ref var target = ref a is null ? ref first : ref b is null ? ref second : ref ((hash & (1 << 30)) == 0 ? ref first : ref second);
        target.Hash = hash;
        Volatile.Write(ref target.Value, value);
        return value;
    }

    private static bool Matches(string value, ReadOnlySpan<byte> utf8) => value.Length == utf8.Length && System.Text.Ascii.Equals(utf8, value);

    /// <summary>A 64-bit multiply-xorshift hash over 8 bytes at a time, folded to 32 bits.</summary>
    private static int Hash(ReadOnlySpan<byte> utf8)
    {
        const ulong k = 0x9E3779B97F4A7C15;
        var h = (ulong)utf8.Length * k;
        while (utf8.Length >= 8)
        {
            h = (h ^ MemoryMarshal.Read<ulong>(utf8)) * k;
            h ^= h >> 29;
            utf8 = utf8[8..];
        }

        ulong tail = 0;
        foreach (var b in utf8)
        {
            tail = (tail << 8) | b;
        }

        h = (h ^ tail) * k;
        h ^= h >> 32;
        return (int)h;
    }

    private struct Slot
    {
        public string? Value;
        public int Hash;
    }
}
