using Collector.ClientSdk.Durable;
using Collector.Protocol.Telemetry.V1;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Collector.ClientSdk;

/// <summary>
/// The telemetry logger services embed. Log calls put the event in a bounded in-memory buffer and return at once:
/// they never block, never throw, and allocate nothing for events without attributes. A background sender streams
/// the buffer to the collector and keeps every event until the collector has made it durable; see
/// <see cref="TelemetryClientOptions"/> for the limits and what happens past them. In durable mode
/// (<see cref="TelemetryClientOptions.DurableSpoolDirectory"/>) a background journal also writes every event to a spool
/// on disk, fsync'd in groups, that outlives the process. Thread-safe; one per process.
/// </summary>
public sealed class TelemetryClient : IDisposable, IAsyncDisposable
{
    /// <summary>Event type of <see cref="LogLoadLatency"/>.</summary>
    public const string LoadLatency = "LOAD_LATENCY";
    /// <summary>Event type of <see cref="LogThoughtLatency"/>.</summary>
    public const string ThoughtLatency = "THOUGHT_LATENCY";
    /// <summary>Event type of <see cref="LogVramCheck"/>.</summary>
    public const string VramCheck = "VRAM_CHECK";
    /// <summary>Event type of <see cref="LogVramLockout"/>.</summary>
    public const string VramLockout = "VRAM_LOCKOUT";
    /// <summary>Event type of log lines (<see cref="Log(Severity, string, string?, IReadOnlyDictionary{string, string}?)"/>).</summary>
    public const string LogEvent = "LOG";

    private readonly TelemetryClientOptions _options;
    private readonly EventBuffer _buffer;
    private readonly ClientCounters _counters;
    private readonly TelemetrySender _sender;
    private readonly DurableSpool? _spool;
    private readonly SpoolJournal? _journal;
    private int _disposed;
    private volatile bool _stopped;

    /// <summary>
    /// Creates the client and starts its background sender; it connects when there is something to send. In durable
    /// mode it first reads what an earlier run left in the spool, to be sent first.
    /// </summary>
    /// <exception cref="ArgumentException">An option cannot work (headers gRPC cannot carry, durable-mode settings).</exception>
    /// <exception cref="IOException">The durable spool directory cannot be used (another client holds it, or it cannot be read or written).</exception>
    public TelemetryClient(TelemetryClientOptions options, ILogger<TelemetryClient>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        TelemetryClientOptions.ValidateDurableSpool(options);
        _options = options;
        ILogger log = (ILogger?)logger ?? NullLogger.Instance;
        EventBuffer? buffer = null;
        DurableSpool? spool = null;
        _counters = new ClientCounters(options.EffectiveSourceId, () => buffer?.Held ?? 0, () => buffer?.HeldBytes ?? 0, () => spool?.PendingEvents ?? 0, () => spool?.Bytes ?? 0);
        _buffer = buffer = new EventBuffer(options, _counters);
        try
        {
            _spool = spool = options.IsDurable ? DurableSpool.Open(options, _counters, log) : null;
            var builder = new BatchBuilder(options, _buffer, _counters, log, BatchBuilder.FirstSequence(spool?.NextSequenceFloor ?? 0));
            _sender = new TelemetrySender(options, _buffer, _counters, log, spool is null ? builder : null, spool);
            _journal = spool is null ? null : new SpoolJournal(options, _buffer, _counters, log, spool, builder);
        }
        catch
        {
            // Headers gRPC metadata cannot carry, or a spool that cannot be used: no client, and no meter or lock left behind.
            _spool?.Dispose();
            _counters.Dispose();
            throw;
        }
    }

    /// <summary>The source id events are sent under.</summary>
    public string SourceId => _options.EffectiveSourceId;

    /// <summary>A snapshot of the counters (also published by the meter "Collector.ClientSdk").</summary>
    public TelemetryStats Stats => new(
        _counters.Logged,
        _counters.Sent,
        _counters.Acknowledged,
        _counters.Rejected,
        _counters.DroppedCount,
        _counters.Retries,
        _buffer.Held,
        _buffer.HeldBytes,
        _counters.LastAck,
        _counters.Connected,
        _counters.Spooled,
        _spool?.PendingEvents ?? 0,
        _spool?.Bytes ?? 0,
        _counters.SpoolCutBytes);

    /// <summary>Logs an event; false when the buffer was full and the event was dropped (counted in <see cref="Stats"/>).</summary>
    public bool Log(string eventType, string? component = null, double value = 0, IReadOnlyDictionary<string, string>? attributes = null, string? status = null) =>
        Add(new PendingEvent(PendingKind.Generic, NowUnixNano(), eventType, component, value, status, Severity.Info, null, attributes, 0, 0, 0, null));

    /// <summary>Logs a log line: event type LOG with the severity and message.</summary>
    public bool Log(Severity severity, string message, string? component = null, IReadOnlyDictionary<string, string>? attributes = null) =>
        Add(new PendingEvent(PendingKind.Generic, NowUnixNano(), LogEvent, component, 0, null, severity, message, attributes, 0, 0, 0, null));

    /// <summary>Logs a whole event as built by the caller (it must not be changed afterwards). A time of 0 is now.</summary>
    public bool Log(Event telemetryEvent)
    {
        if (telemetryEvent is null)
        {
            return false;
        }

        if (telemetryEvent.TimeUnixNano == 0)
        {
            telemetryEvent.TimeUnixNano = (ulong)NowUnixNano();
        }

        return Add(new PendingEvent(PendingKind.Full, 0, null, null, 0, null, default, null, null, 0, 0, 0, telemetryEvent));
    }

    /// <summary>LOAD_LATENCY: value = load time in seconds; metadata {model, load_time_ms}; status ok or failed.</summary>
    public bool LogLoadLatency(string model, TimeSpan loadTime, bool success = true) =>
        Add(new PendingEvent(PendingKind.LoadLatency, NowUnixNano(), LoadLatency, model, loadTime.TotalSeconds, success ? "ok" : "failed", success ? Severity.Info : Severity.Error, null, null, loadTime.TotalMilliseconds, 0, 0, null));

    /// <summary>
    /// THOUGHT_LATENCY: value = efficiency score in ms per generated token; metadata {inference_time_ms,
    /// tokens_generated, prompt_tokens, total_tokens, latency_per_token_ms}. With no tokens generated there is no
    /// score: value 0 and a status that says why.
    /// </summary>
    public bool LogThoughtLatency(string model, TimeSpan inferenceTime, int tokensGenerated, int promptTokens = 0)
    {
        var ms = inferenceTime.TotalMilliseconds;
        var tokens = Math.Max(0, tokensGenerated);
        var status = tokens > 0 ? "ok" : "no_tokens: efficiency needs at least one generated token";
        var score = tokens > 0 ? ms / tokens : 0;
        return Add(new PendingEvent(PendingKind.ThoughtLatency, NowUnixNano(), ThoughtLatency, model, score, status, Severity.Info, null, null, ms, tokens, Math.Max(0, promptTokens), null));
    }

    /// <summary>VRAM_CHECK: value = free MB; metadata {gpu_id, free_mb, used_mb, total_mb, utilization_pct}.</summary>
    public bool LogVramCheck(int gpuId, double freeMb, double usedMb, double totalMb) =>
        Add(new PendingEvent(PendingKind.VramCheck, NowUnixNano(), VramCheck, $"gpu{gpuId}", gpuId, "ok", Severity.Info, null, null, freeMb, usedMb, totalMb, null));

    /// <summary>
    /// VRAM_LOCKOUT: a GPU was locked out of new work because its free memory fell below a threshold; value 0, severity
    /// warn; metadata {gpu_id, trigger_threshold, free_vram} (both in MB).
    /// </summary>
    public bool LogVramLockout(int gpuId, double triggerThresholdMb, double freeMb) =>
        Add(new PendingEvent(PendingKind.VramLockout, NowUnixNano(), VramLockout, $"gpu{gpuId}", gpuId, "locked_out", Severity.Warn, null, null, triggerThresholdMb, freeMb, 0, null));

#pragma warning disable CA1822 // Instance methods on purpose: services call them on the client they were given, as they call Log.

    /// <summary>A high-resolution start time for <see cref="MeasureLatency"/> (a struct: no allocation).</summary>
    public TelemetryTimestamp StartTimer() => TelemetryTimestamp.Now;

    /// <summary>Time elapsed since <paramref name="start"/>.</summary>
    public TimeSpan MeasureLatency(TelemetryTimestamp start) => start.Elapsed;
#pragma warning restore CA1822

    /// <summary>Times a block and logs it when the scope is disposed.</summary>
    public TelemetryScope Time(string eventType, string? component = null) => new(this, eventType, component);

    /// <summary>Completes when everything logged before this call is acknowledged durable by the collector.</summary>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        if (_stopped)
        {
            // Disposed: nothing more will be delivered; what was left is spooled or counted as dropped.
            return Task.CompletedTask;
        }

        var marker = new FlushMarker();
        _buffer.AddMarker(marker);
        return marker.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// In durable mode: completes when everything logged before this call is written to the spool and fsync'd, so it
    /// survives a kill of this process or a power loss, acknowledged or not. Without a durable spool nothing is safe
    /// before the collector has it, so this is <see cref="FlushAsync"/>.
    /// </summary>
    public Task FlushToSpoolAsync(CancellationToken cancellationToken = default)
    {
        if (_journal is null || _stopped)
        {
            return FlushAsync(cancellationToken);
        }

        var marker = new FlushMarker(spoolOnly: true);
        _buffer.AddMarker(marker);
        return marker.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Flushes (waiting at most DisposeFlushTimeout), then stops the sender. In durable mode what is still
    /// unacknowledged stays in the durable spool for the next start; otherwise it goes to the spool directory when
    /// one is configured, else it is counted as dropped.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        try
        {
            using var timeout = new CancellationTokenSource(_options.DisposeFlushTimeout);
            await FlushAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            // The collector did not answer in time; what is left is given up below.
        }

        await _sender.DisposeAsync();
        _stopped = true;
        if (_journal is not null)
        {
            // Writes what is still buffered; the spool keeps what is unacknowledged, or empties itself.
            await _journal.DisposeAsync();
            _spool!.Dispose();
        }

        try
        {
            _sender.SpoolRemaining();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The spool could not be written: what is left is counted as dropped below.
        }

        var left = _buffer.Held;
        if (left > 0)
        {
            _counters.Dropped(left);
            _buffer.Release(left, _buffer.HeldBytes);
        }

        _counters.Dispose();
        _buffer.Dispose();
    }

    /// <summary>Blocks on <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    internal void LogTimed(string eventType, string? component, TimeSpan elapsed)
    {
        // A timed model load is a load latency like any other: same value and metadata.
        if (string.Equals(eventType, LoadLatency, StringComparison.Ordinal))
        {
            LogLoadLatency(component!, elapsed);
            return;
        }

        Add(new PendingEvent(PendingKind.Timed, NowUnixNano(), eventType, component, elapsed.TotalSeconds, "ok", Severity.Info, null, null, elapsed.TotalMilliseconds, 0, 0, null));
    }

    private bool Add(in PendingEvent pending)
    {
        if (Volatile.Read(ref _disposed) == 1)
        {
            _counters.Dropped(1);
            return false;
        }

        try
        {
            return _buffer.TryAdd(pending);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Log calls never throw at the caller, whatever they are given.
            _counters.Dropped(1);
            return false;
        }
    }

    private static long NowUnixNano() => (DateTime.UtcNow.Ticks - DateTime.UnixEpoch.Ticks) * 100;
}
