namespace AlertEngine;

/// <summary>
/// Options of a <see cref="NewValueTracker"/>. The tracker copies the values when it is created; changing the options
/// afterwards does not affect it.
/// </summary>
public sealed class NewValueTrackerOptions
{
    /// <summary>The default <see cref="MaxTrackedKeys"/>, 1,000,000.</summary>
    public const int DefaultMaxTrackedKeys = 1_000_000;

    /// <summary>The default <see cref="MaxValuesPerKey"/>, 1,000.</summary>
    public const int DefaultMaxValuesPerKey = 1000;

    /// <summary>Cap on the keys tracked at once; a value for a new key beyond it is not recorded and is reported as
    /// <see cref="NewValueOutcome.KeyCapExceeded"/>. Default 1,000,000. Must be at least 1.</summary>
    public int MaxTrackedKeys { get; set; } = DefaultMaxTrackedKeys;

    /// <summary>
    /// Cap on the values remembered per key. When a key already remembers this many values inside the lookback, a new
    /// value makes it forget the one seen least recently (counted in <see cref="NewValueTracker.ValuesForgotten"/>);
    /// that value fires again as new if it comes back. Default 1,000. Must be at least 1.
    /// </summary>
    public int MaxValuesPerKey { get; set; } = DefaultMaxValuesPerKey;

    /// <summary>How scope keys are compared. Default <see cref="StringComparer.OrdinalIgnoreCase"/> (user ids are
    /// case-insensitive). Values always compare with <see cref="StringComparer.OrdinalIgnoreCase"/>.</summary>
    public IEqualityComparer<string> KeyComparer { get; set; } = StringComparer.OrdinalIgnoreCase;

    /// <summary>Checks every option and lists every problem.</summary>
    /// <returns>The errors; empty when valid.</returns>
    public IReadOnlyList<ValidationError> Validate()
    {
        var errors = new List<ValidationError>();
        if (MaxTrackedKeys < 1)
        {
            errors.Add(new(nameof(MaxTrackedKeys), "must be at least 1"));
        }

        if (MaxValuesPerKey < 1)
        {
            errors.Add(new(nameof(MaxValuesPerKey), "must be at least 1"));
        }

        if (KeyComparer is null)
        {
            errors.Add(new(nameof(KeyComparer), "must not be null"));
        }

        return errors;
    }

    internal void ThrowIfInvalid(string paramName)
    {
        var errors = Validate();
        if (errors.Count != 0)
        {
            throw new ArgumentException("Invalid options:" + Environment.NewLine + string.Join(Environment.NewLine, errors), paramName);
        }
    }
}
