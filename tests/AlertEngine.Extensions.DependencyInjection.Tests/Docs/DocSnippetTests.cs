using System.Text;
using System.Text.RegularExpressions;

namespace AlertEngine.Extensions.DependencyInjection.Tests.Docs;

/// <summary>
/// The code blocks of the documentation are the compiled, tested code: a block placed under
/// <c>&lt;!-- snippet: path/File.cs#name --&gt;</c> must equal the region of that file between the lines
/// <c>// snippet: name</c> and <c>// end snippet</c> (with its common indentation removed). Run with
/// <c>UPDATE_DOC_SNIPPETS=1</c> to copy the regions into the documents instead.
/// </summary>
public partial class DocSnippetTests
{
    [GeneratedRegex(@"^<!-- snippet: (?<path>[^#\s]+)#(?<name>[\w-]+) -->$")]
    private static partial Regex Reference();

    private static string RepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "AlertEngine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("AlertEngine.sln not found above " + AppContext.BaseDirectory);
    }

    private static List<string> Lines(string path) => [.. File.ReadAllText(path).ReplaceLineEndings("\n").Split('\n')];

    /// <summary>The region's lines, without their common indentation.</summary>
    private static List<string> Region(string file, string name)
    {
        var lines = Lines(file);
        var start = lines.FindIndex(l => l.Trim() == "// snippet: " + name);
        Assert.True(start >= 0, $"{file} has no region '// snippet: {name}'");
        var end = lines.FindIndex(start + 1, l => l.Trim() == "// end snippet");
        Assert.True(end > start, $"{file}: region {name} has no '// end snippet'");
        var region = lines.GetRange(start + 1, end - start - 1);
        var indent = region.Where(l => l.Trim().Length > 0).Select(l => l.Length - l.TrimStart().Length).DefaultIfEmpty(0).Min();
        return region.ConvertAll(l => l.Length >= indent ? l[indent..] : l.TrimStart());
    }

    [Fact]
    public void Code_blocks_in_the_docs_equal_the_compiled_examples()
    {
        var root = RepoRoot();
        var update = Environment.GetEnvironmentVariable("UPDATE_DOC_SNIPPETS") == "1";
        var documents = Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Append(Path.Combine(root, "README.md"));
        var checkedBlocks = 0;
        var problems = new List<string>();
        foreach (var document in documents)
        {
            var lines = Lines(document);
            var changed = false;
            for (var i = 0; i < lines.Count; i++)
            {
                var reference = Reference().Match(lines[i].Trim());
                if (!reference.Success)
                {
                    continue;
                }

                var relative = Path.GetRelativePath(root, document);
                var source = Path.Combine(root, reference.Groups["path"].Value);
                if (!File.Exists(source))
                {
                    problems.Add($"{relative}:{i + 1}: {reference.Groups["path"].Value} does not exist");
                    continue;
                }

                var open = i + 1;
                var close = lines.FindIndex(open + 1, l => l.TrimEnd() == "```");
                if (open >= lines.Count || !lines[open].StartsWith("```", StringComparison.Ordinal) || close < 0)
                {
                    problems.Add($"{relative}:{i + 1}: a snippet reference must be followed by a fenced code block");
                    continue;
                }

                var expected = Region(source, reference.Groups["name"].Value);
                var actual = lines.GetRange(open + 1, close - open - 1);
                checkedBlocks++;
                if (!expected.SequenceEqual(actual))
                {
                    if (update)
                    {
                        lines.RemoveRange(open + 1, close - open - 1);
                        lines.InsertRange(open + 1, expected);
                        changed = true;
                    }
                    else
                    {
                        problems.Add($"{relative}:{i + 1}: the block differs from {reference.Groups["path"].Value}#{reference.Groups["name"].Value}");
                    }
                }
            }

            if (changed)
            {
                File.WriteAllText(document, string.Join('\n', lines), new UTF8Encoding(false));
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems) + Environment.NewLine
            + "Edit the example file (it is compiled and tested), then run the doc snippet test with UPDATE_DOC_SNIPPETS=1.");
        Assert.True(checkedBlocks >= 8, $"only {checkedBlocks} snippet references found in docs/");
    }

    [Fact]
    public void Policy_documents_and_activity_lines_in_the_docs_are_valid()
    {
        var root = RepoRoot();
        var policies = 0;
        var activities = 0;
        var problems = new List<string>();
        foreach (var document in Directory.GetFiles(Path.Combine(root, "docs"), "*.md"))
        {
            var lines = Lines(document);
            for (var i = 0; i < lines.Count; i++)
            {
                if (lines[i].Trim() != "```json")
                {
                    continue;
                }

                var close = lines.FindIndex(i + 1, l => l.Trim() == "```");
                var block = string.Join('\n', lines.GetRange(i + 1, close - i - 1));
                var where = $"{Path.GetFileName(document)}:{i + 1}";
                if (block.StartsWith('['))
                {
                    policies++;
                    var loaded = PolicySerializer.Load(block);
                    problems.AddRange(loaded.Errors.Select(e => $"{where}: {e}"));
                }
                else if (block.Contains("\"time\"", StringComparison.Ordinal) || block.Contains("\"CreationTime\"", StringComparison.Ordinal))
                {
                    activities++;
                    var read = ActivityReader.ParseLine(block, where);
                    problems.AddRange(read.Errors.Select(e => e.ToString()));
                }

                i = close;
            }
        }

        Assert.True(problems.Count == 0, string.Join(Environment.NewLine, problems));
        Assert.True(policies >= 2 && activities >= 2, $"found {policies} policy documents and {activities} activity lines");
    }
}
