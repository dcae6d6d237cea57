using AlertEngine.Testing;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Tests.Conditions;

/// <summary>
/// Dotted paths against the naive oracle (<see cref="ConditionOracle.PathValues"/>, a <c>JsonDocument</c> walk): random
/// JSON texts (nested objects and arrays, repeated and escaped member names in both cases, escaped strings, numbers,
/// booleans, null, white space) under a property, random paths and conditions.
/// </summary>
public class DottedPathPropertyTests
{
    private static readonly string[] Names = ["a", "A", "b", "\\u0061", "B"];
    private static readonly string[] Strings = ["\"x\"", "\"X\"", "\"y\"", "\"\"", "\"\\u0078\"", "\"é\"", "\"a\\\"b\"", "\"{\\\"a\\\":1}\""];
    private static readonly string[] Scalars = ["1", "2.0", "-0", "true", "false", "null"];
    private static readonly string[] Spaces = ["", "", "", " ", "\n\t"];
    private static readonly string[] Segments = ["a", "A", "b", "c", ""];
    private static readonly string[] Values = ["x", "X", "y", "é", "a\"b", "1", "2.0", "true", "", "{\"a\":1}"];
    private static readonly string[] Globs = ["*", "?", "x*", "{*", "[*", "*\"*", "?.?"];

    internal static Gen<string> Json(int size)
    {
        var space = Gen.Elements(Spaces);
        var scalar = Gen.OneOf(Gen.Elements(Strings), Gen.Elements(Scalars));
        if (size <= 0)
        {
            return scalar;
        }

        var child = Json(size / 2);
        var member = from s1 in space
                     from name in Gen.Elements(Names)
                     from s2 in space
                     from value in child
                     select s1 + "\"" + name + "\"" + s2 + ":" + value;
        var obj = from members in member.ListOf().Select(l => l.Take(4))
                  from s in space
                  select "{" + s + string.Join(",", members) + "}";
        var arr = from items in child.ListOf().Select(l => l.Take(4))
                  from s in space
                  select "[" + s + string.Join(", ", items) + "]";
        return Gen.Frequency((1, scalar), (2, obj), (2, arr));
    }

    private static readonly Gen<Activity> Activities =
        from size in Gen.Choose(0, 12)
        from json in Gen.OneOf(Json(size), Json(size).Select(j => "{\"a\":" + j + "}"), Gen.Elements("plain", "{broken", "[1] 2"))
        from exactKey in Gen.Elements(false, false, false, true)
        select new Activity("x", TestData.T0, "Op")
        {
            Properties = exactKey
                ? new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["P"] = json, ["p.a"] = "x" }
                : new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["P"] = json },
        };

    private static readonly Gen<string> Paths =
        from root in Gen.Elements("P", "p", "P", "Q")
        from segments in Gen.Elements(Segments).NonEmptyListOf().Select(l => l.Take(3))
        select root + "." + string.Join(".", segments);

    private static readonly Gen<Condition> Conditions =
        from path in Paths
        from op in Gen.Elements(PropertyOperator.Equals, PropertyOperator.In, PropertyOperator.Matches)
        from values in op switch
        {
            PropertyOperator.Equals => Gen.Elements(Values).Select(v => new[] { v }),
            PropertyOperator.In => Gen.Elements(Values).ListOf().Select(l => l.Take(3).ToArray()),
            _ => Gen.Elements(Globs).Select(v => new[] { v }),
        }
        from negate in Gen.Elements(false, false, true)
        let condition = (Condition)new PropertyCondition(path, op, values)
        select negate ? new NotCondition(condition) : condition;

    [Property(MaxTest = 3000)]
    public Property Compiled_path_condition_agrees_with_the_oracle() =>
        Prop.ForAll(Activities.ToArbitrary(), Conditions.ToArbitrary(), (activity, condition) =>
        {
            // Evaluate twice: the first call parses and caches, the second reads the cache.
            var compiled = condition.Compile();
            var first = compiled(activity);
            var second = compiled(activity);
            var expected = ConditionOracle.Evaluate(condition, activity);
            return (first == expected && second == expected).Label(
                $"compiled {first}/{second}, oracle {expected}; {Describe.Of(condition)}; P = {activity.Properties["P"]}");
        });

    [Property(MaxTest = 3000)]
    public Property Values_reached_are_the_oracle_values_in_document_order() =>
        Prop.ForAll(Activities.ToArbitrary(), Paths.ToArbitrary(), (activity, name) =>
        {
            var path = FieldPath.Parse(name);
            var collector = new Collector([]);
            path.AnyValue(activity, ref collector);
            var expected = activity.TryGetProperty(name, out var whole) ? [whole] : ConditionOracle.PathValues(activity, name);
            return collector.Values.SequenceEqual(expected).Label(
                $"reached [{string.Join(" | ", collector.Values)}], oracle [{string.Join(" | ", expected)}]; path {name}; P = {activity.Properties["P"]}");
        });

    private readonly struct Collector(List<string> values) : IFieldValueMatcher
    {
        public List<string> Values => values;

        public bool Matches(scoped ReadOnlySpan<char> value)
        {
            values.Add(value.ToString());
            return false;
        }
    }
}
