using System.Net;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Orleans.Tests;

/// <summary>
/// The batch encoding (<see cref="ActivityBatchCodec"/>, version 3: version 2 in chunks) against the activities themselves as the oracle:
/// any batch decodes to equal activities, field by field, whatever its names (ASCII or not, short or longer than the
/// process-wide name table keeps), optional fields and times (far apart, backwards, at the ends of the range); and
/// version 1 (the checkpoint's activity encoding, which batch inputs persisted by earlier builds hold) still decodes
/// to the same activities.
/// </summary>
public class ActivityBatchCodecProperties
{
    private static readonly string[] Names =
        ["FileDeleted", "MailRedirect", "Op1", "Ünïcødé-operation", new string('x', 65), "Ω", "a b"];

    private static readonly string[] Texts = ["", "alice@contoso.com", "bob", "Zoë", "/sites/x/doc.docx", "日本", new string('u', 300)];

    private static Gen<Activity> Activities()
    {
        var time = Gen.OneOf(
            Gen.Choose(0, 100_000).Select(ms => new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero).AddMilliseconds(ms)),
            Gen.Elements(DateTimeOffset.MinValue, DateTimeOffset.MaxValue, new DateTimeOffset(2026, 3, 1, 5, 0, 0, TimeSpan.FromHours(3))));
        var optional = Gen.Elements(Texts).Select(t => (string?)t).Or(Gen.Constant<string?>(null));
        var ip = Gen.Elements<IPAddress?>(null, IPAddress.Parse("10.0.0.1"), IPAddress.Parse("2001:db8::1"), IPAddress.IPv6Loopback);
        var tags = Gen.Elements(Texts).ArrayOf().Select(a => a.Take(3).ToArray());
        var properties = Gen.Elements(Texts).ArrayOf().Select(keys =>
        {
            var d = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var k in keys)
            {
                d.TryAdd(k, k + "=v");
            }

            return (IReadOnlyDictionary<string, string>)d;
        });
        return from id in Gen.Elements("a1", "ä-2", "id-" + new string('y', 70), "z")
               from t in time
               from operation in Gen.Elements(Names)
               from user in optional
               from address in ip
               from objectId in optional
               from workload in Gen.Elements(Names).Select(n => (string?)n).Or(Gen.Constant<string?>(null))
               from userTags in tags
               from props in properties
               select new Activity(id, t, operation)
               {
                   UserId = user,
                   ClientIp = address,
                   ObjectId = objectId,
                   Workload = workload,
                   UserTags = userTags,
                   Properties = props,
               };
    }

    [Property(MaxTest = 200)]
    public Property Any_batch_round_trips() =>
        Prop.ForAll(Arb.From(Activities().ListOf().Select(l => l.ToArray())), batch =>
        {
            AssertEqual(batch, ActivityBatchCodec.Decode(ActivityBatchCodec.Encode(batch)));
            AssertEqual(batch, ActivityBatchCodec.Decode(Version1(batch)));
        });

    /// <summary>Batches of several chunks (up to four, the last one partial or full) decode to the same activities one
    /// chunk after the other and on several threads; each chunk starts again from a whole time, whatever the previous
    /// chunk's last time was.</summary>
    [Property(MaxTest = 40)]
    public Property A_batch_of_several_chunks_round_trips_decoded_in_parallel_or_not() =>
        Prop.ForAll(
            Arb.From(Activities().ListOf().Select(l => l.ToArray()).Where(l => l.Length > 0)),
            Arb.From(Gen.Choose(ActivityBatchCodec.ChunkSize - 1, (4 * ActivityBatchCodec.ChunkSize) + 1)),
            (pattern, count) =>
            {
                var batch = new Activity[count];
                for (var i = 0; i < count; i++)
                {
                    batch[i] = pattern[i % pattern.Length];
                }

                var bytes = ActivityBatchCodec.Encode(batch);
                AssertEqual(batch, ActivityBatchCodec.Decode(bytes));
                AssertEqual(batch, ActivityBatchCodec.Decode(bytes, parallel: true));
            });

    [Fact]
    public void Version_2_batches_still_decode()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        Activity[] batch = [new("a", t0, "Op") { UserId = "alice" }, new("b", t0.AddSeconds(-5), "Op2") { Workload = "Op" }];
        // Version 2: version, count, the name table, then the activities (flags, id, time, name index, fields).
        var writer = new CheckpointWriter();
        writer.Write((byte)2);
        writer.Write(2);
        writer.Write(2);
        writer.Write(2);
        writer.Write("Op"u8);
        writer.Write(3);
        writer.Write("Op2"u8);
        writer.Write((byte)(1 | 64));
        writer.Write("a");
        writer.Write(t0.UtcTicks);
        writer.Write("\0\0"u8);
        writer.Write((byte)5);
        writer.Write("alice"u8);
        writer.Write((byte)8);
        writer.Write("b");
        writer.Write((int)(-5 * TimeSpan.TicksPerSecond));
        writer.Write("\u0001\0"u8);
        writer.Write("\0\0"u8);
        AssertEqual(batch, ActivityBatchCodec.Decode(writer.Written.ToArray()));
    }

    [Fact]
    public void A_chunk_table_that_does_not_fit_the_chunks_is_invalid_data()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var batch = new Activity[ActivityBatchCodec.ChunkSize + 10];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new Activity("a" + i, t0.AddSeconds(i), "Op");
        }

        var bytes = ActivityBatchCodec.Encode(batch);
        // version, count, name count, name length, "Op", chunk count, then per chunk its first index and offset.
        var table = 1 + 4 + 4 + 4 + 2 + 4;
        Assert.Equal(2, BitConverter.ToInt32(bytes, table - 4));
        Assert.Equal(ActivityBatchCodec.ChunkSize, BitConverter.ToInt32(bytes, table + 8));
        foreach (var parallel in new[] { false, true })
        {
            foreach (var (at, value) in new[]
            {
                (table - 4, 3), // more chunks than listed
                (table - 4, 0), // no chunk for activities
                (table, 1), // the first chunk not at the first activity
                (table + 4, BitConverter.ToInt32(bytes, table + 4) + 1), // nor where the activities start
                (table + 8, ActivityBatchCodec.ChunkSize + 1), // the second chunk one activity late
                (table + 8, 0), // chunks out of order
                (table + 12, BitConverter.ToInt32(bytes, table + 12) - 1), // the second chunk's offset inside an activity
                (table + 12, bytes.Length + 1), // past the end
            })
            {
                var corrupt = (byte[])bytes.Clone();
                BitConverter.TryWriteBytes(corrupt.AsSpan(at), value);
                Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(corrupt, parallel));
            }

            // The second chunk's first activity without its whole time.
            var second = (byte[])bytes.Clone();
            second[BitConverter.ToInt32(bytes, table + 12)] &= 63;
            Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(second, parallel));
            AssertEqual(batch, ActivityBatchCodec.Decode(bytes, parallel));
        }
    }

    [Fact]
    public void More_names_than_two_bytes_index_round_trip()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var batch = new Activity[70_000];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new Activity("a" + i, t0.AddMilliseconds(i), "Op" + i) { Workload = i % 2 == 0 ? "W" + i : null };
        }

        AssertEqual(batch, ActivityBatchCodec.Decode(ActivityBatchCodec.Encode(batch)));
    }

    [Fact]
    public void The_benchmark_activity_takes_about_two_thirds_of_version_1()
    {
        var t0 = new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero);
        var batch = new Activity[1000];
        for (var i = 0; i < batch.Length; i++)
        {
            batch[i] = new Activity("a" + (100_000 + i), t0.AddMilliseconds(10 * i), "Op" + (i % 100)) { UserId = "user" + (10_000 + i) + "@contoso.com" };
        }

        var v3 = ActivityBatchCodec.Encode(batch).Length;
        var v1 = Version1(batch).Length;
        Assert.InRange(v3, 1, v1 * 0.7);
    }

    [Fact]
    public void Unknown_flags_and_names_outside_the_table_are_invalid_data()
    {
        var bytes = ActivityBatchCodec.Encode([new Activity("a", DateTimeOffset.UnixEpoch, "Op")]);
        // version, count, name count, name length, "Op", the chunk table (one chunk), then the first activity's flags.
        var flags = 1 + 4 + 4 + 4 + 2 + 4 + 8;
        var corrupt = (byte[])bytes.Clone();
        corrupt[flags] = 0x80 | 64;
        Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(corrupt));
        corrupt = (byte[])bytes.Clone();
        corrupt[flags] = 0; // the first activity without its whole time
        Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(corrupt));
        corrupt = (byte[])bytes.Clone();
        corrupt[^2] = 1; // the operation's index: 1 of a table of one name
        Assert.Throws<InvalidDataException>(() => ActivityBatchCodec.Decode(corrupt));
        Assert.Equal("Op", ActivityBatchCodec.Decode(bytes)[0].Operation);
    }

    private static byte[] Version1(Activity[] batch)
    {
        var writer = new CheckpointWriter();
        writer.Write((byte)1);
        writer.WriteActivities(batch);
        return writer.Written.ToArray();
    }

    /// <summary>Every field of each activity equal (the time as the same instant, decoded in UTC; properties in any
    /// order).</summary>
    internal static void AssertEqual(Activity[] expected, Activity[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            var (x, y) = (expected[i], actual[i]);
            Assert.Equal(x.Id, y.Id);
            Assert.Equal(x.Time.UtcTicks, y.Time.UtcTicks);
            Assert.Equal(TimeSpan.Zero, y.Time.Offset);
            Assert.Equal(x.Operation, y.Operation);
            Assert.Equal(x.UserId, y.UserId);
            Assert.Equal(x.ClientIp, y.ClientIp);
            Assert.Equal(x.ObjectId, y.ObjectId);
            Assert.Equal(x.Workload, y.Workload);
            Assert.Equal(x.UserTags, y.UserTags);
            Assert.Equal(x.Properties.OrderBy(p => p.Key, StringComparer.Ordinal), y.Properties.OrderBy(p => p.Key, StringComparer.Ordinal));
        }
    }
}
