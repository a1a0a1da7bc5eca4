using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace EhrChain.Tests.Support;

/// <summary>
/// Keeps every line a node logs, exception text included, so a test can assert what the node
/// wrote (no stack trace for a client's mistake, at most a few warning lines).
/// </summary>
public sealed class InMemoryLog : ILoggerProvider
{
    private readonly ConcurrentQueue<string> _lines = new();

    /// <summary>Every line so far: "level category: message", then the exception's text if any.</summary>
    public IReadOnlyList<string> Lines => [.. _lines];

    /// <summary>The lines written after the first <paramref name="mark"/> lines (a count taken earlier from <see cref="Lines"/>).</summary>
    public IReadOnlyList<string> Since(int mark) => Lines.Skip(mark).ToList();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(InMemoryLog log, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel != LogLevel.None;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var line = $"{logLevel} {category}: {formatter(state, exception)}";
            log._lines.Enqueue(exception is null ? line : line + Environment.NewLine + exception);
        }
    }
}
