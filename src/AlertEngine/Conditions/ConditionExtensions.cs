namespace AlertEngine;

/// <summary>Extension methods for <see cref="Condition"/>.</summary>
public static class ConditionExtensions
{
    /// <summary>
    /// Compiles the condition tree into a predicate, as <see cref="ConditionCompiler.Compile(Condition?)"/> does; a
    /// <see langword="null"/> condition matches every activity, so <c>policy.Conditions.Compile()</c> works for every policy.
    /// </summary>
    /// <param name="condition">The condition tree, or <see langword="null"/>.</param>
    /// <returns>A thread-safe predicate that does not allocate.</returns>
    /// <exception cref="ArgumentException">The tree is malformed; see <see cref="ConditionCompiler.Compile(Condition?)"/>.</exception>
    public static Func<Activity, bool> Compile(this Condition? condition) => ConditionCompiler.Compile(condition);
}
