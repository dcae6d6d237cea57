using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>Log messages of the distinct-count, sum and spike triggers.</summary>
internal static partial class WindowedTriggerLog
{
    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning, Message = "{Trigger} trigger: {Message}")]
    public static partial void NotCounted(ILogger logger, string trigger, string message);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Debug, Message = "{Trigger} trigger: {Message}")]
    public static partial void MissingScopeKey(ILogger logger, string trigger, string message);
}
