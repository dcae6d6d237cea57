using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// Bounds what YAML aliases can multiply. YamlDotNet resolves an alias (<c>*name</c>) to the anchored node itself, so
/// loading stays linear in the text, but the rule compiler visits a node once per reference: a list of 1,000 values
/// referenced by 1,000 aliases would become a condition of 1,000,000 values from a few kilobytes of text (and a few
/// levels of such references, billions: the "billion laughs" shape). Rules are checked before they are compiled, so
/// one sent to the HTTP API or read from a file cannot exhaust the host's memory or CPU that way.
/// </summary>
internal static class YamlAliasBound
{
    /// <summary>The most node visits aliases may add to a document beyond its own nodes.</summary>
    public const long MaxAddedVisits = 100_000;

    /// <summary>
    /// The error for a document whose nodes, counted once per reference, exceed its distinct nodes by more than
    /// <see cref="MaxAddedVisits"/>, or whose aliases form a cycle; <see langword="null"/> when it is within the bound
    /// (always so without aliases).
    /// </summary>
    public static string? Check(YamlNode root)
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
