using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace AlertEngine.Extensions.DependencyInjection.Tests;

/// <summary>Collects every log line (category, level, event id, message).</summary>
internal sealed class TestLoggerProvider : ILoggerProvider
{
    public ConcurrentQueue<(string Category, LogLevel Level, int EventId, string Message)> Lines { get; } = new();

    public IReadOnlyList<(string Category, LogLevel Level, int EventId, string Message)> WithEventId(int eventId) =>
        [.. Lines.Where(l => l.EventId == eventId)];

    public ILogger CreateLogger(string categoryName) => new Logger(categoryName, Lines);

    public void Dispose()
    {
    }

    private sealed class Logger(string category, ConcurrentQueue<(string, LogLevel, int, string)> sink) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            sink.Enqueue((category, logLevel, eventId.Id, formatter(state, exception)));
    }
}
