namespace AlertEngine;

/// <summary>
/// Options of a <see cref="SilenceTracker{TItem}"/>. The tracker copies the values when it is created; changing the
/// options afterwards does not affect it.
/// </summary>
public sealed class SilenceTrackerOptions
{
    /// <summary>The default <see cref="MaxTrackedKeys"/>, 1,000,000.</summary>
    public const int DefaultMaxTrackedKeys = 1_000_000;

    /// <summary>Cap on the keys waiting for a silence at once; an input for a new key beyond it is not recorded and is
    /// reported as <see cref="SilenceOutcome.KeyCapExceeded"/>. Default 1,000,000. Must be at least 1.</summary>
    public int MaxTrackedKeys { get; set; } = DefaultMaxTrackedKeys;

    /// <summary>How scope keys are compared. Default <see cref="StringComparer.OrdinalIgnoreCase"/> (user ids are
    /// case-insensitive).</summary>
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
