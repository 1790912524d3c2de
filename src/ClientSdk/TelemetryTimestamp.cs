using System.Diagnostics;

namespace Collector.ClientSdk;

/// <summary>A high-resolution start time (Stopwatch ticks): cheap to take, copy and compare.</summary>
public readonly record struct TelemetryTimestamp(long Ticks)
{
    /// <summary>The current time.</summary>
    public static TelemetryTimestamp Now => new(Stopwatch.GetTimestamp());

    /// <summary>Time since this timestamp.</summary>
    public TimeSpan Elapsed => Stopwatch.GetElapsedTime(Ticks);
}
