namespace AlertEngine;

/// <summary>
/// A compiled condition that is one leaf (<see cref="IConditionLeaf"/>), and the way two leaves are joined into one
/// node: <see cref="JoinWith"/> and <see cref="JoinAfter{TFirst}"/> are a double dispatch (the first leaf's node calls the
/// second's with its own leaf type as the type argument), so the node built for <c>all</c>/<c>any</c> of two leaves knows
/// both leaf types without reflection.
/// </summary>
internal abstract class LeafNode : ConditionNode
{
    /// <summary>A node for <c>all</c> (<paramref name="all"/>) or <c>any</c> of this leaf then <paramref name="second"/>.</summary>
    public abstract ConditionNode JoinWith(LeafNode second, bool all);

    /// <summary>A node for <c>all</c> or <c>any</c> of <paramref name="first"/> then this leaf.</summary>
    public abstract ConditionNode JoinAfter<TFirst>(TFirst first, bool all)
        where TFirst : struct, IConditionLeaf;
}

/// <summary>One leaf.</summary>
internal sealed class LeafNode<TLeaf>(TLeaf leaf) : LeafNode
    where TLeaf : struct, IConditionLeaf
{
    public override bool Evaluate(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return leaf.Matches(activity);
    }

    public override bool Matches(Activity activity) => leaf.Matches(activity);

    public override ConditionNode JoinWith(LeafNode second, bool all) => second.JoinAfter(leaf, all);

    public override ConditionNode JoinAfter<TFirst>(TFirst first, bool all) =>
        all ? new AllOfTwoNode<TFirst, TLeaf>(first, leaf) : new AnyOfTwoNode<TFirst, TLeaf>(first, leaf);
}

/// <summary><c>all</c> of two leaves, the first evaluated first.</summary>
internal sealed class AllOfTwoNode<TFirst, TSecond>(TFirst first, TSecond second) : ConditionNode
    where TFirst : struct, IConditionLeaf
    where TSecond : struct, IConditionLeaf
{
    public override bool Evaluate(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return first.Matches(activity) && second.Matches(activity);
    }

    public override bool Matches(Activity activity) => first.Matches(activity) && second.Matches(activity);
}

/// <summary><c>any</c> of two leaves, the first evaluated first.</summary>
internal sealed class AnyOfTwoNode<TFirst, TSecond>(TFirst first, TSecond second) : ConditionNode
    where TFirst : struct, IConditionLeaf
    where TSecond : struct, IConditionLeaf
{
    public override bool Evaluate(Activity activity)
    {
        ArgumentNullException.ThrowIfNull(activity);
        return first.Matches(activity) || second.Matches(activity);
    }

    public override bool Matches(Activity activity) => first.Matches(activity) || second.Matches(activity);
}
