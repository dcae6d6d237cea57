using System.Globalization;

namespace AlertEngine.Testing;

/// <summary>
/// The rules the distinct-count, sum and spike oracles share, written naively: reading a field like a <c>property</c>
/// condition, the accepted history (late and out-of-window inputs removed), times truncated to the resolution. For tests.
/// </summary>
internal sealed class WindowedOracle
{
    private readonly long _resolution;
    private readonly long _lateness;
    private readonly long _windowTicks;
    private readonly long _spanTicks;
    private long? _watermark;

    public WindowedOracle(TimeSpan window, int windows, WindowedTriggerOptions options)
    {
        _resolution = options.Resolution.Ticks;
        _lateness = options.AllowedLateness.Ticks;
        var slots = (window.Ticks + _resolution - 1) / _resolution;
        _windowTicks = slots * _resolution;
        _spanTicks = _windowTicks * windows;
        Options = options;
    }

    public WindowedTriggerOptions Options { get; }

    public List<Accepted> History { get; } = [];

    public List<(string ActivityId, DiagnosticKind Kind)> Diagnostics { get; } = [];

    public long WindowTicks => _windowTicks;

    /// <summary>The text of a field, as a property condition reads it; null when missing or empty.</summary>
    public static string? Read(Activity a, string field)
    {
        string? value = field.ToUpperInvariant() switch
        {
            "USERID" => a.UserId,
            "OBJECTID" => a.ObjectId,
            "WORKLOAD" => a.Workload,
            "OPERATION" => a.Operation,
            "CLIENTIP" => a.ClientIp is null ? null : (a.ClientIp.IsIPv4MappedToIPv6 ? a.ClientIp.MapToIPv4() : a.ClientIp).ToString(),
            _ => a.Properties.TryGetValue(field, out var p) ? p : null,
        };
        return string.IsNullOrEmpty(value) ? null : value;
    }

    /// <summary>A sum value: a finite invariant-culture number.</summary>
    public static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && !double.IsNaN(value) && !double.IsInfinity(value);

    /// <summary>The scope key, or "" with a diagnostic.</summary>
    public string Key(Activity a, Func<Activity, string?> scope)
    {
        var key = scope(a);
        if (key is null)
        {
            Diagnostics.Add((a.Id, DiagnosticKind.MissingScopeKey));
            return string.Empty;
        }

        return key;
    }

    /// <summary>
    /// Accepts an input or reports it late: late when older than the lateness behind the newest accepted time; out of
    /// window (reported as late) when its truncated time is at or before its key's newest truncated time minus the span.
    /// Returns the accepted input (added to the history) and the key's newest truncated time, or null.
    /// </summary>
    public Accepted? Accept(Activity a, string key, string? value, double number)
    {
        var t = a.Time.UtcTicks;
        if (_watermark is { } w && t < w - _lateness)
        {
            Diagnostics.Add((a.Id, DiagnosticKind.Late));
            return null;
        }

        _watermark = _watermark is { } w2 ? Math.Max(w2, t) : t;
        var truncated = t / _resolution * _resolution;
        var mine = KeyHistory(key).ToList();
        if (mine.Count > 0 && truncated <= mine.Max(h => h.Truncated) - _spanTicks)
        {
            Diagnostics.Add((a.Id, DiagnosticKind.Late));
            return null;
        }

        var accepted = new Accepted(key, a, t, truncated, History.Count, value, number);
        History.Add(accepted);
        return accepted;
    }

    /// <summary>The key's accepted inputs, in arrival order (keys compare with the options' key comparer).</summary>
    public IEnumerable<Accepted> KeyHistory(string key) =>
        History.Where(h => Options.KeyComparer.Equals(h.Key, key));

    /// <summary>The key's newest truncated time.</summary>
    public long Newest(string key) => KeyHistory(key).Max(h => h.Truncated);

    /// <summary>Items in time order, equal times in arrival order; the most recent <c>MaxItemsPerDetection</c>.</summary>
    public List<Accepted> Carried(IEnumerable<Accepted> items) =>
        items.OrderBy(h => h.Ticks).ThenBy(h => h.Arrival).TakeLast(Options.MaxItemsPerDetection).ToList();

    /// <summary>One accepted input.</summary>
    public sealed class Accepted(string key, Activity activity, long ticks, long truncated, int arrival, string? value, double number)
    {
        public string Key { get; } = key;

        public Activity Activity { get; } = activity;

        public long Ticks { get; } = ticks;

        public long Truncated { get; } = truncated;

        public int Arrival { get; } = arrival;

        public string? Value { get; } = value;

        public double Number { get; } = number;

        /// <summary>A detection fired at this input (its key starts again after it).</summary>
        public bool Detected { get; set; }

        /// <summary>Distinct count: the value of this input was forgotten at the value cap.</summary>
        public bool Forgotten { get; set; }
    }
}
