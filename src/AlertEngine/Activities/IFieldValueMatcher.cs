namespace AlertEngine;

/// <summary>
/// Tests one value reached by a <see cref="FieldPath"/>. Implemented by small structs so that
/// <see cref="FieldPath.AnyValue{TMatcher}"/> is specialised per matcher and never boxes or allocates.
/// </summary>
internal interface IFieldValueMatcher
{
    /// <summary>Whether <paramref name="value"/> matches.</summary>
    bool Matches(scoped ReadOnlySpan<char> value);
}
