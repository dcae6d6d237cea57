using System.Net;
using System.Text;
using System.Text.Json;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Serialization;

public class ActivityReaderPropertyTests
{
    /// <summary>A line of bytes: random bytes, JSON-ish noise, or a valid line with a few bytes broken.</summary>
    public sealed record GarbageLine(byte[] Bytes)
    {
        public override string ToString() => Convert.ToBase64String(Bytes);
    }

    /// <summary>A whole input of garbage lines.</summary>
    public sealed record GarbageInput(byte[] Bytes)
    {
        public override string ToString() => Convert.ToBase64String(Bytes);
    }

    public sealed record NativeActivity(string Id, DateTimeOffset Time, string Operation, string? UserId, IPAddress? ClientIp, string[] Tags, Dictionary<string, string> Properties);

    private static readonly string[] Seeds =
    [
        """{"id":"a1","time":"2026-03-01T09:00:00Z","operation":"FileDeleted","userId":"alice@contoso.com","clientIp":"10.1.2.3","userTags":["Priority account"],"properties":{"MalwareFamily":"Emotet"}}""",
        """{"CreationTime":"2026-03-01T09:00:00","Id":"8f3c","Operation":"FileDeleted","RecordType":6,"ClientIP":"[2001:db8::1]:443","AppAccessContext":{"x":[1,2,{"y":null}]}}""",
    ];

    public static class Arbitraries
    {
        public static Arbitrary<GarbageLine> Lines() => Arb.From(LineGen.Select(b => new GarbageLine(b)));

        public static Arbitrary<GarbageInput> Inputs() => Arb.From(
            Gen.ListOf(LineGen, 20).Select(lines => new GarbageInput(lines.SelectMany(l => l.Append((byte)'\n')).ToArray())));

        public static Arbitrary<NativeActivity> Activities() => Arb.From(
            from id in Text(1)
            from seconds in Gen.Choose(0, 100_000_000)
            from op in Text(1)
            from user in Gen.OneOf(Gen.Constant<string?>(null), Text(1).Select(s => (string?)s))
            from ip in Gen.OneOf(
                Gen.Constant<IPAddress?>(null),
                Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 4).Select(b => (IPAddress?)new IPAddress(b)),
                Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i), 16).Select(b => (IPAddress?)new IPAddress(b)))
            from tags in Gen.ArrayOf(Text(0), 3)
            from keys in Gen.ListOf(Text(1), 4)
            from values in Gen.ListOf(Text(0), 4)
            select new NativeActivity(
                id,
                new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(seconds),
                op,
                user,
                ip is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetworkV6, IsIPv4MappedToIPv6: true } ? ip.MapToIPv4() : ip,
                tags,
                keys.Zip(values).DistinctBy(p => p.First, StringComparer.OrdinalIgnoreCase).ToDictionary(p => p.First, p => p.Second)));

        private static Gen<string> Text(int minLength) =>
            Gen.ArrayOf(Gen.Elements("aZ09 @.-_é\"\\\t<>/".ToCharArray().Select(c => c.ToString()).Append("😀").ToArray()))
                .Select(parts => string.Concat(parts))
                .Where(s => s.Length >= minLength);

        private static Gen<byte[]> LineGen { get; } = Gen.OneOf(
            Gen.ArrayOf(Gen.Choose(0, 255).Select(i => (byte)i)),
            Gen.ArrayOf(Gen.Elements("{}[]:,\"\\ 0123456789.-+eEtrufalsn idtimeoperationCreationTimeIdClientIP\u00e9\t\r".ToCharArray()))
                .Select(chars => Encoding.UTF8.GetBytes(chars)),
            from seed in Gen.Elements(Seeds)
            from edits in Gen.ListOf(Gen.Zip(Gen.Choose(0, 10_000), Gen.Choose(0, 255)), 5)
            select Mutate(Encoding.UTF8.GetBytes(seed), edits))
            .Select(b => b.Where(x => x != (byte)'\n').ToArray());

        private static byte[] Mutate(byte[] bytes, IEnumerable<(int Position, int Value)> edits)
        {
            var list = bytes.ToList();
            foreach (var (position, value) in edits)
            {
                var i = position % (list.Count + 1);
                switch (value % 3)
                {
                    case 0 when i < list.Count: list[i] = (byte)value; break;
                    case 1 when i < list.Count: list.RemoveAt(i); break;
                    default: list.Insert(i, (byte)value); break;
                }
            }

            return list.ToArray();
        }
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 500)]
    public bool Any_line_gives_either_an_activity_or_errors_and_never_throws(GarbageLine line)
    {
        var result = ActivityReader.ParseLine(line.Bytes, "g.jsonl", 3);

        return result.IsValid
            ? result.Errors.Count == 0
            : result.Errors.Count > 0 && result.Errors.All(e => e.Path == "g.jsonl:3" && e.Message.Length > 0);
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 200)]
    public bool Any_input_streams_one_result_per_non_blank_line_without_throwing(GarbageInput input)
    {
        var results = ActivityReader.Read(new MemoryStream(input.Bytes), "g", new ActivityReaderOptions { MaxLineLength = 64 }).ToList();
        var expectedLines = new List<long>();
        var number = 0L;
        foreach (var raw in Encoding.Latin1.GetString(input.Bytes).Split('\n'))
        {
            number++;
            var line = raw.EndsWith('\r') ? raw[..^1] : raw;
            var content = line.StartsWith("\u00EF\u00BB\u00BF", StringComparison.Ordinal) ? line[3..] : line;
            if (line.Length > 64 || content.Trim(' ', '\t', '\r').Length > 0)
            {
                expectedLines.Add(number);
            }
        }

        return results.All(r => r.IsValid ^ (r.Errors.Count > 0))
            && results.Select(r => r.LineNumber).SequenceEqual(expectedLines);
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 200)]
    public Property Parsing_in_parallel_batches_gives_the_sequential_results(GarbageInput input, PositiveInt threads, PositiveInt batchLines, bool async)
    {
        var sequential = Describe(ActivityReader.Read(new MemoryStream(input.Bytes), "g", new ActivityReaderOptions { MaxLineLength = 64 }));
        var options = new ActivityReaderOptions
        {
            MaxLineLength = 64,
            MaxDegreeOfParallelism = 1 + (threads.Get % 4),
            ParallelBatchLines = 1 + (batchLines.Get % 7),
        };
        var parallel = async
            ? Describe(ActivityReader.ReadAsync(new NonSeekable(input.Bytes, 7), "g", options).ToBlockingEnumerable())
            : Describe(ActivityReader.Read(new NonSeekable(input.Bytes, 7), "g", options));
        return parallel.SequenceEqual(sequential).Label("parallel:\n" + string.Join("\n", parallel) + "\nsequential:\n" + string.Join("\n", sequential));
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 200)]
    public Property Unparsed_batches_parsed_range_by_range_give_the_sequential_results(GarbageInput input, PositiveInt batchLines, PositiveInt ranges)
    {
        var sequential = Describe(ActivityReader.Read(new MemoryStream(input.Bytes), "g", new ActivityReaderOptions { MaxLineLength = 64 }));
        var staged = Describe(ReadStaged(new NonSeekable(input.Bytes, 7), "g", new ActivityReaderOptions { MaxLineLength = 64 }, 1 + (batchLines.Get % 7), 1 + (ranges.Get % 4)));
        return staged.SequenceEqual(sequential).Label("staged:\n" + string.Join("\n", staged) + "\nsequential:\n" + string.Join("\n", sequential));
    }

    /// <summary>What a staged caller does with <see cref="ActivityReader.ReadUnparsed"/>: each batch parsed range by
    /// range (last range first, as another thread might), then its results in order.</summary>
    internal static List<ActivityReadResult> ReadStaged(Stream stream, string sourceName, ActivityReaderOptions options, int batchLines, int ranges)
    {
        var results = new List<ActivityReadResult>();
        var batches = new[] { new LineBatch(1, sourceName, batchLines), new LineBatch(1, sourceName, batchLines) };
        var next = 0;
        foreach (var batch in ActivityReader.ReadUnparsed(stream, sourceName, options, () =>
        {
            var b = batches[next++ % 2];
            b.Clear();
            return b;
        }))
        {
            Assert.True(batch.Count > 0);
            for (var r = ranges - 1; r >= 0; r--)
            {
                batch.ParseRange(r, ranges);
            }

            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i] is { } result)
                {
                    results.Add(result);
                }
            }
        }

        return results;
    }

    /// <summary>Everything a reader's result says, as text.</summary>
    internal static List<string> Describe(IEnumerable<ActivityReadResult> results) =>
        results.Select(r => r.LineNumber + " " + r + " | " + string.Join(" | ", r.Notes.Select(n => n.Message))).ToList();

    [Property(Arbitrary = [typeof(Arbitraries)])]
    public bool A_native_line_written_by_a_json_writer_reads_back_the_same_activity(NativeActivity expected)
    {
        var json = new Dictionary<string, object?>
        {
            ["id"] = expected.Id,
            ["time"] = expected.Time.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["operation"] = expected.Operation,
            ["userId"] = expected.UserId,
            ["clientIp"] = expected.ClientIp?.ToString(),
            ["userTags"] = expected.Tags,
            ["properties"] = expected.Properties,
        };
        var line = JsonSerializer.Serialize(json);

        var result = ActivityReader.ParseLine(line);

        return result.IsValid
            && result.Activity.Id == expected.Id
            && result.Activity.Time == expected.Time
            && result.Activity.Operation == expected.Operation
            && result.Activity.UserId == (string.IsNullOrEmpty(expected.UserId) ? null : expected.UserId)
            && Equals(result.Activity.ClientIp, expected.ClientIp)
            && result.Activity.UserTags.SequenceEqual(expected.Tags)
            && result.Activity.Properties.Count == expected.Properties.Count
            && expected.Properties.All(p => result.Activity.Properties[p.Key] == p.Value);
    }
}
