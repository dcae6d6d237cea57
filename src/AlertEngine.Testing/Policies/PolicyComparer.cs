namespace AlertEngine.Testing;

/// <summary>
/// Structural equality of policies and conditions: lists compare element by element (the model's records compare
/// lists by reference). Use it to assert that a policy survives a round trip, e.g.
/// <c>Assert.Equal(policies, PolicySerializer.Load(PolicySerializer.Save(policies)).Value, PolicyComparer.Instance)</c>.
/// </summary>
public sealed class PolicyComparer : IEqualityComparer<AlertPolicy>, IEqualityComparer<Condition>
{
    private PolicyComparer()
    {
    }

    /// <summary>The comparer.</summary>
    public static PolicyComparer Instance { get; } = new();

    /// <summary>Whether two policies are structurally equal.</summary>
    /// <param name="x">A policy.</param>
    /// <param name="y">Another policy.</param>
    /// <returns><see langword="true"/> when every field, list and condition is equal.</returns>
    public bool Equals(AlertPolicy? x, AlertPolicy? y)
    {
        if (ReferenceEquals(x, y))
        {
            return true;
        }

        if (x is null || y is null)
        {
            return false;
        }

        return x.Id == y.Id
            && x.Name == y.Name
            && x.Description == y.Description
            && x.Enabled == y.Enabled
            && x.Type == y.Type
            && x.Category == y.Category
            && x.Severity == y.Severity
            && x.Operations.SequenceEqual(y.Operations)
            && Equals(x.Conditions, y.Conditions)
            && Equals(x.Trigger, y.Trigger) // trigger records hold no lists: record equality is structural
            && Equals(x.Aggregation, y.Aggregation)
            && x.AutomatedInvestigation == y.AutomatedInvestigation
            && NotificationEquals(x.Notification, y.Notification);
    }

    /// <summary>Whether two conditions are structurally equal.</summary>
    /// <param name="x">A condition.</param>
    /// <param name="y">Another condition.</param>
    /// <returns><see langword="true"/> when the trees are equal node by node.</returns>
    public bool Equals(Condition? x, Condition? y) => (x, y) switch
    {
        (null, null) => true,
        (AllCondition a, AllCondition b) => a.Conditions.SequenceEqual(b.Conditions, this),
        (AnyCondition a, AnyCondition b) => a.Conditions.SequenceEqual(b.Conditions, this),
        (NotCondition a, NotCondition b) => Equals(a.Condition, b.Condition),
        (UsersCondition a, UsersCondition b) => a.Users.SequenceEqual(b.Users),
        (IpAddressesCondition a, IpAddressesCondition b) => a.Ranges.SequenceEqual(b.Ranges),
        (FileNamesCondition a, FileNamesCondition b) => a.Patterns.SequenceEqual(b.Patterns),
        (UrlsCondition a, UrlsCondition b) => a.Patterns.SequenceEqual(b.Patterns),
        (UserTagsCondition a, UserTagsCondition b) => a.Tags.SequenceEqual(b.Tags),
        (PropertyCondition a, PropertyCondition b) =>
            a.Property == b.Property && a.Operator == b.Operator && a.Values.SequenceEqual(b.Values),
        _ => false,
    };

    /// <summary>A hash code consistent with <see cref="Equals(AlertPolicy?, AlertPolicy?)"/>.</summary>
    /// <param name="obj">The policy.</param>
    /// <returns>The hash code.</returns>
    public int GetHashCode(AlertPolicy obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return HashCode.Combine(obj.Id, obj.Name, obj.Category, obj.Severity, obj.Operations.Count);
    }

    /// <summary>A hash code consistent with <see cref="Equals(Condition?, Condition?)"/>.</summary>
    /// <param name="obj">The condition.</param>
    /// <returns>The hash code.</returns>
    public int GetHashCode(Condition obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        return obj.GetType().GetHashCode();
    }

    private static bool NotificationEquals(NotificationSettings? x, NotificationSettings? y) =>
        x is null || y is null
            ? x is null && y is null
            : x.Enabled == y.Enabled
                && x.DailyLimit == y.DailyLimit
                && x.Recipients.SequenceEqual(y.Recipients)
                && x.EarlyWarning == y.EarlyWarning
                && Equals(x.Throttle, y.Throttle); // NotificationThrottle holds no lists: record equality is structural
}
