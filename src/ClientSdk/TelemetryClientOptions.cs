namespace Collector.ClientSdk;

/// <summary>How a <see cref="TelemetryClient"/> reaches its collector and how much it may hold while it cannot.</summary>
public sealed class TelemetryClientOptions
{
    /// <summary>The collector's gRPC url: http:// for HTTP/2 cleartext, https:// for TLS.</summary>
    public Uri CollectorUrl { get; set; } = new("http://127.0.0.1:4317");

    /// <summary>
    /// This service instance's source id; the collector deduplicates by (source id, sequence). Default:
    /// &lt;service name&gt;@&lt;host name&gt;/&lt;process id&gt;, so two processes never share one. A source id set here must be
    /// one process's at a time; its sequences continue across restarts (they start from the clock).
    /// </summary>
    public string? SourceId { get; set; }

    /// <summary>Written into every event's service field.</summary>
    public string ServiceName { get; set; } = AppDomain.CurrentDomain.FriendlyName;

    /// <summary>Events held (not yet acknowledged) at most; past it the <see cref="DropPolicy"/> applies.</summary>
    public int MaxBufferedEvents { get; set; } = 1_000_000;

    /// <summary>
    /// Estimated bytes held at most; past it the <see cref="DropPolicy"/> applies. An event counts about 104 bytes plus
    /// its message and attributes, so the default holds about 640,000 small events.
    /// </summary>
    public long MaxBufferedBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>What a full buffer gives up: the oldest unsent event (default) or the new one.</summary>
    public DropPolicy DropPolicy { get; set; } = DropPolicy.DropOldest;

    /// <summary>Events per batch sent at most; a batch goes as soon as the sender wakes, full or not.</summary>
    public int MaxBatchEvents { get; set; } = 1000;

    /// <summary>Batches sent and not yet acknowledged at most.</summary>
    public int MaxInFlightBatches { get; set; } = 32;

    /// <summary>The longest an idle sender sleeps before it looks at the buffer again.</summary>
    public TimeSpan FlushInterval { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Headers sent on every call (an API key: "authorization" = "Bearer ..."), as gRPC metadata: names are lowered,
    /// and one metadata cannot carry (a "-bin" suffix, a character outside a-z 0-9 - _ .) fails the client's constructor.
    /// Never logged.
    /// </summary>
    public IDictionary<string, string> Headers { get; } = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);

    /// <summary>Accepts the collector's certificate (a private CA, say); null uses the system's validation.</summary>
    public Func<System.Security.Cryptography.X509Certificates.X509Certificate2, bool>? ValidateServerCertificate { get; set; }

    /// <summary>The first wait after a failed or lost connection; it doubles on each failure (with jitter).</summary>
    public TimeSpan MinReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest wait between two connection attempts.</summary>
    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// A directory where a closing client keeps what it could not deliver (the collector away at shutdown); the
    /// next client started with the same directory sends it first. None: what is left at Dispose is dropped.
    /// </summary>
    public string? SpoolDirectory { get; set; }

    /// <summary>
    /// Durable mode, off (null) by default: a directory where every logged event is appended to a small spool, fsync'd
    /// in groups, before it is sent, and kept until the collector acknowledges it. The next client started with the same
    /// directory (after a kill -9, a crash or a power loss) resends what it holds under its original source id and
    /// sequences, so the collector stores each event once. An event is safe from a kill once its group is written, at
    /// most <see cref="DurableSpoolSyncDelay"/> plus one write after the log call; from a power loss once that group's
    /// fsync completes. Log calls never wait for either. One client at a time may use a directory. Replaces
    /// <see cref="SpoolDirectory"/> (set one of the two).
    /// </summary>
    public string? DurableSpoolDirectory { get; set; }

    /// <summary>
    /// Durable mode: how long a group of events waits for more before it is written and fsync'd together (0: no wait).
    /// Longer means fewer fsyncs and more events a kill can lose.
    /// </summary>
    public TimeSpan DurableSpoolSyncDelay { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Durable mode: the most bytes the spool's files may take (at least 1 MiB). Past it, while the collector is away,
    /// the oldest segment goes with its unsent events, counted as dropped.
    /// </summary>
    public long DurableSpoolMaxBytes { get; set; } = 256L * 1024 * 1024;

    /// <summary>How long Dispose waits for what was logged to be acknowledged.</summary>
    public TimeSpan DisposeFlushTimeout { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Least time between two warnings about dropped events.</summary>
    public TimeSpan DropWarningInterval { get; set; } = TimeSpan.FromSeconds(30);

    internal bool IsDurable => DurableSpoolDirectory is not null;

    internal string EffectiveSourceId => string.IsNullOrWhiteSpace(SourceId) ? $"{ServiceName}@{Environment.MachineName}/{Environment.ProcessId}" : SourceId;

    /// <summary>Refuses durable-mode settings that cannot work, naming the option.</summary>
    internal static void ValidateDurableSpool(TelemetryClientOptions options)
    {
        if (options.DurableSpoolDirectory is null)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(options.DurableSpoolDirectory))
        {
            throw new ArgumentException("DurableSpoolDirectory is empty: give a directory, or null for no durable spool.", nameof(options));
        }

        if (options.SpoolDirectory is not null)
        {
            throw new ArgumentException("Set SpoolDirectory (a spool written at dispose) or DurableSpoolDirectory (every event spooled), not both.", nameof(options));
        }

        if (options.DurableSpoolMaxBytes < 1024 * 1024)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DurableSpoolMaxBytes, "DurableSpoolMaxBytes must be at least 1 MiB (1048576).");
        }

        if (options.DurableSpoolSyncDelay < TimeSpan.Zero || options.DurableSpoolSyncDelay > TimeSpan.FromSeconds(1))
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.DurableSpoolSyncDelay, "DurableSpoolSyncDelay must be between 0 and 1 s.");
        }
    }
}
