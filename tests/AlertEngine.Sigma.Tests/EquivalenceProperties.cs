using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;

namespace AlertEngine.Sigma.Tests;

/// <summary>A generated Sigma detection gives the same verdict as the same condition built directly as a policy
/// condition (written here from the specification's meaning, not from the loader), on generated activities.</summary>
public sealed class EquivalenceProperties
{
    private static readonly string[] Fields = ["UserId", "ObjectId", "Workload", "A", "B"];
    private static readonly string[] Modifiers = ["", "contains", "startswith", "endswith"];
    private static readonly string[] ValuePieces = ["a", "b", "A", "ab", "*", "?", "x"];
    private static readonly string[] TextPieces = ["a", "b", "A", "B", "ab", "x", "*", "?"];
    private static readonly string[] Operations = ["Op1", "Op2", "Op3"];

    private sealed record FieldSpec(string Field, string Modifier, bool All, string?[] Values, bool? Exists);

    private abstract record Expr;

    private sealed record Ident(int Index) : Expr;

    private sealed record And(Expr Left, Expr Right) : Expr;

    private sealed record Or(Expr Left, Expr Right) : Expr;

    private sealed record Not(Expr Inner) : Expr;

    private sealed record OfPattern(bool All) : Expr;

    private sealed record OfThem(bool All) : Expr;

    public sealed record Case(string Yaml, Condition Expected, Activity[] Activities)
    {
        public override string ToString() => Yaml;
    }

    private static Gen<string> Value() => Gen.ArrayOf(Gen.Elements(ValuePieces)).Resize(3).Select(string.Concat);

    private static Gen<FieldSpec> Field() =>
        from field in Gen.Elements(Fields)
        from kind in Gen.Frequency((6, Gen.Constant(0)), (1, Gen.Constant(1)), (1, Gen.Constant(2)))
        from modifier in Gen.Elements(Modifiers)
        from all in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from values in Gen.NonEmptyListOf(Gen.Frequency((8, Value().Select(v => (string?)v)), (1, Gen.Constant<string?>(null)))).Resize(3)
        from exists in Gen.Elements(true, false)
        select kind switch
        {
            1 => new FieldSpec(field, "", false, [], exists),
            2 => new FieldSpec(field, "", false, [null], null),
            _ => new FieldSpec(field, modifier, all, modifier.Length > 0 ? [.. values.Select(v => v ?? "a")] : [.. values], null),
        };

    private static Gen<Expr> ExprGen(int depth, int identifiers)
    {
        var leaf = Gen.Frequency(
            (6, Gen.Choose(0, identifiers - 1).Select(i => (Expr)new Ident(i))),
            (1, Gen.Elements(true, false).Select(a => (Expr)new OfPattern(a))),
            (1, Gen.Elements(true, false).Select(a => (Expr)new OfThem(a))));
        if (depth == 0)
        {
            return leaf;
        }

        var sub = ExprGen(depth - 1, identifiers);
        return Gen.Frequency(
            (3, leaf),
            (2, from l in sub from r in sub select (Expr)new And(l, r)),
            (2, from l in sub from r in sub select (Expr)new Or(l, r)),
            (1, sub.Select(e => (Expr)new Not(e))));
    }

    private static Gen<Activity> ActivityGen() =>
        from op in Gen.Elements(Operations)
        from values in Gen.ArrayOf(Gen.Frequency(
            (1, Gen.Constant<string?>(null)),
            (1, Gen.Constant<string?>(string.Empty)),
            (5, Gen.ArrayOf(Gen.Elements(TextPieces)).Resize(4).Select(p => (string?)string.Concat(p)))), Fields.Length)
        select Build(op, values);

    private static Activity Build(string op, string?[] values)
    {
        var props = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (values[3] is { } a)
        {
            props["A"] = a;
        }

        if (values[4] is { } b)
        {
            props["B"] = b;
        }

        return new Activity("x", new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), op)
        {
            UserId = values[0],
            ObjectId = values[1],
            Workload = values[2],
            Properties = props,
        };
    }

    private static Arbitrary<Case> Cases() => Arb.From(
        from count in Gen.Choose(1, 3)
        from searches in Gen.ArrayOf(Gen.NonEmptyListOf(Field()).Resize(2), count)
        from expr in ExprGen(2, count)
        from ops in Gen.NonEmptyListOf(Gen.Elements(Operations)).Resize(2)
        from activities in Gen.ArrayOf(ActivityGen(), 12)
        select Make(searches.Select(s => s.DistinctBy(f => f.Field).ToArray()).ToArray(), expr, ops.Distinct().ToArray(), activities));

    private static Case Make(FieldSpec[][] searches, Expr expr, string[] ops, Activity[] activities)
    {
        var yaml = new StringBuilder();
        yaml.Append("op:\n    Operation: [").Append(string.Join(", ", ops)).Append("]\n");
        var expected = new Condition[searches.Length];
        for (var i = 0; i < searches.Length; i++)
        {
            yaml.Append("sel_").Append(i).Append(":\n");
            var parts = new List<Condition>();
            foreach (var f in searches[i])
            {
                var key = f.Field + (f.Exists is not null ? "|exists" : string.Empty) + (f.Modifier.Length > 0 ? "|" + f.Modifier : string.Empty) + (f.All ? "|all" : string.Empty);
                var value = f.Exists is { } e ? (e ? "true" : "false") : "[" + string.Join(", ", f.Values.Select(v => v is null ? "null" : "'" + v + "'")) + "]";
                yaml.Append("    ").Append(key).Append(": ").Append(value).Append('\n');
                parts.Add(Expected(f));
            }

            expected[i] = new AllCondition(parts);
        }

        yaml.Append("condition: op and (").Append(Render(expr, searches.Length)).Append(')');
        var condition = new AllCondition([new PropertyCondition("operation", PropertyOperator.In, ops), ExpectedExpr(expr, expected)]);
        return new Case(yaml.ToString(), condition, activities);
    }

    /// <summary>The meaning of a field entry, from the specification: a value is a glob (case-insensitive) or a plain
    /// value; contains/startswith/endswith add stars; a list is any of its values (all with |all); null is "absent or
    /// empty"; exists is presence.</summary>
    private static Condition Expected(FieldSpec f)
    {
        if (f.Exists is { } exists)
        {
            Condition present = new PropertyCondition(f.Field, PropertyOperator.Matches, ["*"]);
            return exists ? present : new NotCondition(present);
        }

        var each = f.Values.Select(v =>
        {
            if (v is null)
            {
                return (Condition)new NotCondition(new PropertyCondition(f.Field, PropertyOperator.Matches, ["?*"]));
            }

            var glob = (f.Modifier is "contains" or "endswith" ? "*" : string.Empty) + v + (f.Modifier is "contains" or "startswith" ? "*" : string.Empty);
            return glob.Contains('*', StringComparison.Ordinal) || glob.Contains('?', StringComparison.Ordinal)
                ? new PropertyCondition(f.Field, PropertyOperator.Matches, [glob])
                : new PropertyCondition(f.Field, PropertyOperator.Equals, [glob]);
        }).ToArray();
        return f.All ? new AllCondition(each) : new AnyCondition(each);
    }

    private static Condition ExpectedExpr(Expr e, Condition[] s) => e switch
    {
        Ident i => s[i.Index],
        And a => new AllCondition([ExpectedExpr(a.Left, s), ExpectedExpr(a.Right, s)]),
        Or o => new AnyCondition([ExpectedExpr(o.Left, s), ExpectedExpr(o.Right, s)]),
        Not n => new NotCondition(ExpectedExpr(n.Inner, s)),
        OfPattern p => p.All ? new AllCondition(s) : new AnyCondition(s),
        OfThem t => t.All ? new AllCondition([.. s, OpAlways()]) : new AnyCondition([.. s, OpAlways()]),
        _ => throw new InvalidOperationException(),
    };

    // "them" includes the "op" identifier, which holds for every activity the policy sees (it pins the operations).
    private static Condition OpAlways() => new AllCondition([]);

    private static string Render(Expr e, int n) => e switch
    {
        Ident i => "sel_" + i.Index,
        And a => "(" + Render(a.Left, n) + " and " + Render(a.Right, n) + ")",
        Or o => "(" + Render(o.Left, n) + " or " + Render(o.Right, n) + ")",
        Not x => "not " + Render(x.Inner, n),
        OfPattern p => (p.All ? "all" : "1") + " of sel_*",
        OfThem t => (t.All ? "all" : "1") + " of them",
        _ => throw new InvalidOperationException(),
    };

    [Property(MaxTest = 300)]
    public Property A_sigma_detection_equals_the_condition_built_directly() => Prop.ForAll(Cases(), c =>
    {
        var policy = Sigma.One(Sigma.Rule(c.Yaml));
        var sigma = ConditionCompiler.Compile(policy.Conditions);
        var direct = ConditionCompiler.Compile(c.Expected);
        foreach (var activity in c.Activities)
        {
            // The engine routes only the pinned operations to the policy; both must agree on those.
            if (policy.Operations.Contains(activity.Operation, StringComparer.OrdinalIgnoreCase))
            {
                Assert.True(direct(activity) == sigma(activity), $"{activity.Operation} {activity.UserId}|{activity.ObjectId}|{activity.Workload}|{string.Join(';', activity.Properties)}");
            }
        }
    });
}
