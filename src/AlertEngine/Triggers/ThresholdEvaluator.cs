using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>
/// A threshold trigger over activities: reads the scope key, counts with a <see cref="SlidingWindowCounter{TItem}"/>,
/// turns its outcomes into detections and diagnostics. Shared by the engine's detector and the Rx operator.
/// Single-threaded. <see cref="ThresholdEvaluator{TItem, TKeeper}"/> is the one implementation; this base lets the
/// detector hold either kind of window (what it keeps per activity) behind one reference.
/// </summary>
internal abstract class ThresholdEvaluator
{
    /// <summary>Creates the evaluator whose window keeps the whole activities (<see cref="WholeActivities"/>), or only
    /// what an alert lists of them (<see cref="AlertFields"/>) when <paramref name="alertFieldsOnly"/>.</summary>
    public static ThresholdEvaluator Create(
        int threshold,
        TimeSpan window,
        Func<Activity, string?> scope,
        string scopeName,
        SlidingWindowCounterOptions options,
        string? policyId,
        Action<EngineDiagnostic>? report,
        ILogger? logger,
        bool alertFieldsOnly = false) => alertFieldsOnly
        ? new ThresholdEvaluator<KeptActivity, AlertFields>(threshold, window, scope, scopeName, options, policyId, report, logger)
        : new ThresholdEvaluator<Activity, WholeActivities>(threshold, window, scope, scopeName, options, policyId, report, logger);

    /// <summary>Counts an activity; returns the detection it completed, or <see langword="null"/>.</summary>
    public abstract Detection? Observe(Activity activity);

    /// <summary>
    /// Whether <paramref name="activity"/>, just observed without completing a detection, is the first one counted for
    /// its scope key in the current window (the key's count is 1): the moment for an early warning.
    /// </summary>
    public abstract bool IsFirstMatch(Activity activity, out string key);

    /// <summary>Moves the counter's watermark (see <see cref="SlidingWindowCounter{TItem}.AdvanceTo"/>).</summary>
    public abstract void AdvanceTo(DateTimeOffset time);

    /// <summary>How the counter compares keys.</summary>
    public abstract IEqualityComparer<string> KeyComparer { get; }

    /// <summary>The number of keys tracked now.</summary>
    public abstract int TrackedKeys { get; }

    /// <summary>Whether a key is tracked.</summary>
    public abstract bool IsTracked(string key);

    /// <summary>Adds the tracked keys.</summary>
    public abstract void CopyKeysTo(List<string> keys);

    /// <summary>Writes the counter's checkpoint, kept items as activities.</summary>
    public abstract void WriteState(CheckpointWriter writer);

    /// <summary>Writes the counter's checkpoint of the tracked keys among <paramref name="keys"/>.</summary>
    public abstract void WriteState(CheckpointWriter writer, IReadOnlyCollection<string> keys);

    /// <summary>Reads a checkpoint into the fresh counter.</summary>
    public abstract void ReadState(CheckpointReader reader);
}

/// <summary>The threshold evaluator whose window keeps <typeparamref name="TItem"/> per counted activity, as
/// <typeparamref name="TKeeper"/> makes it.</summary>
internal sealed class ThresholdEvaluator<TItem, TKeeper> : ThresholdEvaluator
    where TKeeper : IActivityKeeper<TItem>
{
    private readonly Func<Activity, string?> _scope;
    private readonly string _scopeName;
    private readonly string? _policyId;
    private readonly Action<EngineDiagnostic>? _report;
    private readonly ILogger? _logger;

    public ThresholdEvaluator(
        int threshold,
        TimeSpan window,
        Func<Activity, string?> scope,
        string scopeName,
        SlidingWindowCounterOptions options,
        string? policyId,
        Action<EngineDiagnostic>? report,
        ILogger? logger)
    {
        Counter = new SlidingWindowCounter<TItem>(threshold, window, options);
        _scope = scope;
        _scopeName = scopeName;
        _policyId = policyId;
        _report = report;
        _logger = logger;
    }

    public SlidingWindowCounter<TItem> Counter { get; }

    /// <inheritdoc />
    public override bool IsFirstMatch(Activity activity, out string key)
    {
        key = _scope(activity) ?? string.Empty;
        return Counter.GetCount(key) == 1;
    }

    /// <inheritdoc />
    public override void AdvanceTo(DateTimeOffset time) => Counter.AdvanceTo(time);

    /// <inheritdoc />
    public override IEqualityComparer<string> KeyComparer => Counter.KeyComparer;

    /// <inheritdoc />
    public override int TrackedKeys => Counter.TrackedKeys;

    /// <inheritdoc />
    public override bool IsTracked(string key) => Counter.IsTracked(key);

    /// <inheritdoc />
    public override void CopyKeysTo(List<string> keys) => Counter.CopyKeysTo(keys);

    /// <inheritdoc />
    public override void WriteState(CheckpointWriter writer) =>
        Counter.WriteCheckpoint(writer, static (w, item) => TKeeper.Write(w, item));

    /// <inheritdoc />
    public override void WriteState(CheckpointWriter writer, IReadOnlyCollection<string> keys) =>
        Counter.WriteKeysCheckpoint(writer, static (w, item) => TKeeper.Write(w, item), keys);

    /// <inheritdoc />
    public override void ReadState(CheckpointReader reader) =>
        Counter.ReadCheckpoint(reader, static r => TKeeper.Read(r));

    /// <inheritdoc />
    /// <remarks>Exceptions thrown by the scope reader or the report callback propagate.</remarks>
    public override Detection? Observe(Activity activity)
    {
        var key = _scope(activity);
        if (key is null)
        {
            key = string.Empty;
            Report(DiagnosticKind.MissingScopeKey, activity, string.Create(
                CultureInfo.InvariantCulture,
                $"activity {activity.Id} has no value for scope '{_scopeName}'; counted under the key \"\"."));
        }

        switch (Counter.Add(key, activity.Time, TKeeper.Keep(activity)))
        {
            case SlidingWindowOutcome.Counted:
                return null;
            case SlidingWindowOutcome.Detected:
                var hit = Counter.LastDetection;
                return new Detection(activity.Time, activity, TKeeper.Activities(hit.Items, activity), hit.HitCount, key) { PolicyId = _policyId };
            case SlidingWindowOutcome.Late:
                Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is more than the allowed lateness ({Counter.AllowedLateness}) behind the newest time seen ({Counter.Watermark:O}); not counted."));
                return null;
            case SlidingWindowOutcome.OutOfWindow:
                Report(DiagnosticKind.Late, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"activity {activity.Id} at {activity.Time:O} is already outside the {Counter.Window} window of scope key '{key}'; not counted."));
                return null;
            default:
                Report(DiagnosticKind.KeyCapExceeded, activity, string.Create(
                    CultureInfo.InvariantCulture,
                    $"the cap of {Counter.MaxTrackedKeys} tracked scope keys is reached; activity {activity.Id} for the new key '{key}' was not counted."));
                return null;
        }
    }

    private void Report(DiagnosticKind kind, Activity activity, string message)
    {
        _report?.Invoke(new EngineDiagnostic(kind, activity.Id, _policyId, message));
        if (_logger is not null)
        {
            var text = _policyId is null ? message : "policy " + _policyId + ": " + message;
            if (kind == DiagnosticKind.MissingScopeKey)
            {
                ThresholdLog.MissingScopeKey(_logger, text);
            }
            else
            {
                ThresholdLog.NotCounted(_logger, text);
            }
        }
    }
}
