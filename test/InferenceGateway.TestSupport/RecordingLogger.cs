using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.TestSupport;

public sealed record LogEntry(LogLevel Level, EventId EventId, string Message);

/// <summary>Keeps every log line so tests can check what an operator would see, and how often.</summary>
public sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => [.. _entries];

    /// <summary>The entries with this event id.</summary>
    public int Count(int eventId) => Entries.Count(e => e.EventId.Id == eventId);

    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => true;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        _entries.Enqueue(new LogEntry(logLevel, eventId, formatter(state, exception)));
}
