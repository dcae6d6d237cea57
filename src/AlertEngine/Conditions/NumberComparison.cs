namespace AlertEngine;

/// <summary>How a <see cref="NumberCondition"/> compares the activity's number with its value.</summary>
internal enum NumberComparison
{
    /// <summary>Less than (Sigma <c>lt</c>).</summary>
    Less,

    /// <summary>Less than or equal (Sigma <c>lte</c>).</summary>
    LessOrEqual,

    /// <summary>Greater than (Sigma <c>gt</c>).</summary>
    Greater,

    /// <summary>Greater than or equal (Sigma <c>gte</c>).</summary>
    GreaterOrEqual,

    /// <summary>Equal (a Sigma time modifier without a comparison).</summary>
    Equal,
}
