using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Conditions;

public class ConditionCompilerPropertyTests
{
    [Property(Arbitrary = [typeof(ActivityGenerators), typeof(ConditionGenerators)], MaxTest = 2000)]
    public Property Compiled_condition_agrees_with_the_naive_oracle(Condition condition, Activity activity)
    {
        var compiled = condition.Compile()(activity);
        var expected = ConditionOracle.Evaluate(condition, activity);
        return (compiled == expected).Label(
            $"compiled {compiled}, oracle {expected}; condition {Describe.Of(condition)}; activity {Describe.Of(activity)}");
    }

    [Property(Arbitrary = [typeof(ActivityGenerators)], MaxTest = 500)]
    public Property File_name_agrees_with_the_oracle(Activity activity)
    {
        var compiled = ActivityFields.FileName(activity).ToString();
        var expected = ConditionOracle.FileName(activity);
        return (compiled == expected).Label($"compiled '{compiled}', oracle '{expected}'; activity {Describe.Of(activity)}");
    }

    [Property(MaxTest = 2000)]
    public Property Glob_agrees_with_the_naive_recursive_glob()
    {
        // A small alphabet with both cases, so that stars, question marks and case folding interact often.
        var patterns = Gen.Elements('a', 'A', 'b', '*', '*', '?').ArrayOf().Select(c => new string(c));
        var texts = Gen.Elements('a', 'A', 'b', 'B').ArrayOf().Select(c => new string(c));
        return Prop.ForAll(patterns.ToArbitrary(), texts.ToArbitrary(), (pattern, text) =>
            GlobPattern.Create(pattern).IsMatch(text) == ConditionOracle.GlobMatches(pattern, text));
    }
}
