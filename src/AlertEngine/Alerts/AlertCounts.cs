namespace AlertEngine;

/// <summary>Alert counts for a dashboard: in total and by severity, category and status. Every enum value has an entry (zero when none).</summary>
public sealed class AlertCounts
{
    private readonly int[] _bySeverity;
    private readonly int[] _byCategory;
    private readonly int[] _byStatus;

    private AlertCounts(int total, int[] bySeverity, int[] byCategory, int[] byStatus)
    {
        Total = total;
        _bySeverity = bySeverity;
        _byCategory = byCategory;
        _byStatus = byStatus;
        BySeverity = ToDictionary<AlertSeverity>(bySeverity);
        ByCategory = ToDictionary<AlertCategory>(byCategory);
        ByStatus = ToDictionary<AlertStatus>(byStatus);
    }

    /// <summary>No alerts.</summary>
    public static AlertCounts Empty { get; } = new Builder().Build();

    /// <summary>The number of matching alerts.</summary>
    public int Total { get; }

    /// <summary>Counts by severity.</summary>
    public IReadOnlyDictionary<AlertSeverity, int> BySeverity { get; }

    /// <summary>Counts by category.</summary>
    public IReadOnlyDictionary<AlertCategory, int> ByCategory { get; }

    /// <summary>Counts by status.</summary>
    public IReadOnlyDictionary<AlertStatus, int> ByStatus { get; }

    /// <summary>The count of one severity.</summary>
    /// <param name="severity">The severity.</param>
    /// <returns>The count.</returns>
    public int Of(AlertSeverity severity) => Get(_bySeverity, (int)severity);

    /// <summary>The count of one category.</summary>
    /// <param name="category">The category.</param>
    /// <returns>The count.</returns>
    public int Of(AlertCategory category) => Get(_byCategory, (int)category);

    /// <summary>The count of one status.</summary>
    /// <param name="status">The status.</param>
    /// <returns>The count.</returns>
    public int Of(AlertStatus status) => Get(_byStatus, (int)status);

    private static int Get(int[] counts, int index) => (uint)index < (uint)counts.Length ? counts[index] : 0;

    private static Dictionary<TEnum, int> ToDictionary<TEnum>(int[] counts)
        where TEnum : struct, Enum
    {
        var values = Enum.GetValues<TEnum>();
        var result = new Dictionary<TEnum, int>(values.Length);
        for (var i = 0; i < values.Length; i++)
        {
            result.Add(values[i], counts[Convert.ToInt32(values[i], System.Globalization.CultureInfo.InvariantCulture)]);
        }

        return result;
    }

    /// <summary>Accumulates counts; for <see cref="IAlertStore"/> implementations.</summary>
    public sealed class Builder
    {
        private readonly int[] _bySeverity = new int[Enum.GetValues<AlertSeverity>().Length];
        private readonly int[] _byCategory = new int[Enum.GetValues<AlertCategory>().Length];
        private readonly int[] _byStatus = new int[Enum.GetValues<AlertStatus>().Length];
        private int _total;

        /// <summary>Counts one alert.</summary>
        /// <param name="alert">The alert.</param>
        public void Add(Alert alert)
        {
            ArgumentNullException.ThrowIfNull(alert);
            _total++;
            Increment(_bySeverity, (int)alert.Severity);
            Increment(_byCategory, (int)alert.Category);
            Increment(_byStatus, (int)alert.Status);
        }

        /// <summary>The counts so far.</summary>
        /// <returns>A snapshot.</returns>
        public AlertCounts Build() => new(_total, (int[])_bySeverity.Clone(), (int[])_byCategory.Clone(), (int[])_byStatus.Clone());

        private static void Increment(int[] counts, int index)
        {
            if ((uint)index < (uint)counts.Length)
            {
                counts[index]++;
            }
        }
    }
}
