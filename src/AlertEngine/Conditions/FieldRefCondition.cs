namespace AlertEngine;

/// <summary>
/// Two fields or properties (each named as by <see cref="PropertyCondition"/>: top-level field, key of the properties,
/// or dotted path) have the same value: the condition holds when a value reached by <paramref name="Property"/> equals
/// a value reached by <paramref name="OtherProperty"/>, compared with <see cref="StringComparison.OrdinalIgnoreCase"/>
/// (or <see cref="StringComparison.Ordinal"/> when <paramref name="Cased"/>). A missing value on either side never
/// matches. Not part of the JSON policy format: it exists for Sigma's <c>fieldref</c> modifier, so it is internal.
/// </summary>
/// <param name="Property">The field or property name.</param>
/// <param name="OtherProperty">The field or property it is compared with.</param>
/// <param name="Cased">Whether case matters.</param>
internal sealed record FieldRefCondition(string Property, string OtherProperty, bool Cased) : Condition;
