using Collector.Forwarder.Otlp.V1;
using Grpc.Core;
using Grpc.Net.Client;

namespace Collector.Forwarder.Otlp;

/// <summary>
/// Upstream kind 2: any OTLP/gRPC logs endpoint. Each batch is one unary Export call of the generated
/// <see cref="LogsService.LogsServiceClient"/> over one <see cref="GrpcChannel"/>; several may be in flight.
/// Delivery is at least once: a batch resent after a failure may be stored twice, OTLP has no dedup.
/// Opening a session sends an empty Export (see <see cref="OtlpUpstreamOptions.ProbeOnConnect"/>), so an
/// unreachable endpoint fails <see cref="ConnectAsync"/> rather than the first batch.
/// </summary>
public sealed class OtlpUpstream : IUpstream
{
    // grpc-dotnet compresses a call's request messages with the algorithm this header names; it is not sent as is.
    private const string RequestCompressionHeader = "grpc-internal-encoding-request";
    private const int MaxResponseBytes = 4 * 1024 * 1024;

    private readonly GrpcChannel _channel;
    private readonly LogsService.LogsServiceClient _client;

    // Built once and only read afterwards: every call sends the same headers.
    private readonly Metadata _headers;

    public OtlpUpstream(OtlpUpstreamOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        Options = options;
        Time = time;
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
        _client = new LogsService.LogsServiceClient(_channel);
    }

    public OtlpUpstreamOptions Options { get; }

    /// <summary>Scheme, host, port: credentials in the url stay out of logs.</summary>
    public string Describe => "otlp " + Options.Endpoint.GetComponents(UriComponents.SchemeAndServer, UriFormat.UriEscaped);

    internal TimeProvider Time { get; }

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
    internal static DeliveryResult ToResult(ExportLogsServiceResponse response, int records)
    {
        var partial = response.PartialSuccess;
        var rejected = partial is null ? 0 : (int)Math.Clamp(partial.RejectedLogRecords, 0, records);
        var message = partial is null || partial.ErrorMessage.Length == 0 ? null : partial.ErrorMessage;
        return new DeliveryResult(records - rejected, Duplicates: 0, rejected, message);
    }

    /// <summary>One Export call with the configured headers and deadline; a non-OK status throws <see cref="RpcException"/>.</summary>
    internal async Task<ExportLogsServiceResponse> ExportAsync(ExportLogsServiceRequest request, CancellationToken cancellationToken)
    {
        // The deadline is wall-clock time for grpc-dotnet (sent as grpc-timeout and enforced here), never Time's.
        using var call = _client.ExportAsync(request, _headers, DateTime.UtcNow + Options.CallTimeout, cancellationToken);
        return await call.ResponseAsync.ConfigureAwait(false);
    }

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
