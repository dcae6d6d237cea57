namespace AlertEngine;

/// <summary>A <see cref="Silence"/> with its matchers resolved once.</summary>
internal sealed class CompiledSilence
{
    private readonly Matcher[] _matchers;

    public CompiledSilence(Silence silence)
    {
        Silence = silence;
        _matchers = new Matcher[silence.Matchers.Count];
        for (var i = 0; i < _matchers.Length; i++)
        {
            _matchers[i] = Matcher.Create(silence.Matchers[i]);
        }
    }

    public Silence Silence { get; }

    /// <summary>Whether every matcher matches.</summary>
    public bool Matches(string policyId, AlertSeverity severity, AlertCategory category, Activity activity)
    {
        foreach (var m in _matchers)
        {
            if (!m.Matches(policyId, severity, category, activity))
            {
                return false;
            }
        }

        return true;
    }

    private sealed class Matcher
    {
        private readonly Kind _kind;
        private readonly string _value;
        private readonly int _enumValue;
        private readonly bool _negate;
        private readonly Func<Activity, string?>? _field;

        private Matcher(Kind kind, string value, int enumValue, bool negate, Func<Activity, string?>? field)
        {
            _kind = kind;
            _value = value;
            _enumValue = enumValue;
            _negate = negate;
            _field = field;
        }

        private enum Kind
        {
            Policy,
            Severity,
            Category,
            Field,
        }

        public static Matcher Create(SilenceMatcher m)
        {
            var negate = m.Operator == SilenceMatchOperator.NotEqual;
            var name = m.Name.Trim();
            if (name.Equals(SilenceMatcher.PolicyName, StringComparison.OrdinalIgnoreCase) || name.Equals("policyId", StringComparison.OrdinalIgnoreCase))
            {
                return new(Kind.Policy, m.Value, 0, negate, null);
            }

            if (name.Equals(SilenceMatcher.SeverityName, StringComparison.OrdinalIgnoreCase))
            {
                return new(Kind.Severity, m.Value, (int)Enum.Parse<AlertSeverity>(m.Value, true), negate, null);
            }

            if (name.Equals(SilenceMatcher.CategoryName, StringComparison.OrdinalIgnoreCase))
            {
                return new(Kind.Category, m.Value, (int)Enum.Parse<AlertCategory>(m.Value, true), negate, null);
            }

            var field = name.Equals(SilenceMatcher.UserName, StringComparison.OrdinalIgnoreCase) ? "userId" : name;
            return new(Kind.Field, m.Value, 0, negate, ActivityFields.Reader(field));
        }

        public bool Matches(string policyId, AlertSeverity severity, AlertCategory category, Activity activity)
        {
            var equal = _kind switch
            {
                Kind.Policy => string.Equals(policyId, _value, StringComparison.OrdinalIgnoreCase),
                Kind.Severity => (int)severity == _enumValue,
                Kind.Category => (int)category == _enumValue,
                _ => string.Equals(_field!(activity), _value, StringComparison.OrdinalIgnoreCase),
            };
            return equal != _negate;
        }
    }
}
