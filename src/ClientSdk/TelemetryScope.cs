namespace Collector.ClientSdk;

/// <summary>
/// Times a block: <c>using var t = client.Time("LOAD_LATENCY", "gemma2:27b");</c> logs the event when disposed,
/// with the elapsed seconds as its value and duration_ms in its metadata (LOAD_LATENCY is logged as
/// <see cref="TelemetryClient.LogLoadLatency"/> does: model and load_time_ms). A struct: timing costs no allocation.
/// </summary>
public readonly struct TelemetryScope : IDisposable
{
    private readonly TelemetryClient? _client;
    private readonly string _eventType;
    private readonly string? _component;
    private readonly TelemetryTimestamp _start;

    internal TelemetryScope(TelemetryClient client, string eventType, string? component)
    {
        _client = client;
        _eventType = eventType;
        _component = component;
        _start = TelemetryTimestamp.Now;
    }

    /// <summary>Logs the timed event (once per scope: do not dispose a copy as well).</summary>
    public void Dispose() => _client?.LogTimed(_eventType, _component, _start.Elapsed);
}
