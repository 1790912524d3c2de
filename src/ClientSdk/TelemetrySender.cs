using System.Net.Http;
using System.Security.Cryptography.X509Certificates;
using Collector.ClientSdk.Durable;
using Collector.Protocol.Telemetry;
using Grpc.Core;
using Microsoft.Extensions.Logging;

namespace Collector.ClientSdk;

/// <summary>
/// The background sender: takes events from the buffer in order, numbers them, streams them as batches over
/// telemetry.v1.Collector/Stream, and keeps each batch until its Ack says it is durable. After a lost connection it
/// reconnects with backoff and jitter and resends the unacknowledged batches with the same sequences, so the
/// collector's dedup stores each event once. In durable mode the spool journal numbers the events instead, and the
/// sender reads the batches back from the durable spool.
/// </summary>
internal sealed partial class TelemetrySender : IAsyncDisposable
{
    private readonly TelemetryClientOptions _options;
    private readonly EventBuffer _buffer;
    private readonly ClientCounters _counters;
    private readonly ILogger _logger;
    private readonly CollectorStreamChannel _channel;
    private readonly string _sourceId;

    // Null in durable mode (the journal numbers events); else this sender numbers them.
    private readonly BatchBuilder? _builder;
    private readonly DurableSpool? _spool;

    // What the collector takes by default; a batch that came out larger fails its stream with RESOURCE_EXHAUSTED here.
    private const int MaxMessageBytes = 4 * 1024 * 1024;

    private readonly Queue<SentBatch> _unacked = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _droppedAtLastWarning;
    private DateTime _lastWarning = DateTime.MinValue;

    /// <summary>The sender numbers the buffer's events with <paramref name="builder"/>, or reads batches from <paramref name="spool"/>.</summary>
    public TelemetrySender(TelemetryClientOptions options, EventBuffer buffer, ClientCounters counters, ILogger logger, BatchBuilder? builder, DurableSpool? spool)
    {
        _options = options;
        _buffer = buffer;
        _counters = counters;
        _logger = logger;
        _sourceId = options.EffectiveSourceId;
        _builder = builder;
        _spool = spool;
        _channel = new CollectorStreamChannel(options.CollectorUrl, CreateHandler(options), options.Headers, MaxMessageBytes);
        LoadSpool();
        _loop = Task.Run(RunAsync);
    }

    /// <summary>
    /// After the sender stopped: numbers what is still buffered, and writes it with the unacknowledged batches to the
    /// spool; returns how many events were kept.
    /// </summary>
    public long SpoolRemaining()
    {
        if (_options.SpoolDirectory is not { } directory)
        {
            return 0;
        }

        while (TakeBatch() is { } batch)
        {
            batch.CompleteMarkers();
            if (batch.Count > 0)
            {
                _unacked.Enqueue(batch);
            }
        }

        if (_unacked.Count == 0)
        {
            return 0;
        }

        new SpoolDirectory(directory).Write(_unacked.Select(b => b.Message).ToList());
        var events = _unacked.Sum(b => (long)b.Count);
        _buffer.Release(events, _unacked.Sum(b => b.Bytes));
        _unacked.Clear();
        return events;
    }

    private void LoadSpool()
    {
        if (_options.SpoolDirectory is not { } directory)
        {
            return;
        }

        // Spooled batches go first: their sequences are older than any this client will give, and the collector's
        // dedup would take them for duplicates if newer events of the same source arrived before them.
        foreach (var (file, batches) in new SpoolDirectory(directory).Load())
        {
            var spool = new SpoolFile(file, batches.Count);
            foreach (var message in batches)
            {
                var batch = SentBatch.FromSpool(message, spool);
                _unacked.Enqueue(batch);
                _buffer.Hold(batch.Count, batch.Bytes);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _channel.Dispose();
        _stopping.Dispose();
    }

    private async Task RunAsync()
    {
        var token = _stopping.Token;
        var delay = _options.MinReconnectDelay;
        while (!token.IsCancellationRequested)
        {
            try
            {
                // Connect only with something to send: an idle service does not knock on an absent collector.
                while (_unacked.Count == 0 && !HasWaiting())
                {
                    WarnAboutDrops();
                    await WaitForBatchesAsync(token);
                }

                var call = _channel.OpenStream(token);
                Task acks = Task.CompletedTask;
                try
                {
                    await call.WaitForOpenAsync();
                    _counters.SetConnected(true);
                    acks = Task.Run(() => ReadAcksAsync(call, () => delay = _options.MinReconnectDelay, token), token);
                    await PumpAsync(call, acks, token);
                }
                finally
                {
                    // The call ends first, then its Ack reader: no Ack of this stream may be matched against the
                    // next stream's resends.
                    call.Dispose();
                    await acks.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                _counters.SetConnected(false);
                _counters.Retried();
                LogConnectionLost(_logger, _options.CollectorUrl, delay.TotalMilliseconds, ex.Message);
                try
                {
                    await Task.Delay(Jitter(delay), token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                delay = TimeSpan.FromTicks(Math.Min(_options.MaxReconnectDelay.Ticks, delay.Ticks * 2));
            }
            finally
            {
                _counters.SetConnected(false);
            }
        }
    }

    private async Task PumpAsync(CollectorStreamCall call, Task acks, CancellationToken token)
    {
        foreach (var batch in _unacked.ToArray())
        {
            await WriteAsync(call, batch, token);
        }

        while (!acks.IsCompleted)
        {
            WarnAboutDrops();
            AttachOrphanMarkers();
            if (InFlight() >= _options.MaxInFlightBatches)
            {
                await Task.WhenAny(acks, Task.Delay(10, token));
                continue;
            }

            var batch = _spool is null ? TakeBatch() : _spool.ReadNext();
            if (batch is null)
            {
                await Task.WhenAny(acks, WaitForBatchesAsync(token));
                continue;
            }

            if (batch.Count == 0)
            {
                // Only flush markers: nothing new to wait for.
                CompleteMarkersIfIdle(batch);
                continue;
            }

            lock (_unacked)
            {
                _unacked.Enqueue(batch);
            }

            await WriteAsync(call, batch, token);
        }

        await acks;
    }

    private int InFlight()
    {
        lock (_unacked)
        {
            return _unacked.Count;
        }
    }

    private async Task WriteAsync(CollectorStreamCall call, SentBatch batch, CancellationToken token)
    {
        await call.WriteAsync(batch.Message, token);
        _counters.SentEvents(batch.Count);
    }

    private async Task ReadAcksAsync(CollectorStreamCall call, Action connected, CancellationToken token)
    {
        while (await call.ReadNextAsync(CancellationToken.None) is { } ack)
        {
            connected();
            SentBatch batch;
            lock (_unacked)
            {
                batch = _unacked.Dequeue();
            }

            if (ack.DurableThrough < batch.LastSequence)
            {
                throw new RpcException(new Status(StatusCode.Internal, $"collector acknowledged through {ack.DurableThrough}, batch ended at {batch.LastSequence}"));
            }

            if (_spool is null)
            {
                // In durable mode its events left the buffer when the journal wrote them.
                _buffer.Release(batch.Count, batch.Bytes);
            }

            _counters.Acked(batch.Count, ack.Rejections.Count);
            foreach (var rejection in ack.Rejections.Take(3))
            {
                LogRejected(_logger, rejection.Sequence, rejection.Reason);
            }

            // Flushes complete after the counts, so a caller of FlushAsync reads them.
            batch.CompleteMarkers();
            batch.Spool?.Acknowledged();
            _spool?.Acknowledged(batch);
        }

        token.ThrowIfCancellationRequested();
        throw new RpcException(new Status(StatusCode.Unavailable, "the collector ended the stream"));
    }

    private bool HasWaiting() => _spool?.HasUnsent ?? !_buffer.IsEmpty;

    private Task WaitForBatchesAsync(CancellationToken token) =>
        _spool?.WaitAsync(_options.FlushInterval, token) ?? _buffer.WaitAsync(_options.FlushInterval, token);

    /// <summary>Takes waiting events into the next batch (flush markers ride along); null when nothing waits.</summary>
    private SentBatch? TakeBatch()
    {
        if (_builder is null || !_buffer.HasQueued)
        {
            return null;
        }

        var batch = new SentBatch(_sourceId, _builder.NextSequence);
        if (!_builder.Fill(batch, batch.Markers))
        {
            return null;
        }

        if (batch.Count > 0)
        {
            batch.Seal();
        }

        return batch;
    }

    private void CompleteMarkersIfIdle(SentBatch markersOnly)
    {
        lock (_unacked)
        {
            if (_unacked.Count == 0)
            {
                markersOnly.CompleteMarkers();
                return;
            }

            _unacked.Last().Markers.AddRange(markersOnly.Markers);
        }
    }

    private void AttachOrphanMarkers()
    {
        // In durable mode the journal, the buffer's consumer, takes them.
        while (_builder is not null && _buffer.TryTakeOrphanMarker(out var marker))
        {
            var carrier = new SentBatch(_sourceId, 0);
            carrier.Markers.Add(marker!);
            CompleteMarkersIfIdle(carrier);
        }
    }

    private void WarnAboutDrops()
    {
        var dropped = _counters.DroppedCount;
        if (dropped > _droppedAtLastWarning && DateTime.UtcNow - _lastWarning >= _options.DropWarningInterval)
        {
            LogDropped(_logger, dropped - _droppedAtLastWarning, dropped, _options.DropPolicy);
            _droppedAtLastWarning = dropped;
            _lastWarning = DateTime.UtcNow;
        }
    }

    /// <summary>The HTTP/2 handler under the channel, with the caller's certificate check for a private CA.</summary>
    private static SocketsHttpHandler CreateHandler(TelemetryClientOptions options)
    {
        var handler = Http2ClientHandler.Create(keepAlivePingDelay: TimeSpan.FromSeconds(15), keepAlivePingTimeout: TimeSpan.FromSeconds(10));
        if (options.ValidateServerCertificate is { } validate)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
                certificate is not null && validate(new X509Certificate2(certificate));
        }

        return handler;
    }

    private static TimeSpan Jitter(TimeSpan delay)
    {
#pragma warning disable CA5394 // Jitter spreads reconnects; it needs no cryptographic randomness.
        return TimeSpan.FromTicks((long)(delay.Ticks * (0.5 + (Random.Shared.NextDouble() / 2))));
#pragma warning restore CA5394
    }

    [LoggerMessage(EventId = 5000, Level = LogLevel.Warning, Message = "Telemetry collector {Url} unreachable or lost ({Reason}); retrying in about {DelayMs:F0} ms, events are buffered")]
    private static partial void LogConnectionLost(ILogger logger, Uri url, double delayMs, string reason);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Warning, Message = "Telemetry buffer full: {Dropped} events dropped since the last warning ({Total} in all, policy {Policy})")]
    private static partial void LogDropped(ILogger logger, long dropped, long total, DropPolicy policy);

    [LoggerMessage(EventId = 5002, Level = LogLevel.Warning, Message = "Telemetry collector rejected event {Sequence}: {Reason}")]
    private static partial void LogRejected(ILogger logger, ulong sequence, string reason);
}
