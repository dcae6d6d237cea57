using System.Net;

namespace AlertEngine;

/// <summary>
/// A node of a policy's activity-condition tree. Conditions are data: build them in code or load them from JSON,
/// then compile once with <c>ConditionCompiler.Compile</c> into a <see cref="Func{Activity, Boolean}"/>.
/// </summary>
public abstract record Condition
{
    private protected Condition()
    {
    }
}

/// <summary>Matches when every child matches (an empty list matches everything).</summary>
/// <param name="Conditions">The children.</param>
public sealed record AllCondition(IReadOnlyList<Condition> Conditions) : Condition;

/// <summary>Matches when at least one child matches (an empty list matches nothing).</summary>
/// <param name="Conditions">The children.</param>
public sealed record AnyCondition(IReadOnlyList<Condition> Conditions) : Condition;

/// <summary>Matches when the child does not.</summary>
/// <param name="Condition">The child.</param>
public sealed record NotCondition(Condition Condition) : Condition;

/// <summary>The user id equals one of these, case-insensitively. An activity without a user id does not match.</summary>
/// <param name="Users">User ids.</param>
public sealed record UsersCondition(IReadOnlyList<string> Users) : Condition;

/// <summary>The client IP equals an address or lies in a CIDR range (IPv4 or IPv6). An activity without a client IP does not match.</summary>
/// <param name="Ranges">Networks; a single address is a network of full prefix length.</param>
public sealed record IpAddressesCondition(IReadOnlyList<IPNetwork> Ranges) : Condition;

/// <summary>Glob (<c>*</c>, <c>?</c>, case-insensitive) on the file name: property <c>FileName</c> if present,
/// else the last path segment of the object id.</summary>
/// <param name="Patterns">Globs.</param>
public sealed record FileNamesCondition(IReadOnlyList<string> Patterns) : Condition;

/// <summary>Glob (<c>*</c>, <c>?</c>, case-insensitive) on the object id.</summary>
/// <param name="Patterns">Globs.</param>
public sealed record UrlsCondition(IReadOnlyList<string> Patterns) : Condition;

/// <summary>The activity carries at least one of these user tags (case-insensitive).</summary>
/// <param name="Tags">Tags.</param>
public sealed record UserTagsCondition(IReadOnlyList<string> Tags) : Condition;

/// <summary>How a <see cref="PropertyCondition"/> compares.</summary>
public enum PropertyOperator
{
    /// <summary>Equals one value, case-insensitively.</summary>
    Equals,
    /// <summary>Equals one of several values, case-insensitively.</summary>
    In,
    /// <summary>Matches a glob (<c>*</c>, <c>?</c>), case-insensitively.</summary>
    Matches,
}

/// <summary>
/// Compares a field (<c>userId</c>, <c>clientIp</c>, <c>objectId</c>, <c>workload</c>, <c>operation</c>, matched
/// case-insensitively), a key of the activity's properties, or a dotted path into a property that holds JSON
/// (<c>Parameters.Name</c>: any value reached may match). A missing value does not match.
/// </summary>
/// <param name="Property">The field or property name, or a dotted path.</param>
/// <param name="Operator">The comparison.</param>
/// <param name="Values">One value for <see cref="PropertyOperator.Equals"/> and <see cref="PropertyOperator.Matches"/>, one or more for <see cref="PropertyOperator.In"/>.</param>
public sealed record PropertyCondition(string Property, PropertyOperator Operator, IReadOnlyList<string> Values) : Condition;
