using YamlDotNet.RepresentationModel;

namespace AlertEngine.Sigma;

/// <summary>
/// Parses a Sigma condition: <c>and</c>, <c>or</c>, <c>not</c>, parentheses, <c>1 of X*</c>, <c>all of X*</c>,
/// <c>1 of them</c>, <c>all of them</c>. Precedence, least to most binding: or, and, not, x of, parentheses. Keywords
/// are case-insensitive; identifiers are matched exactly, patterns with <c>*</c> anywhere; <c>them</c> is every search
/// identifier not starting with <c>_</c>.
/// </summary>
internal sealed class SigmaConditionParser
{
    /// <summary>The deepest nesting of parentheses and <c>not</c> accepted: the parser and every later pass over the
    /// condition recurse per level, and a condition of 100,000 <c>(</c> would overflow the stack.</summary>
    public const int MaxNesting = 64;

    private readonly List<string> _tokens;
    private readonly IReadOnlyList<string> _order;
    private readonly IReadOnlyDictionary<string, Condition> _searches;
    private readonly YamlNode _at;
    private int _position;
    private int _nesting;

    private SigmaConditionParser(List<string> tokens, IReadOnlyList<string> order, IReadOnlyDictionary<string, Condition> searches, YamlNode at)
    {
        _tokens = tokens;
        _order = order;
        _searches = searches;
        _at = at;
    }

    /// <summary>Parses <paramref name="text"/> over the search identifiers (in rule order).</summary>
    public static Condition Parse(string text, IReadOnlyList<string> order, IReadOnlyDictionary<string, Condition> searches, YamlNode at)
    {
        if (text.Contains('|', StringComparison.Ordinal))
        {
            throw new SigmaRuleException(at, "aggregations in the condition ('| count() …', Sigma 1) are not supported; use a correlation rule.");
        }

        var parser = new SigmaConditionParser(Tokenize(text), order, searches, at);
        if (parser._tokens.Count == 0)
        {
            throw new SigmaRuleException(at, "the condition is empty.");
        }

        var result = parser.ParseOr();
        if (parser._position < parser._tokens.Count)
        {
            throw parser.Error($"unexpected '{parser._tokens[parser._position]}'");
        }

        return result;
    }

    private static List<string> Tokenize(string text)
    {
        var tokens = new List<string>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c is '(' or ')')
            {
                tokens.Add(c.ToString());
                i++;
            }
            else
            {
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]) && text[i] is not '(' and not ')')
                {
                    i++;
                }

                tokens.Add(text[start..i]);
            }
        }

        return tokens;
    }

    private Condition ParseOr()
    {
        var parts = new List<Condition> { ParseAnd() };
        while (Accept("or"))
        {
            parts.Add(ParseAnd());
        }

        return parts.Count == 1 ? parts[0] : new AnyCondition(parts);
    }

    private Condition ParseAnd()
    {
        var parts = new List<Condition> { ParseNot() };
        while (Accept("and"))
        {
            parts.Add(ParseNot());
        }

        return parts.Count == 1 ? parts[0] : new AllCondition(parts);
    }

    private Condition ParseNot()
    {
        if (!Accept("not"))
        {
            return ParsePrimary();
        }

        Nest();
        var inner = new NotCondition(ParseNot());
        _nesting--;
        return inner;
    }

    private void Nest()
    {
        if (++_nesting > MaxNesting)
        {
            throw Error($"the condition nests parentheses and 'not' more than {MaxNesting} levels deep");
        }
    }

    private Condition ParsePrimary()
    {
        var token = Next("an identifier, 'not', '1 of', 'all of' or '('");
        if (token == "(")
        {
            Nest();
            var inner = ParseOr();
            if (Next("')'") != ")")
            {
                throw Error("expected ')'");
            }

            _nesting--;
            return inner;
        }

        if (IsKeyword(token, "1") || IsKeyword(token, "all") || IsKeyword(token, "any"))
        {
            if (IsKeyword(token, "any"))
            {
                throw Error("'any of' is not Sigma; write '1 of'");
            }

            if (!Accept("of"))
            {
                throw Error($"expected 'of' after '{token}'");
            }

            var pattern = Next("a search identifier pattern or 'them'");
            var matched = Matching(pattern);
            if (matched.Count == 0)
            {
                throw Error($"'{pattern}' matches no search identifier");
            }

            var isAll = IsKeyword(token, "all");
            return matched.Count == 1 ? matched[0] : isAll ? new AllCondition(matched) : new AnyCondition(matched);
        }

        if (token is ")" || IsKeyword(token, "and") || IsKeyword(token, "or") || IsKeyword(token, "of") || IsKeyword(token, "them"))
        {
            throw Error($"unexpected '{token}'");
        }

        return _searches.TryGetValue(token, out var search)
            ? search
            : throw Error($"'{token}' is not a search identifier of the detection");
    }

    private List<Condition> Matching(string pattern)
    {
        var result = new List<Condition>();
        if (IsKeyword(pattern, "them"))
        {
            foreach (var name in _order)
            {
                if (!name.StartsWith('_'))
                {
                    result.Add(_searches[name]);
                }
            }

            return result;
        }

        foreach (var name in _order)
        {
            if (WildcardMatch(pattern, name))
            {
                result.Add(_searches[name]);
            }
        }

        return result;
    }

    /// <summary>Whether <paramref name="name"/> matches <paramref name="pattern"/>, <c>*</c> being any run (exact case).</summary>
    private static bool WildcardMatch(string pattern, string name)
    {
        var pieces = pattern.Split('*');
        if (pieces.Length == 1)
        {
            return pattern == name;
        }

        if (!name.StartsWith(pieces[0], StringComparison.Ordinal) || !name.EndsWith(pieces[^1], StringComparison.Ordinal)
            || name.Length < pieces[0].Length + pieces[^1].Length)
        {
            return false;
        }

        var at = pieces[0].Length;
        var end = name.Length - pieces[^1].Length;
        for (var i = 1; i < pieces.Length - 1; i++)
        {
            var found = name.IndexOf(pieces[i], at, end - at, StringComparison.Ordinal);
            if (found < 0)
            {
                return false;
            }

            at = found + pieces[i].Length;
        }

        return true;
    }

    private bool Accept(string keyword)
    {
        if (_position < _tokens.Count && IsKeyword(_tokens[_position], keyword))
        {
            _position++;
            return true;
        }

        return false;
    }

    private string Next(string expected) =>
        _position < _tokens.Count ? _tokens[_position++] : throw Error($"the condition ends where {expected} was expected");

    private static bool IsKeyword(string token, string keyword) => token.Equals(keyword, StringComparison.OrdinalIgnoreCase);

    private SigmaRuleException Error(string problem) => new(_at, $"condition: {problem}.");
}
