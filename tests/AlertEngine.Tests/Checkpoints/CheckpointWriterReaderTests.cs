using System.Net;
using System.Text;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Checkpoints;

/// <summary>The checkpoint writer writes into one array the bytes <see cref="BinaryWriter"/> would write (the format
/// is unchanged); the reader shares repeated strings and addresses without changing any value.</summary>
public class CheckpointWriterReaderTests
{
    [Property(MaxTest = 300)]
    public void The_writer_writes_the_bytes_of_a_BinaryWriter(string[] strings, long[] longs, int seed)
    {
        strings = [.. (strings ?? []).Select(s => s ?? string.Empty), new string('x', 200), new string('é', 70_000), "\ud800 lone", "日本語"];
        using var stream = new MemoryStream();
        using (var binary = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            Write(binary.Write, binary.Write, binary.Write, binary.Write, binary.Write, strings, longs ?? [], seed);
        }

        using var writer = new CheckpointWriter(capacity: seed & 63);
        Write(writer.Write, writer.Write, writer.Write, writer.Write, writer.Write, strings, longs ?? [], seed);
        Assert.Equal(stream.ToArray(), writer.Written.ToArray());
    }

    private static void Write(Action<string> text, Action<long> int64, Action<int> int32, Action<float> single, Action<bool> flag, string[] strings, long[] longs, int seed)
    {
        foreach (var s in strings)
        {
            text(s);
            int32(seed);
            flag(seed % 2 == 0);
        }

        foreach (var l in longs)
        {
            int64(l);
            single(l / 3f);
        }
    }

    [Fact]
    public void Repeated_values_are_read_as_one_instance_and_every_value_is_read_as_written()
    {
        string[] values = ["FileDeleted", "alice@contoso.com", "FileDeleted", "bob@contoso.com", "alice@contoso.com", "Lösung", "Lösung", "FileDeleted"];
        using var writer = new CheckpointWriter();
        foreach (var v in values)
        {
            // Fresh instances, so sharing can only come from the reader.
            writer.Write(new string(v.AsSpan()));
        }

        var reader = new CheckpointReader(writer.Written.ToArray());
        var read = values.Select(_ => reader.ReadInternedString()).ToArray();

        Assert.Equal(values, read);
        Assert.Same(read[0], read[2]);
        Assert.Same(read[0], read[7]);
        Assert.Same(read[1], read[4]);
        Assert.NotSame(read[5], read[6]); // only ASCII values are shared
    }

    [Property(MaxTest = 200)]
    public void Interned_strings_read_as_written(string[] values)
    {
        values = [.. (values ?? []).Select(v => v ?? string.Empty).Where(v => !v.Any(char.IsSurrogate))];
        using var writer = new CheckpointWriter();
        foreach (var v in values.Concat(values))
        {
            writer.Write(v);
        }

        var reader = new CheckpointReader(writer.Written.ToArray());
        Assert.Equal(values.Concat(values), values.Concat(values).Select(_ => reader.ReadInternedString()));
    }

    [Fact]
    public void Addresses_are_read_as_written_and_repeated_IPv4_addresses_share_one_instance()
    {
        IPAddress[] addresses = [IPAddress.Parse("10.0.0.1"), IPAddress.Parse("10.0.0.2"), IPAddress.Parse("10.0.0.1"), IPAddress.Parse("0.0.0.0"), IPAddress.Parse("fe80::1%3"), IPAddress.Loopback];
        using var writer = new CheckpointWriter();
        foreach (var a in addresses)
        {
            writer.WriteAddress(a);
        }

        writer.WriteAddress(null);
        var reader = new CheckpointReader(writer.Written.ToArray());
        var read = addresses.Select(_ => reader.ReadAddress()).ToArray();

        Assert.Equal(addresses, read);
        Assert.Equal(3u, read[4]!.ScopeId);
        Assert.Same(read[0], read[2]);
        Assert.Null(reader.ReadAddress());
    }

    [Fact]
    public void A_memory_stream_with_a_visible_buffer_is_read_in_place_and_still_checked()
    {
        using var pipeline = new AlertPipeline([]);
        using var saved = new MemoryStream();
        pipeline.SaveCheckpoint(saved);
        var bytes = saved.ToArray();
        byte[] padded = [9, 9, .. bytes, 7];

        using var visible = new MemoryStream(padded, 2, bytes.Length, writable: false, publiclyVisible: true);
        Assert.Equal(bytes.Length - 20, CheckpointFormat.Read(visible).Length);
        Assert.Equal(bytes.Length, visible.Position);

        padded[2 + 13] ^= 1;
        using var flipped = new MemoryStream(padded, 2, bytes.Length, writable: false, publiclyVisible: true);
        Assert.Throws<InvalidDataException>(() => CheckpointFormat.Read(flipped));
    }
}
