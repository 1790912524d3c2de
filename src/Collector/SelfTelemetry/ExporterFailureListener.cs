using System.Diagnostics.Tracing;
using System.Globalization;

namespace Collector.Host.SelfTelemetry;

/// <summary>
/// The OpenTelemetry exporter reports failures (an unreachable endpoint, a refused export) only on its EventSource.
/// This turns them into a warning in the collector's log, at most once per interval, so an operator learns that
/// self-telemetry is not arriving without the log filling up while the endpoint stays away.
/// </summary>
internal sealed class ExporterFailureListener(ILogger logger, TimeProvider time, TimeSpan interval) : EventListener
{
    private long _lastWarningTimestamp;
    private long _suppressed;

    protected override void OnEventSourceCreated(EventSource eventSource)
    {
        // Called from the base constructor too, before the primary-constructor state is assigned: only act on names.
        if (eventSource.Name.StartsWith("OpenTelemetry-Exporter-OpenTelemetryProtocol", StringComparison.Ordinal))
        {
            EnableEvents(eventSource, EventLevel.Warning);
        }
    }

    protected override void OnEventWritten(EventWrittenEventArgs eventData)
    {
        if (eventData.Level > EventLevel.Warning)
        {
            return;
        }

        var now = time.GetTimestamp();
        var last = Interlocked.Read(ref _lastWarningTimestamp);
        if (last != 0 && time.GetElapsedTime(last, now) < interval)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }

        if (Interlocked.CompareExchange(ref _lastWarningTimestamp, now, last) != last)
        {
            Interlocked.Increment(ref _suppressed);
            return;
        }

        var suppressed = Interlocked.Exchange(ref _suppressed, 0);
        SelfTelemetryLog.ExportFailed(logger, eventData.EventName ?? "unknown", Describe(eventData), suppressed);
    }

    private static string Describe(EventWrittenEventArgs eventData)
    {
        if (eventData.Message is { } format && eventData.Payload is { } payload)
        {
            try
            {
                return string.Format(CultureInfo.InvariantCulture, format, [.. payload]);
            }
            catch (FormatException)
            {
                // Fall through to the raw payload.
            }
        }

        return eventData.Payload is null ? string.Empty : string.Join("; ", eventData.Payload);
    }
}
