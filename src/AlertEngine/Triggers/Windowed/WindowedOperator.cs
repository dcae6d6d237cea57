namespace AlertEngine;

/// <summary>Shared plumbing of the <c>DistinctCount</c>, <c>SlidingSum</c> and <c>Spike</c> operators: options read once, one
/// evaluator per subscription.</summary>
internal static class WindowedOperator
{
    /// <summary>The core options of an operator: its options' values, or the defaults with case-insensitive keys.</summary>
    public static WindowedTriggerOptions CoreOptions(WindowedTriggerOperatorOptions? options)
    {
        options?.ThrowIfInvalid(nameof(options));
        return options?.CopyCore() ?? new WindowedTriggerOptions { KeyComparer = StringComparer.OrdinalIgnoreCase };
    }

    /// <summary>A reporter for one subscription.</summary>
    public static WindowedTriggerReporter Reporter(string trigger, Func<Activity, string?> scope, string scopeName, WindowedTriggerOperatorOptions? options) =>
        new(trigger, scope, scopeName, null, options?.Diagnostics, options?.Logger);

    /// <summary>Feeds one subscription's evaluator; user-code exceptions end the stream with <c>OnError</c>.</summary>
    public sealed class Sink(IObserver<Detection> observer, Func<Activity, Detection?> observe) : DetectionSink(observer)
    {
        protected override Detection? Observe(Activity activity) => observe(activity);
    }
}
