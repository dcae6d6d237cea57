using System.Buffers.Binary;
using System.Collections.Immutable;
using System.Net;
using System.Text;

namespace AlertEngine;

/// <summary>Reads what <see cref="ContentWriter"/> wrote. A malformed input throws <see cref="InvalidDataException"/>.</summary>
internal ref struct ContentReader
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public ContentReader(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
    }

    public readonly bool AtEnd => _position == _data.Length;

    public byte Byte()
    {
        if (_position >= _data.Length)
        {
            throw Truncated();
        }

        return _data[_position++];
    }

    public bool Bool() => Byte() switch
    {
        0 => false,
        1 => true,
        _ => throw new InvalidDataException("Stored content has an invalid flag."),
    };

    public ulong VarUInt()
    {
        ulong value = 0;
        for (var shift = 0; shift < 64; shift += 7)
        {
            var b = Byte();
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }

        throw new InvalidDataException("Stored content has an invalid number.");
    }

    public int Int32()
    {
        var raw = VarUInt();
        if (raw > uint.MaxValue)
        {
            throw new InvalidDataException("Stored content has an invalid number.");
        }

        var value = (uint)raw;
        return (int)(value >> 1) ^ -(int)(value & 1);
    }

    public long Int64()
    {
        var span = Take(8);
        return BinaryPrimitives.ReadInt64LittleEndian(span);
    }

    public int? NullableInt32() => Bool() ? Int32() : null;

    public DateTimeOffset Time()
    {
        var ticks = Int64();
        var minutes = Int32();
        try
        {
            return new DateTimeOffset(ticks, TimeSpan.FromMinutes(minutes));
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException("Stored content has an invalid time.", e);
        }
    }

    public DateTimeOffset? NullableTime() => Bool() ? Time() : null;

    public string? String()
    {
        var header = VarUInt();
        if (header == 0)
        {
            return null;
        }

        header--;
        var length = Length(header >> 1);
        var bytes = Take(length);
        if ((header & 1) == 0)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        if ((length & 1) != 0)
        {
            throw new InvalidDataException("Stored content has an invalid string.");
        }

        return string.Create(length / 2, bytes.ToArray(), static (chars, units) =>
        {
            for (var i = 0; i < chars.Length; i++)
            {
                chars[i] = (char)BinaryPrimitives.ReadUInt16LittleEndian(units.AsSpan(i * 2));
            }
        });
    }

    public string RequiredString() => String() ?? throw new InvalidDataException("Stored content lacks a required string.");

    public ImmutableArray<string> Strings()
    {
        var count = VarUInt();
        if (count == 0)
        {
            return default;
        }

        var builder = ImmutableArray.CreateBuilder<string>(Length(count - 1));
        for (var i = 0; i < builder.Capacity; i++)
        {
            builder.Add(String()!);
        }

        return builder.MoveToImmutable();
    }

    public string[]? StringList()
    {
        var count = VarUInt();
        if (count == 0)
        {
            return null;
        }

        var result = new string[Length(count - 1)];
        for (var i = 0; i < result.Length; i++)
        {
            result[i] = String()!;
        }

        return result;
    }

    /// <summary>The count written by <see cref="ContentWriter.List{T}"/> or <see cref="ContentWriter.Array{T}"/>; -1 for null or default.</summary>
    public int Count()
    {
        var count = VarUInt();
        return count == 0 ? -1 : Length(count - 1);
    }

    public IPAddress? Address()
    {
        var length = Byte();
        if (length == 0)
        {
            return null;
        }

        if (length is not (4 or 16))
        {
            throw new InvalidDataException("Stored content has an invalid IP address.");
        }

        var bytes = Take(length);
        return length == 16 ? new IPAddress(bytes, Int64()) : new IPAddress(bytes);
    }

    private ReadOnlySpan<byte> Take(int length)
    {
        if (length > _data.Length - _position)
        {
            throw Truncated();
        }

        var span = _data.Slice(_position, length);
        _position += length;
        return span;
    }

    private readonly int Length(ulong value) =>
        value <= (ulong)(_data.Length - _position) ? (int)value : throw Truncated();

    private static InvalidDataException Truncated() => new("Stored content is truncated.");
}
