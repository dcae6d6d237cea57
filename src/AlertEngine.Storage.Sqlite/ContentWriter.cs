using System.Buffers;
using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Unicode;

namespace AlertEngine;

/// <summary>
/// Writes the binary content format of stored alerts and incidents: little-endian integers, variable-length counts,
/// strings as UTF-8 when well-formed and as UTF-16 code units otherwise (so every .NET string, lone surrogates
/// included, reads back exactly), and a distinct mark for <see langword="null"/> and default arrays. Not thread-safe.
/// </summary>
internal sealed class ContentWriter
{
    private readonly ArrayBufferWriter<byte> _buffer = new(512);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Reset() => _buffer.ResetWrittenCount();

    public byte[] ToArray() => _buffer.WrittenSpan.ToArray();

    public void Byte(byte value)
    {
        _buffer.GetSpan(1)[0] = value;
        _buffer.Advance(1);
    }

    public void Bool(bool value) => Byte(value ? (byte)1 : (byte)0);

    public void VarUInt(ulong value)
    {
        var span = _buffer.GetSpan(10);
        var i = 0;
        while (value >= 0x80)
        {
            span[i++] = (byte)(value | 0x80);
            value >>= 7;
        }

        span[i++] = (byte)value;
        _buffer.Advance(i);
    }

    public void Int32(int value) => VarUInt((uint)((value << 1) ^ (value >> 31)));

    public void Int64(long value)
    {
        BinaryPrimitives.WriteInt64LittleEndian(_buffer.GetSpan(8), value);
        _buffer.Advance(8);
    }

    public void NullableInt32(int? value)
    {
        Bool(value.HasValue);
        if (value is { } v)
        {
            Int32(v);
        }
    }

    public void Time(DateTimeOffset value)
    {
        Int64(value.Ticks);
        Int32((int)(value.Offset.Ticks / TimeSpan.TicksPerMinute));
    }

    public void NullableTime(DateTimeOffset? value)
    {
        Bool(value.HasValue);
        if (value is { } v)
        {
            Time(v);
        }
    }

    /// <summary>0 for null; otherwise ((byte length &lt;&lt; 1) | 1 for UTF-16) + 1, then the bytes.</summary>
    public void String(string? value)
    {
        if (value is null)
        {
            VarUInt(0);
            return;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        var rented = ArrayPool<byte>.Shared.Rent(max);
        try
        {
            if (Utf8.FromUtf16(value, rented, out _, out var written, replaceInvalidSequences: false) == OperationStatus.Done)
            {
                VarUInt(((ulong)written << 1) + 1);
                rented.AsSpan(0, written).CopyTo(_buffer.GetSpan(written));
                _buffer.Advance(written);
                return;
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        // Not well-formed UTF-16 (a lone surrogate): keep the code units as they are.
        var units = MemoryMarshal.AsBytes(value.AsSpan());
        VarUInt((((ulong)units.Length << 1) | 1) + 1);
        var target = _buffer.GetSpan(units.Length);
        for (var i = 0; i < value.Length; i++)
        {
            BinaryPrimitives.WriteUInt16LittleEndian(target[(i * 2)..], value[i]);
        }

        _buffer.Advance(units.Length);
    }

    /// <summary>-1 (as count + 1 = 0) for a default array, else the count and the strings.</summary>
    public void Strings(ImmutableArray<string> values)
    {
        if (values.IsDefault)
        {
            VarUInt(0);
            return;
        }

        VarUInt((ulong)values.Length + 1);
        foreach (var value in values)
        {
            String(value);
        }
    }

    public void Strings(IReadOnlyList<string>? values)
    {
        if (values is null)
        {
            VarUInt(0);
            return;
        }

        VarUInt((ulong)values.Count + 1);
        for (var i = 0; i < values.Count; i++)
        {
            String(values[i]);
        }
    }

    /// <summary>Count + 1 (0 for a null or default collection), then each item through <paramref name="write"/>.</summary>
    public void List<T>(IReadOnlyList<T>? values, Action<ContentWriter, T> write)
    {
        if (values is null)
        {
            VarUInt(0);
            return;
        }

        VarUInt((ulong)values.Count + 1);
        for (var i = 0; i < values.Count; i++)
        {
            write(this, values[i]);
        }
    }

    public void Array<T>(ImmutableArray<T> values, Action<ContentWriter, T> write)
    {
        if (values.IsDefault)
        {
            VarUInt(0);
            return;
        }

        VarUInt((ulong)values.Length + 1);
        foreach (var value in values)
        {
            write(this, value);
        }
    }

    /// <summary>A presence byte, then the item when it is not null.</summary>
    public void Optional<T>(T? value, Action<ContentWriter, T> write)
        where T : class
    {
        Bool(value is not null);
        if (value is not null)
        {
            write(this, value);
        }
    }

    public void Address(IPAddress? address)
    {
        if (address is null)
        {
            Byte(0);
            return;
        }

        Span<byte> bytes = stackalloc byte[16];
        if (!address.TryWriteBytes(bytes, out var written))
        {
            throw new InvalidOperationException("An IP address has more than 16 bytes.");
        }

        Byte((byte)written);
        bytes[..written].CopyTo(_buffer.GetSpan(written));
        _buffer.Advance(written);
        if (written == 16)
        {
            Int64(address.ScopeId);
        }
    }
}
