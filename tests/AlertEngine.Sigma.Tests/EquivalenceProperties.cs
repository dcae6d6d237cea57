using System.Globalization;
using System.Net;
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

    // Modifier chains of the appendix beyond the wildcard ones, each with the values it takes.
    private static readonly string[] StringChains = ["windash", "windash|contains", "neq", "neq|contains"];
    private static readonly string[] EncodingChains = ["base64", "base64|contains", "wide|base64", "utf16be|base64|startswith", "base64offset|contains"];
    private static readonly string[] NumericChains = ["gt", "gte", "lt", "lte"];
    private static readonly string[] DashPieces = ["a", "-", "/", "\u2013", "b", "*"];
    private static readonly string[] PlainPieces = ["a", "b", "A", "ab"];
    private static readonly string[] Numbers = ["1", "10", "2.5", "-3"];
    private static readonly string[] Networks = ["10.0.0.0/8", "10.1.0.0/16", "2001:db8::/32"];
    private static readonly string[] ValuePieces = ["a", "b", "A", "ab", "*", "?", "x"];
    private static readonly string[] TextPieces = ["a", "b", "A", "B", "ab", "x", "*", "?"];
    private static readonly string[] Operations = ["Op1", "Op2", "Op3"];

    // Whole activity values the new modifiers can hit: numbers, addresses, dashes, and the encodings of plain values.
    private static readonly string[] SpecialValues =
    [
        .. Numbers, "10.0", "1e1", "10.1.2.3", "10.2.0.1", "11.0.0.1", "2001:db8::5", "::ffff:10.1.2.3", "-a", "/a", "\u2013a", "\u2014b", "\u2015a", "a-b", "a/b", "-a-b", "a\u2015/b",
        .. PlainPieces.SelectMany(p => new[]
        {
            Convert.ToBase64String(Encoding.UTF8.GetBytes(p)),
            Convert.ToBase64String(Encoding.Unicode.GetBytes(p)),
            Convert.ToBase64String(Encoding.BigEndianUnicode.GetBytes(p)) + "x",
            "x" + Convert.ToBase64String(Encoding.UTF8.GetBytes("q" + p)) + "x",
        }),

        // Encodings of values made of one or two pieces at each byte offset, with bytes after them: what base64offset
        // looks for, and where a character too many or too few at either end of its three encodings shows.
        .. PlainPieces.SelectMany(p => PlainPieces.Select(q => p + q).Append(p))
            .SelectMany(v => Enumerable.Range(0, 3).Select(shift => Convert.ToBase64String(Encoding.UTF8.GetBytes(new string('q', shift) + v + "zz")))),
    ];

    // Activity text made of dash characters (all five) and letters, for windash.
    private static readonly string[] DashTextPieces = ["a", "b", "-", "/", "\u2013", "\u2014", "\u2015"];

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

    private static Gen<string> Pieces(string[] pieces) => Gen.NonEmptyListOf(Gen.Elements(pieces)).Resize(3).Select(string.Concat);

    private static Gen<FieldSpec> Field() => Gen.Frequency(
        (8, WildcardField()),
        (1, Chain(StringChains, Pieces(DashPieces))),
        (1, Chain(EncodingChains, Pieces(PlainPieces))),
        (1, Chain(NumericChains, Gen.Elements(Numbers))),
        (1, Chain(["cidr"], Gen.Elements(Networks))),
        (1, Chain(["fieldref", "neq|fieldref"], Gen.Elements(Fields))));

    private static Gen<FieldSpec> Chain(string[] chains, Gen<string> values) =>
        from field in Gen.Elements(Fields)
        from chain in Gen.Elements(chains)
        from all in Gen.Frequency((4, Gen.Constant(false)), (1, Gen.Constant(true)))
        from list in Gen.NonEmptyListOf(values).Resize(2)
        select new FieldSpec(field, chain, all, [.. list], null);

    private static Gen<FieldSpec> WildcardField() =>
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

    private static Gen<Activity> ActivityGen(string[] hints) =>
        from op in Gen.Elements(Operations)
        from values in Gen.ArrayOf(Gen.Frequency(
            (hints.Length > 0 ? 3 : 0, Gen.Elements(hints.Length > 0 ? hints : [string.Empty]).Select(v => (string?)v)),
            (1, Gen.Constant<string?>(null)),
            (1, Gen.Constant<string?>(string.Empty)),
            (2, Gen.Elements(SpecialValues).Select(v => (string?)v)),
            (2, Gen.ArrayOf(Gen.Elements(DashTextPieces)).Resize(4).Select(p => (string?)string.Concat(p))),
            (5, Gen.ArrayOf(Gen.Elements(TextPieces)).Resize(4).Select(p => (string?)string.Concat(p)))), Fields.Length)
        select Build(op, values);

    /// <summary>Activity values made from the rule's own values, so the modifiers that transform them meet their targets:
    /// the value, each with all its dashes replaced by one of the five, its encodings (UTF-8, UTF-16 LE and BE) alone and
    /// at byte offsets 0–2 with bytes after it, and text around each.</summary>
    private static string[] Hints(IEnumerable<IEnumerable<FieldSpec>> searches)
    {
        var hints = new List<string>();
        foreach (var v in searches.SelectMany(s => s).SelectMany(f => f.Values).OfType<string>().Distinct())
        {
            var plain = v.Replace("*", string.Empty, StringComparison.Ordinal).Replace("?", string.Empty, StringComparison.Ordinal);
            hints.Add(v);
            hints.Add("x" + plain + "y");
            foreach (var dash in "-/\u2013\u2014\u2015")
            {
                hints.Add(string.Concat(plain.Select(c => "-/\u2013\u2014\u2015".Contains(c, StringComparison.Ordinal) ? dash : c)));
            }

            foreach (var encoding in new[] { Encoding.UTF8, Encoding.Unicode, Encoding.BigEndianUnicode })
            {
                hints.Add(Convert.ToBase64String(encoding.GetBytes(plain)));
                for (var shift = 0; shift < 3; shift++)
                {
                    hints.Add("e " + Convert.ToBase64String(encoding.GetBytes(new string('q', shift) + plain + "zz")));
                }
            }
        }

        return [.. hints];
    }

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
        from activities in Gen.ArrayOf(ActivityGen(Hints(searches)), 12)
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

        var chain = f.Modifier.Split('|', StringSplitOptions.RemoveEmptyEntries);
        var neq = chain.Contains("neq");
        var each = f.Values.Select(v =>
        {
            if (v is null)
            {
                return (Condition)new NotCondition(new PropertyCondition(f.Field, PropertyOperator.Matches, ["?*"]));
            }

            if (chain.Contains("cidr"))
            {
                return new NetworkCondition(f.Field, [IPNetwork.Parse(v)]);
            }

            if (chain.Contains("fieldref"))
            {
                return new FieldRefCondition(f.Field, v, Cased: false);
            }

            if (chain.FirstOrDefault(c => c is "gt" or "gte" or "lt" or "lte") is { } comparison)
            {
                var op = comparison switch { "gt" => NumberComparison.Greater, "gte" => NumberComparison.GreaterOrEqual, "lt" => NumberComparison.Less, _ => NumberComparison.LessOrEqual };
                return new NumberCondition(f.Field, op, double.Parse(v, CultureInfo.InvariantCulture), DatePart.None);
            }

            // The string modifiers, in key order, on the list of strings a value stands for (a value is a glob).
            var strings = new List<string> { v };
            var encoding = Encoding.UTF8; // what base64 encodes: UTF-8, or UTF-16 after wide / utf16be
            foreach (var m in chain)
            {
                switch (m)
                {
                    case "contains": strings = strings.ConvertAll(t => "*" + t + "*"); break;
                    case "startswith": strings = strings.ConvertAll(t => t + "*"); break;
                    case "endswith": strings = strings.ConvertAll(t => "*" + t); break;
                    case "windash": strings = [.. strings.SelectMany(Dashes)]; break;
                    case "wide": encoding = Encoding.Unicode; break;
                    case "utf16be": encoding = Encoding.BigEndianUnicode; break;
                    case "base64": strings = strings.ConvertAll(t => Convert.ToBase64String(encoding.GetBytes(t))); break;
                    case "base64offset": strings = [.. strings.SelectMany(t => Offsets(encoding.GetBytes(t)))]; break;
                }
            }

            var globs = strings.Select(glob => glob.Contains('*', StringComparison.Ordinal) || glob.Contains('?', StringComparison.Ordinal)
                ? new PropertyCondition(f.Field, PropertyOperator.Matches, [glob])
                : new PropertyCondition(f.Field, PropertyOperator.Equals, [glob])).ToArray<Condition>();
            return globs.Length == 1 ? globs[0] : new AnyCondition(globs);
        }).ToArray();
        Condition entry = f.All ? new AllCondition(each) : new AnyCondition(each);
        return neq ? new AllCondition([new PropertyCondition(f.Field, PropertyOperator.Matches, ["*"]), new NotCondition(entry)]) : entry;
    }

    /// <summary>windash: every dash character replaced by each of the five, in all combinations.</summary>
    private static IEnumerable<string> Dashes(string text)
    {
        const string dashes = "-/\u2013\u2014\u2015";
        IEnumerable<string> results = [string.Empty];
        foreach (var c in text)
        {
            var options = dashes.Contains(c, StringComparison.Ordinal) ? dashes.Select(d => d.ToString()) : [c.ToString()];
            results = results.SelectMany(r => options.Select(o => r + o)).ToList();
        }

        return results;
    }

    /// <summary>base64offset, from the appendix: the value shifted by 0, 1, 2 bytes, encoded, without the characters
    /// that depend on the surrounding bytes; a shift that leaves no character is left out (it would match anything).</summary>
    private static IEnumerable<string> Offsets(byte[] value)
    {
        for (var shift = 0; shift < 3; shift++)
        {
            var encoded = Convert.ToBase64String([.. new byte[shift], .. value]);
            var start = new[] { 0, 2, 3 }[shift];
            var end = encoded.Length - new[] { 0, 3, 2 }[(value.Length + shift) % 3];
            if (end > start)
            {
                yield return encoded[start..end];
            }
        }
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

    [Property(MaxTest = 500)]
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
