namespace AlertEngine.Sigma;

/// <summary>
/// The operations a condition can match at most, found from the tree: the engine routes activities to policies by
/// operation, so a Sigma rule must pin its operations with a plain selection on the <c>Operation</c> field
/// (<c>Operation: New-InboxRule</c> or a list), required on every path of its condition.
/// </summary>
internal static class OperationSet
{
    /// <summary>The operations, in first-seen order; <see langword="null"/> when some path does not pin them.</summary>
    public static List<string>? Of(Condition condition)
    {
        switch (condition)
        {
            case PropertyCondition { Operator: PropertyOperator.Equals or PropertyOperator.In } p
                when ActivityFields.Resolve(p.Property) == ActivityField.Operation:
                return Distinct(p.Values);
            case AllCondition all:
                List<string>? result = null;
                foreach (var child in all.Conditions)
                {
                    if (Of(child) is not { } set)
                    {
                        continue;
                    }

                    result = result is null ? set : result.FindAll(o => set.Contains(o, StringComparer.OrdinalIgnoreCase));
                }

                return result;
            case AnyCondition any:
                var union = new List<string>();
                foreach (var child in any.Conditions)
                {
                    if (Of(child) is not { } set)
                    {
                        return null;
                    }

                    union.AddRange(set);
                }

                return Distinct(union);
            default:
                return null;
        }
    }

    private static List<string> Distinct(IEnumerable<string> values)
    {
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var result = new List<string>();
        foreach (var value in values)
        {
            if (seen.Add(value))
            {
                result.Add(value);
            }
        }

        return result;
    }
}
