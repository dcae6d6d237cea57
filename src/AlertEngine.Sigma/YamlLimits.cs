using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// Bounds on what a YAML text can make the loader do, checked before a rule is compiled, so that a rule sent to the
/// HTTP API or read from a file cannot exhaust the host:
/// <list type="bullet">
/// <item><description><b>Nesting depth.</b> YamlDotNet's representation model loads a collection by recursing into it,
/// so a text of 100,000 <c>[</c> overflows the stack, which kills the process (a stack overflow cannot be caught).
/// <see cref="Load"/> first walks the text with YamlDotNet's event parser, which does not recurse, and refuses more
/// than <see cref="MaxDepth"/> levels.</description></item>
/// <item><description><b>Alias repetition.</b> An alias (<c>*name</c>) resolves to the anchored node itself, so loading
/// stays linear in the text, but the rule compiler visits a node once per reference: a list of 1,000 values referenced
/// by 1,000 aliases would become a condition of 1,000,000 values from a few kilobytes of text (and a few levels of such
/// references, billions: the "billion laughs" shape). <see cref="CheckAliases"/> refuses more than
/// <see cref="MaxAddedVisits"/> visits beyond a document's own nodes, and alias cycles.</description></item>
/// </list>
/// </summary>
internal static class YamlLimits
{
    /// <summary>The deepest nesting of sequences and mappings accepted (Sigma rules use fewer than ten levels).</summary>
    public const int MaxDepth = 64;

    /// <summary>The most node visits aliases may add to a document beyond its own nodes.</summary>
    public const long MaxAddedVisits = 100_000;

    /// <summary>Loads a YAML text whose nesting is at most <see cref="MaxDepth"/> levels.</summary>
    /// <param name="text">The text.</param>
    /// <param name="tooDeep">When the text nests too deeply: the 1-based line and the message.</param>
    /// <returns>The loaded documents, or <see langword="null"/> when the text nests too deeply.</returns>
    /// <exception cref="YamlException">The text is not valid YAML.</exception>
    public static YamlStream? Load(string text, out (int Line, string Message) tooDeep)
    {
        tooDeep = default;
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        while (parser.MoveNext())
        {
            switch (parser.Current)
            {
                case SequenceStart or MappingStart:
                    if (++depth > MaxDepth)
                    {
                        tooDeep = ((int)parser.Current.Start.Line, $"the YAML nests more than {MaxDepth} levels deep.");
                        return null;
                    }

                    break;
                case SequenceEnd or MappingEnd:
                    depth--;
                    break;
            }
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return stream;
    }

    /// <summary>
    /// The error for a document whose nodes, counted once per reference, exceed its distinct nodes by more than
    /// <see cref="MaxAddedVisits"/>, or whose aliases form a cycle; <see langword="null"/> when it is within the bound
    /// (always so without aliases).
    /// </summary>
    public static string? CheckAliases(YamlNode root)
    {
        // Visits per node: 1 + the children's visits, memoised by reference so shared nodes are counted once here
        // while their visits are multiplied by their references. Iterative (no recursion on deep nesting).
        var visits = new Dictionary<YamlNode, long>(ReferenceEqualityComparer.Instance);
        var stack = new Stack<(YamlNode Node, bool Expanded)>();
        stack.Push((root, false));
        while (stack.Count > 0)
        {
            var (node, expanded) = stack.Pop();
            if (!expanded)
            {
                if (visits.TryGetValue(node, out var known))
                {
                    if (known < 0)
                    {
                        return "the YAML aliases (*name) form a cycle.";
                    }

                    continue;
                }

                visits[node] = -1; // in progress
                stack.Push((node, true));
                foreach (var child in Children(node))
                {
                    if (visits.TryGetValue(child, out var state) && state < 0)
                    {
                        return "the YAML aliases (*name) form a cycle.";
                    }

                    stack.Push((child, false));
                }

                continue;
            }

            long total = 1;
            foreach (var child in Children(node))
            {
                total = Math.Min(total + visits[child], long.MaxValue / 2);
            }

            visits[node] = total;
        }

        var added = visits[root] - visits.Count;
        return added > MaxAddedVisits
            ? $"the YAML aliases (*name) repeat nodes {visits[root]:N0} times in all for {visits.Count:N0} distinct nodes; at most {MaxAddedVisits:N0} repetitions are allowed."
            : null;
    }

    private static IEnumerable<YamlNode> Children(YamlNode node)
    {
        switch (node)
        {
            case YamlSequenceNode sequence:
                foreach (var item in sequence.Children)
                {
                    yield return item;
                }

                break;
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    yield return key;
                    yield return value;
                }

                break;
        }
    }
}
