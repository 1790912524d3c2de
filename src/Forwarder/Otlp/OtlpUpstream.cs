using Collector.Forwarder.Otlp.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Collector.Forwarder.Otlp;

/// <summary>
/// Upstream kind 2: any OTLP/gRPC endpoint. Each batch is up to three unary Export calls (logs, metrics, traces: see
/// <see cref="OtlpBatchSplit"/>) of the generated <see cref="LogsService.LogsServiceClient"/>,
/// <see cref="MetricsService.MetricsServiceClient"/> and <see cref="TraceService.TraceServiceClient"/> over one
/// <see cref="GrpcChannel"/>; several batches may be in flight. Delivery is at least once: a part resent after a
/// failure may be stored twice, OTLP has no dedup. Opening a session sends an empty logs Export (see
/// <see cref="OtlpUpstreamOptions.ProbeOnConnect"/>), so an unreachable endpoint fails <see cref="ConnectAsync"/>
/// rather than the first batch; an endpoint without the metrics or trace service fails the first batch that needs it
/// (UNIMPLEMENTED, retried like any endpoint error) unless <see cref="OtlpUpstreamOptions.Signals"/> leaves that
/// signal out (--upstream-signals): then its events are skipped and counted, never sent.
/// </summary>
public sealed class OtlpUpstream : IUpstream
{
    // grpc-dotnet compresses a call's request messages with the algorithm this header names; it is not sent as is.
    private const string RequestCompressionHeader = "grpc-internal-encoding-request";
    private const int MaxResponseBytes = 4 * 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly LogsService.LogsServiceClient _logs;
    private readonly MetricsService.MetricsServiceClient _metrics;
    private readonly TraceService.TraceServiceClient _traces;

    // Built once and only read afterwards: every call sends the same headers.
    private readonly Metadata _headers;

    public OtlpUpstream(OtlpUpstreamOptions options, TimeProvider time, ForwarderCounters? counters = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        Options = options;
        Time = time;
        Counters = counters;
        _headers = CallHeaders(options);

        // Scheme, host and port only: a path is ignored (the method's path replaces it) and credentials stay out.
        // An HttpClient, not the handler itself: given a SocketsHttpHandler the channel runs its own connection
        // balancer, which fails every call at once during a reconnect backoff of its own (1 s growing to 120 s), so
        // an endpoint back up would wait out that backoff after the forwarder's. Over an HttpClient each call
        // connects when it needs to, and the forwarder's backoff alone decides when to try again.
        _channel = GrpcChannel.ForAddress(options.Endpoint.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped), new GrpcChannelOptions
        {
            HttpClient = new HttpClient(UpstreamHttpHandler.Create(options.ConfigureHandler)) { Timeout = Timeout.InfiniteTimeSpan },
            DisposeHttpClient = true,
            MaxSendMessageSize = options.MaxRequestBytes,
            MaxReceiveMessageSize = MaxResponseBytes,
        });
        _logs = new LogsService.LogsServiceClient(_channel);
        _metrics = new MetricsService.MetricsServiceClient(_channel);
        _traces = new TraceService.TraceServiceClient(_channel);
    }

    public OtlpUpstreamOptions Options { get; }

    /// <summary>Scheme, host, port: credentials in the url stay out of logs.</summary>
    public string Describe => "otlp " + Options.Endpoint.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    internal TimeProvider Time { get; }

    /// <summary>Where events skipped for their signal are counted (none in tests that build the upstream alone).</summary>
    internal ForwarderCounters? Counters { get; }

    public async Task<IUpstreamSession> ConnectAsync(CancellationToken cancellationToken)
    {
        if (Options.ProbeOnConnect)
        {
            try
            {
                await ExportAsync(new ExportLogsServiceRequest(), cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                // A server that refuses empty requests is still there and still ours to send to.
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw OtlpFailures.From(ex);
            }
            catch (RpcException ex)
            {
                throw new OperationCanceledException("connect cancelled", ex, cancellationToken);
            }
        }

        return new OtlpUpstreamSession(this);
    }

    public void Dispose() => _channel.Dispose();

    /// <summary>What the server said about a request of <paramref name="records"/> records.</summary>
    internal static DeliveryResult ToResult(ExportLogsServiceResponse response, int records) =>
        ToResult(response.PartialSuccess?.RejectedLogRecords, response.PartialSuccess?.ErrorMessage, records);

    /// <summary>What the server said about a request of <paramref name="points"/> data points.</summary>
    internal static DeliveryResult ToResult(ExportMetricsServiceResponse response, int points) =>
        ToResult(response.PartialSuccess?.RejectedDataPoints, response.PartialSuccess?.ErrorMessage, points);

    /// <summary>What the server said about a request of <paramref name="spans"/> spans.</summary>
    internal static DeliveryResult ToResult(ExportTraceServiceResponse response, int spans) =>
        ToResult(response.PartialSuccess?.RejectedSpans, response.PartialSuccess?.ErrorMessage, spans);

    /// <summary>One logs Export call with the configured headers and deadline; a non-OK status throws <see cref="RpcException"/>.</summary>
    internal async Task<ExportLogsServiceResponse> ExportAsync(ExportLogsServiceRequest request, CancellationToken cancellationToken)
    {
        using var call = _logs.ExportAsync(request, _headers, Deadline(), cancellationToken);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>One metrics Export call, as <see cref="ExportAsync(ExportLogsServiceRequest, CancellationToken)"/>.</summary>
    internal async Task<ExportMetricsServiceResponse> ExportAsync(ExportMetricsServiceRequest request, CancellationToken cancellationToken)
    {
        using var call = _metrics.ExportAsync(request, _headers, Deadline(), cancellationToken);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    /// <summary>One trace Export call, as <see cref="ExportAsync(ExportLogsServiceRequest, CancellationToken)"/>.</summary>
    internal async Task<ExportTraceServiceResponse> ExportAsync(ExportTraceServiceRequest request, CancellationToken cancellationToken)
    {
        using var call = _traces.ExportAsync(request, _headers, Deadline(), cancellationToken);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

    // OTLP's partial success: the count the server dropped for good (clamped to what was sent) and why.
    private static DeliveryResult ToResult(long? rejectedCount, string? errorMessage, int items)
    {
        var rejected = rejectedCount is { } count ? (int)Math.Clamp(count, 0, items) : 0;
        var message = string.IsNullOrEmpty(errorMessage) ? null : errorMessage;
        return new DeliveryResult(items - rejected, Duplicates: 0, rejected, message);
    }

    // The deadline is wall-clock time for grpc-dotnet (sent as grpc-timeout and enforced here), never Time's.
    private DateTime Deadline() => DateTime.UtcNow + Options.CallTimeout;

    private static Metadata CallHeaders(OtlpUpstreamOptions options)
    {
        var headers = new Metadata();
        foreach (var (name, value) in options.Headers)
        {
            try
            {
                headers.Add(name, value);
            }
            catch (ArgumentException ex)
            {
                // The value is a secret more often than not: only the name goes into the message.
                throw new ArgumentException($"header '{name}' cannot be sent as gRPC metadata: {ex.Message}", nameof(options), ex);
            }
        }

        if (options.CompressRequests)
        {
            headers.Add(RequestCompressionHeader, "gzip");
        }

        return headers;
    }
}
