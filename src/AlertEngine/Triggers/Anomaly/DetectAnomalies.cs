using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>DetectAnomalies</c> operator: unusual-activity detection over a stream of activities.</summary>
public static class DetectAnomaliesExtensions
{
    /// <summary>
    /// Per scope key of <paramref name="trigger"/>, counts activities per bucket, learns a robust seasonal baseline and
    /// emits a <see cref="Detection"/> (with <see cref="Detection.Anomaly"/> set) on the activity that first makes its
    /// bucket significantly exceed the baseline. Cold: each subscription has its own state (starting from
    /// <see cref="AnomalyDetectorOptions.InitialState"/> when given). Activities are expected in event-time order
    /// within <see cref="AnomalyDetectorOptions.AllowedLateness"/>; later ones are reported through
    /// <see cref="AnomalyDetectorOptions.Diagnostics"/> and not counted. An activity without a scope value is counted
    /// under the key <c>""</c> and reported. See <see cref="BaselineModel{T}"/> for the semantics.
    /// </summary>
    /// <param name="source">The activities (already filtered by the policy's conditions).</param>
    /// <param name="trigger">The trigger: scope, learning period, sensitivity, bucket.</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <returns>The detections.</returns>
    public static IObservable<Detection> DetectAnomalies(this IObservable<Activity> source, AnomalyTrigger trigger, AnomalyDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        return DetectAnomalies(source, ScopeKeys.Reader(trigger.Scope), trigger, options, !trigger.Scope.IsSingleKey);
    }

    /// <summary>
    /// As <see cref="DetectAnomalies(IObservable{Activity}, AnomalyTrigger, AnomalyDetectorOptions?)"/>, with the
    /// scope key read by <paramref name="scopeKey"/> instead of the trigger's scope. A <see langword="null"/> key is
    /// counted under <c>""</c> and reported; an exception thrown by <paramref name="scopeKey"/> ends the stream with
    /// <c>OnError</c>.
    /// </summary>
    /// <param name="source">The activities.</param>
    /// <param name="scopeKey">Reads the scope key of an activity.</param>
    /// <param name="trigger">The trigger: learning period, sensitivity, bucket (its scope is ignored).</param>
    /// <param name="options">Options; <see langword="null"/> for the defaults.</param>
    /// <returns>The detections.</returns>
    public static IObservable<Detection> DetectAnomalies(this IObservable<Activity> source, Func<Activity, string?> scopeKey, AnomalyTrigger trigger, AnomalyDetectorOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(scopeKey);
        return DetectAnomalies(source, scopeKey, trigger, options, reportMissing: true);
    }

    private static IObservable<Detection> DetectAnomalies(IObservable<Activity> source, Func<Activity, string?> scopeKey, AnomalyTrigger trigger, AnomalyDetectorOptions? options, bool reportMissing)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(trigger);
        options ??= new AnomalyDetectorOptions();

        // Validate now so that a bad trigger or options fail at composition, not at subscription.
        BaselineModel<Activity>.ThrowIfInvalid(trigger, options);
        var diagnostics = options.Diagnostics;
        return Observable.Create<Detection>(observer =>
        {
            var sink = new Sink(observer, new BaselineModel<Activity>(trigger, options), scopeKey, reportMissing, diagnostics);
            return source.SubscribeSafe(sink);
        });
    }

    private sealed class Sink(IObserver<Detection> observer, BaselineModel<Activity> model, Func<Activity, string?> scopeKey, bool reportMissing, Action<EngineDiagnostic>? diagnostics) : DetectionSink(observer)
    {
        protected override Detection? Observe(Activity activity)
        {
            var key = scopeKey(activity);
            if (key is null)
            {
                key = string.Empty;
                if (reportMissing)
                {
                    diagnostics?.Invoke(new EngineDiagnostic(DiagnosticKind.MissingScopeKey, activity.Id, null, "The activity has no value for the scope; counted under the key \"\"."));
                }
            }

            switch (model.Observe(key, activity.Time, activity, out var found))
            {
                case AnomalyOutcome.Detected:
                    return AnomalyDetector.ToDetection(found!, activity, null);
                case AnomalyOutcome.Late:
                    diagnostics?.Invoke(new EngineDiagnostic(DiagnosticKind.Late, activity.Id, null, "The activity is older than the allowed lateness; not counted."));
                    return null;
                case AnomalyOutcome.KeyCapExceeded:
                    diagnostics?.Invoke(new EngineDiagnostic(DiagnosticKind.KeyCapExceeded, activity.Id, null, "The cap on tracked scope keys is reached; the activity was not counted."));
                    return null;
                default:
                    return null;
            }
        }
    }
}
