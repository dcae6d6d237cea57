using System.Reactive.Linq;

namespace AlertEngine;

/// <summary>The <c>Absences</c> operator: absence (silence) triggers over a stream of activities.</summary>
public static class AbsenceObservable
{
    /// <summary>
    /// Per scope key that has had a matching activity: when the operator's clock reaches (time of the key's last
    /// matching activity) + <paramref name="window"/> with no later matching activity for the key, emits one
    /// <see cref="Detection"/> at that time carrying the last activity; the key fires again only after a new matching
    /// activity and another silence.
    /// </summary>
    /// <remarks>
    /// <para><b>The clock</b> is event time: the newest <see cref="Activity.Time"/> the operator has seen in
    /// <paramref name="source"/>, matching or not (so pass the whole stream and select with <paramref name="matches"/>
    /// when other activities should move the clock, as in the engine). An activity at time t first moves the clock to t,
    /// emitting every silence due at or before t in order of due time (equal due times in the order their last
    /// activities arrived), and is then recorded if it matches. No timers: when the source completes the clock stops
    /// and silences not yet due are not emitted; a live stream that goes quiet fires nothing until its next activity.</para>
    /// <para>See <see cref="SilenceTracker{TItem}"/> for memory and cost.</para>
    /// </remarks>
    /// <param name="source">The activities, in time order; they all move the clock.</param>
    /// <param name="window">The silence that fires; greater than zero.</param>
    /// <param name="scope">What silences are kept per; an activity without a scope value is counted under the key
    /// <c>""</c> and reported as <see cref="DiagnosticKind.MissingScopeKey"/>.</param>
    /// <param name="matches">Which activities count (a policy's conditions); <see langword="null"/> for all. If it throws,
    /// the stream ends with that error.</param>
    /// <param name="options">Key cap and comparer; <see langword="null"/> for the defaults. Read once, here.</param>
    /// <param name="diagnostics">Receives missing scope keys and key-cap overflows; optional.</param>
    /// <returns>
    /// A cold observable: each subscription has its own state and clock. Detections have <see cref="Detection.PolicyId"/>
    /// <see langword="null"/>, <see cref="Detection.Time"/> = last activity time + window, the last activity as their
    /// only one, and <see cref="Detection.Reason"/> a <see cref="SilenceObserved"/>.
    /// </returns>
    /// <exception cref="ArgumentNullException"><paramref name="source"/> or <paramref name="scope"/> is null.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    /// <exception cref="ArgumentException"><paramref name="options"/> are invalid; the message lists every problem.</exception>
    public static IObservable<Detection> Absences(
        this IObservable<Activity> source,
        TimeSpan window,
        TriggerScope scope,
        Func<Activity, bool>? matches = null,
        SilenceTrackerOptions? options = null,
        Action<EngineDiagnostic>? diagnostics = null)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(scope);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        options?.ThrowIfInvalid(nameof(options));

        var copy = new SilenceTrackerOptions();
        if (options is not null)
        {
            copy.MaxTrackedKeys = options.MaxTrackedKeys;
            copy.KeyComparer = options.KeyComparer;
        }

        var reader = ScopeKeys.Reader(scope);
        var scopeName = scope.ToString();
        return Observable.Create<Detection>(observer =>
        {
            var evaluator = new AbsenceEvaluator(window, reader, scopeName, copy, null, diagnostics);
            return source.SubscribeSafe(new Sink(observer, evaluator, matches));
        });
    }

    /// <summary>One subscription: its clock and evaluator. User-code exceptions end the stream with <c>OnError</c>;
    /// nothing is forwarded after a terminal notification.</summary>
    private sealed class Sink(IObserver<Detection> observer, AbsenceEvaluator evaluator, Func<Activity, bool>? matches) : DetectionSink(observer)
    {
        private readonly List<Detection> _fired = [];
        private long _clock = long.MinValue;

        public override void OnNext(Activity value)
        {
            if (Done)
            {
                return;
            }

            _fired.Clear();
            try
            {
                ArgumentNullException.ThrowIfNull(value);
                if (value.Time.UtcTicks > _clock)
                {
                    _clock = value.Time.UtcTicks;
                    evaluator.Fire(value.Time, _fired);
                }
            }
#pragma warning disable CA1031 // Rx contract: failures of user code end the stream with OnError.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Fail(ex);
                return;
            }

            // The silences due by this activity's time come before the activity itself.
            foreach (var detection in _fired)
            {
                Observer.OnNext(detection);
            }

            base.OnNext(value);
        }

        /// <summary>Records the activity if it matches; an absence never fires on an activity itself.</summary>
        protected override Detection? Observe(Activity activity)
        {
            if (matches is null || matches(activity))
            {
                evaluator.Observe(activity);
            }

            return null;
        }
    }
}
