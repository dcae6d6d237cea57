using System.Net;

namespace AlertEngine;

/// <summary>
/// A compiled condition: an immutable tree of small sealed nodes, each holding what it needs precomputed (sets, globs,
/// network masks). <see cref="ConditionCompiler"/> builds the tree once and hands out <see cref="Evaluate"/> as the
/// predicate. Calls between nodes are virtual calls on sealed types. The commonest shapes (one leaf, <c>all</c> or
/// <c>any</c> of two leaves) are nodes generic over struct leaves (<see cref="LeafNode{TLeaf}"/>) that override
/// <see cref="Evaluate"/> with the whole test inlined: the predicate, a delegate bound to the override, then makes one
/// call, as a hand-written lambda does.
/// </summary>
internal abstract class ConditionNode
{
    /// <summary>Checks the argument, then evaluates the tree.</summary>
    public virtual bool Evaluate(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return Matches(activity);
    }

    /// <summary>Whether the activity matches (the activity is not null).</summary>
    public abstract bool Matches(Activity activity);
}

/// <summary>Always the same answer: no condition, an empty list, or values that can never match.</summary>
internal sealed class ConstantNode(bool value) : ConditionNode
{
    public static readonly ConstantNode True = new(true);

    public static readonly ConstantNode False = new(false);

    public bool Value { get; } = value;

    public override bool Matches(Activity activity) => Value;
}

/// <summary>Every child matches.</summary>
internal sealed class AllNode(ConditionNode[] children) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        foreach (var child in children)
        {
            if (!child.Matches(activity))
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>At least one child matches.</summary>
internal sealed class AnyNode(ConditionNode[] children) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        foreach (var child in children)
        {
            if (child.Matches(activity))
            {
                return true;
            }
        }

        return false;
    }
}

/// <summary>The child does not match.</summary>
internal sealed class NotNode(ConditionNode child) : ConditionNode
{
    public override bool Matches(Activity activity) => !child.Matches(activity);
}

/// <summary>A value reached by a dotted path (<see cref="FieldPath"/>) is in a set.</summary>
internal sealed class PathInSetNode(FieldPath path, CaseInsensitiveSet values) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        var matcher = new InSetMatcher(values);
        return path.AnyValue(activity, ref matcher);
    }

    private readonly struct InSetMatcher(CaseInsensitiveSet values) : IFieldValueMatcher
    {
        public bool Matches(scoped ReadOnlySpan<char> value) => values.Contains(value);
    }
}

/// <summary>A value reached by a dotted path (<see cref="FieldPath"/>) matches one of the globs.</summary>
internal sealed class PathGlobNode(FieldPath path, GlobPattern[] globs) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        var matcher = new GlobMatcher(globs);
        return path.AnyValue(activity, ref matcher);
    }

    private readonly struct GlobMatcher(GlobPattern[] globs) : IFieldValueMatcher
    {
        public bool Matches(scoped ReadOnlySpan<char> value) => GlobPattern.AnyMatch(globs, value);
    }
}

/// <summary>A string field or property (not the client IP) is matched by a non-backtracking expression.</summary>
internal sealed class FieldRegexNode(ActivityField field, string name, System.Text.RegularExpressions.Regex regex) : ConditionNode
{
    public override bool Matches(Activity activity) =>
        ActivityFields.Read(activity, field, name) is { } value && regex.IsMatch(value);
}

/// <summary>A value reached by a <see cref="FieldPath"/> (a dotted path, or the client IP's text form formatted on the
/// stack) is matched by a non-backtracking expression.</summary>
internal sealed class PathRegexNode(FieldPath path, System.Text.RegularExpressions.Regex regex) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        var matcher = new RegexMatcher(regex);
        return path.AnyValue(activity, ref matcher);
    }

    private readonly struct RegexMatcher(System.Text.RegularExpressions.Regex regex) : IFieldValueMatcher
    {
        public bool Matches(scoped ReadOnlySpan<char> value) => regex.IsMatch(value);
    }
}

/// <summary>The client IP's text form matches a glob.</summary>
internal sealed class ClientIpGlobNode(GlobPattern glob) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        if (activity.ClientIp is not IPAddress ip)
        {
            return false;
        }

        Span<char> buffer = stackalloc char[IpAddressText.MaxLength];
        return glob.IsMatch(IpAddressText.Format(ip, buffer));
    }
}

/// <summary>At least one of the activity's user tags is in a set.</summary>
internal sealed class UserTagsNode(CaseInsensitiveSet tags) : ConditionNode
{
    public override bool Matches(Activity activity) => tags.ContainsAny(activity.UserTags);
}

/// <summary>A value reached by a <see cref="FieldPath"/> read as a number (or a date's part) compares true
/// (<see cref="NumberCondition"/>).</summary>
internal sealed class PathNumberNode(FieldPath path, NumberComparison comparison, double value, DatePart part) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        var matcher = new NumberMatcher(comparison, value, part);
        return path.AnyValue(activity, ref matcher);
    }

    private readonly struct NumberMatcher(NumberComparison comparison, double value, DatePart part) : IFieldValueMatcher
    {
        public bool Matches(scoped ReadOnlySpan<char> text) =>
            NumberCondition.TryRead(text, part, out var number) && NumberCondition.Compare(number, comparison, value);
    }
}

/// <summary>A value reached by one <see cref="FieldPath"/> equals a value reached by another
/// (<see cref="FieldRefCondition"/>).</summary>
internal sealed class FieldRefNode(FieldPath path, FieldPath other, StringComparison comparison) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        var outer = new OuterMatcher(activity, other, comparison);
        return path.AnyValue(activity, ref outer);
    }

    private readonly struct OuterMatcher(Activity activity, FieldPath other, StringComparison comparison) : IFieldValueMatcher
    {
        public bool Matches(scoped ReadOnlySpan<char> value)
        {
            var inner = new InnerMatcher(value, comparison);
            return other.AnyValue(activity, ref inner);
        }
    }

    private readonly ref struct InnerMatcher : IFieldValueMatcher
    {
        private readonly ReadOnlySpan<char> _value;
        private readonly StringComparison _comparison;

        public InnerMatcher(ReadOnlySpan<char> value, StringComparison comparison)
        {
            _value = value;
            _comparison = comparison;
        }

        public bool Matches(scoped ReadOnlySpan<char> candidate) => candidate.Equals(_value, _comparison);
    }
}

/// <summary>A value reached by a <see cref="FieldPath"/> is the text of an address inside a set of networks
/// (<see cref="NetworkCondition"/> on a field other than the client IP).</summary>
internal sealed class PathInRangesNode(FieldPath path, IpRangeSet ranges) : ConditionNode
{
    public override bool Matches(Activity activity)
    {
        var matcher = new RangesMatcher(ranges);
        return path.AnyValue(activity, ref matcher);
    }

    private readonly struct RangesMatcher(IpRangeSet ranges) : IFieldValueMatcher
    {
        public bool Matches(scoped ReadOnlySpan<char> value) =>
            IpAddressText.TryParse(value, out var isV4, out var v4, out var v6) && ranges.Contains(isV4, v4, v6);
    }
}
