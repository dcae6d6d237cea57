using System.Runtime.InteropServices;
using System.Text;

namespace AlertEngine;

/// <summary>
/// A bounded cache from UTF-8 bytes to one shared <see cref="string"/> instance, so that the values an activity stream
/// repeats on every line (operation, workload and user names, property names) are decoded and held once instead of
/// once per line. Thread-safe and lock-free: several parsers may share one table.
/// </summary>
/// <remarks>
/// Two-way set-associative: a text may sit in slot <c>h</c> or <c>h ^ 1</c> of a fixed array, each slot holding an
/// immutable entry (the bytes, the string and its case-insensitive hash code). A lookup reads both slots (plain reads
/// of references are atomic, and an entry is fully built before it is published); a miss decodes the string and
/// publishes a new entry in an empty slot of the two, or over one of them. Two threads missing on the same text at
/// once may each publish their own entry; both strings are equal, so callers never see a difference, only a lost
/// saving. Memory is bounded by the slot count times the longest text kept (<see cref="MaxLength"/>); longer texts
/// are decoded without being kept.
/// </remarks>
internal sealed class Utf8InternTable
{
    /// <summary>The longest text, in bytes, that the table keeps.</summary>
    public const int MaxLength = 64;

    private readonly Entry?[] _slots;
    private readonly int _mask;

    /// <summary>Creates a table.</summary>
    /// <param name="slots">The number of slots, a power of two of at least 2.</param>
    public Utf8InternTable(int slots)
    {
        if (slots < 2 || (slots & (slots - 1)) != 0)
        {
            throw new ArgumentOutOfRangeException(nameof(slots), slots, "Must be a power of two of at least 2.");
        }

        _slots = new Entry?[slots];
        _mask = slots - 1;
    }

    /// <summary>Operation, workload and user names: values that repeat across lines.</summary>
    public static Utf8InternTable Values { get; } = new(16 * 1024);

    /// <summary>Field and property names.</summary>
    public static Utf8InternTable Names { get; } = new(4 * 1024);

    /// <summary>The string of <paramref name="utf8"/> (valid UTF-8), shared when the table holds it.</summary>
    public string GetOrAdd(ReadOnlySpan<byte> utf8) => utf8.IsEmpty ? string.Empty : Lookup(utf8).Value;

    /// <summary>Like <see cref="GetOrAdd(ReadOnlySpan{byte})"/>, with the string's <see cref="StringComparer.OrdinalIgnoreCase"/> hash code.</summary>
    public string GetOrAdd(ReadOnlySpan<byte> utf8, out int ignoreCaseHash)
    {
        var entry = Lookup(utf8);
        ignoreCaseHash = entry.IgnoreCaseHash;
        return entry.Value;
    }

    private Entry Lookup(ReadOnlySpan<byte> utf8)
    {
        if (utf8.Length > MaxLength)
        {
            return new Entry(0, [], Encoding.UTF8.GetString(utf8));
        }

        var hash = Hash(utf8);
        var index = hash & _mask;
        var first = Volatile.Read(ref _slots[index]);
        if (first is not null && first.Hash == hash && utf8.SequenceEqual(first.Utf8))
        {
            return first;
        }

        var second = Volatile.Read(ref _slots[index ^ 1]);
        if (second is not null && second.Hash == hash && utf8.SequenceEqual(second.Utf8))
        {
            return second;
        }

        var entry = new Entry(hash, utf8.ToArray(), Encoding.UTF8.GetString(utf8));

        // Fill an empty slot of the two; when both are taken, the hash picks which one to replace.
        var target = first is null ? index : second is null ? index ^ 1 : index ^ ((hash >> 30) & 1);
        Volatile.Write(ref _slots[target], entry);
        return entry;
    }

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

    private sealed class Entry(int hash, byte[] utf8, string value)
    {
        public int Hash { get; } = hash;

        public byte[] Utf8 { get; } = utf8;

        public string Value { get; } = value;

        private int _ignoreCaseHash;
        private bool _hashed;

        // Computed on first use (names need it, values do not); a race computes the same number twice.
        public int IgnoreCaseHash
        {
            get
            {
                if (!Volatile.Read(ref _hashed))
                {
                    _ignoreCaseHash = StringComparer.OrdinalIgnoreCase.GetHashCode(Value);
                    Volatile.Write(ref _hashed, true);
                }

                return _ignoreCaseHash;
            }
        }
    }
}
