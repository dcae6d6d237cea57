using Microsoft.Extensions.Logging;

namespace AlertEngine;

/// <summary>Log messages of threshold triggers.</summary>
internal static partial class ThresholdLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Warning, Message = "Threshold trigger: {Message}")]
    public static partial void NotCounted(ILogger logger, string message);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Threshold trigger: {Message}")]
    public static partial void MissingScopeKey(ILogger logger, string message);
}
