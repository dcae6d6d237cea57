using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Serialization;

/// <summary>
/// <see cref="ActivityReaderOptions.ReuseResults"/> (the replay command's reader): the results handed out, each looked
/// at before the next is asked for, say exactly what a default read's say; only the objects are reused.
/// </summary>
public class ActivityReaderResultReuseTests
{
    /// <summary>An input mixing fast-path lines, garbage, lines with notes and blank lines.</summary>
    public sealed record MixedInput(byte[] Bytes)
    {
        public override string ToString() => Encoding.UTF8.GetString(Bytes);
    }

    public static class Arbitraries
    {
        public static Arbitrary<MixedInput> Inputs() => Arb.From(
            Gen.ListOf(
                Gen.Frequency(
                    (6, PlainLine),
                    (2, ActivityReaderPropertyTests.Arbitraries.Lines().Generator.Select(g => g.Bytes)),
                    (1, Gen.Constant(Encoding.UTF8.GetBytes("""{"CreationTime":"2026-03-01T09:00:00","Id":"n1","Operation":"Op","ClientIP":"localhost"}"""))),
                    (1, Gen.Elements("", " ", "\r").Select(Encoding.UTF8.GetBytes))),
                30)
            .Select(lines => new MixedInput(lines.SelectMany(l => l.Append((byte)'\n')).ToArray())));

        private static Gen<byte[]> PlainLine { get; } =
            from id in Gen.Choose(0, 1_000_000)
            from second in Gen.Choose(0, 59)
            from user in Gen.Choose(0, 5)
            from ip in Gen.Choose(0, 255)
            from hasObject in Gen.Elements(true, false)
            select Encoding.UTF8.GetBytes(
                $$"""{"id":"a{{id}}","time":"2026-03-01T09:00:{{second:D2}}Z","operation":"FileDeleted","userId":"user{{user}}@contoso.com","clientIp":"10.0.0.{{ip}}"{{(hasObject ? $",\"objectId\":\"doc{id}.docx\"" : "")}}}""");
    }

    [Property(Arbitrary = [typeof(Arbitraries)], MaxTest = 200)]
    public Property Reused_results_read_sequentially_in_parallel_or_staged_say_what_a_default_read_says(MixedInput input, PositiveInt threads, PositiveInt batchLines)
    {
        var expected = Describe(ActivityReader.Read(new MemoryStream(input.Bytes), "m", new ActivityReaderOptions { MaxLineLength = 256 }));
        var sequential = Describe(ActivityReader.Read(new NonSeekable(input.Bytes, 7), "m", new ActivityReaderOptions { MaxLineLength = 256, ReuseResults = true }));
        var parallel = Describe(ActivityReader.Read(new NonSeekable(input.Bytes, 7), "m", new ActivityReaderOptions
        {
            MaxLineLength = 256,
            ReuseResults = true,
            MaxDegreeOfParallelism = 1 + (threads.Get % 4),
            ParallelBatchLines = 1 + (batchLines.Get % 7),
        }));
        var staged = DescribeStaged(input.Bytes, 1 + (batchLines.Get % 7));
        return (sequential.SequenceEqual(expected) && parallel.SequenceEqual(expected) && staged.SequenceEqual(expected))
            .Label("expected:\n" + string.Join("\n", expected) + "\nsequential:\n" + string.Join("\n", sequential)
                + "\nparallel:\n" + string.Join("\n", parallel) + "\nstaged:\n" + string.Join("\n", staged));
    }

    [Fact]
    public void Fast_path_lines_share_one_result_object_and_other_lines_get_their_own()
    {
        var input = Encoding.UTF8.GetBytes(
            """
            {"id":"a1","time":"2026-03-01T09:00:00Z","operation":"FileDeleted","userId":"alice"}
            {"id":"a2","time":"2026-03-01T09:00:01Z","operation":"FileDeleted","userId":"bob"}
            not json
            {"id":"a3","time":"2026-03-01T09:00:02Z","operation":"FileDeleted","userTags":["x"]}
            {"id":"a4","time":"2026-03-01T09:00:03Z","operation":"FileDeleted"}

            """);
        var seen = new List<(ActivityReadResult Result, long Line, string? Id)>();
        foreach (var result in ActivityReader.Read(new MemoryStream(input), "f", new ActivityReaderOptions { ReuseResults = true }))
        {
            seen.Add((result, result.LineNumber, result.Activity?.Id));
        }

        Assert.Equal([(1L, "a1"), (2L, "a2"), (3L, null), (4L, "a3"), (5L, "a4")], seen.Select(s => (s.Line, s.Id)));
        Assert.Same(seen[0].Result, seen[1].Result);
        Assert.Same(seen[0].Result, seen[4].Result);
        Assert.NotSame(seen[0].Result, seen[2].Result);
        Assert.NotSame(seen[0].Result, seen[3].Result);

        // The invalid line's and the general path's results are their own: later lines do not change them.
        Assert.False(seen[2].Result.IsValid);
        Assert.Equal(3, seen[2].Result.LineNumber);
        Assert.Equal("a3", seen[3].Result.Activity?.Id);

        // Without the option every line has a result of its own.
        var plain = ActivityReader.Read(new MemoryStream(input), "f").ToList();
        Assert.Equal(5, plain.Distinct().Count());
        Assert.Equal(["a1", "a2", null, "a3", "a4"], plain.Select(r => r.Activity?.Id));
    }

    /// <summary>The staged replay's way: unparsed batches with reused results, parsed, then looked at in order.</summary>
    private static List<string> DescribeStaged(byte[] bytes, int batchLines)
    {
        var described = new List<string>();
        var batches = new[] { new LineBatch(1, "m", batchLines, reuseResults: true), new LineBatch(1, "m", batchLines, reuseResults: true) };
        var next = 0;
        foreach (var batch in ActivityReader.ReadUnparsed(new NonSeekable(bytes, 7), "m", new ActivityReaderOptions { MaxLineLength = 256 }, () =>
        {
            var b = batches[next++ % 2];
            b.Clear();
            return b;
        }))
        {
            batch.ParseRange(0, 1);
            for (var i = 0; i < batch.Count; i++)
            {
                if (batch[i] is { } result)
                {
                    described.Add(Describe(result));
                }
            }
        }

        return described;
    }

    /// <summary>Each result described as it is handed out (a reused one changes with the next line).</summary>
    private static List<string> Describe(IEnumerable<ActivityReadResult> results)
    {
        var described = new List<string>();
        foreach (var result in results)
        {
            described.Add(Describe(result));
        }

        return described;
    }

    private static string Describe(ActivityReadResult r) =>
        $"{r.LineNumber} {r} | {r.Activity?.ClientIp} {r.Activity?.ObjectId} | {string.Join(" | ", r.Notes.Select(n => n.Message))}";
}
