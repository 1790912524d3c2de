using Microsoft.Extensions.Logging;

namespace Collector.TelemetryClientProcess;

/// <summary>The client's warnings on stderr as "log &lt;event id&gt; &lt;message&gt;", for the test to read.</summary>
internal sealed class StderrLogger<T> : ILogger<T>
{
    public IDisposable? BeginScope<TState>(TState state)
        where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Information;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
        Console.Error.WriteLine($"log {eventId.Id} {formatter(state, exception)}");
}
