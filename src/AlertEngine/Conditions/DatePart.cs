namespace AlertEngine;

/// <summary>The number a <see cref="NumberCondition"/> takes from a value: the value itself read as a number, or a part
/// of the value read as a date (Sigma's time modifiers).</summary>
internal enum DatePart
{
    /// <summary>The value is a number (a JSON number, or invariant-culture number text).</summary>
    None,

    /// <summary>The minute of a date, 0–59.</summary>
    Minute,

    /// <summary>The hour of a date, 0–23.</summary>
    Hour,

    /// <summary>The day of the month, 1–31.</summary>
    Day,

    /// <summary>The ISO-8601 week of the year, 1–53.</summary>
    Week,

    /// <summary>The month, 1–12.</summary>
    Month,

    /// <summary>The year.</summary>
    Year,
}
