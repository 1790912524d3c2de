using Collector.Forwarder.Otlp.V1;
using Collector.Protocol.Grpc;
using Collector.Protocol.Grpc.Client;

namespace Collector.Forwarder.Otlp;

/// <summary>
/// Upstream kind 2: any OTLP/gRPC logs endpoint. Each batch is one unary Export call; several may be in flight.
/// Delivery is at least once: a batch resent after a failure may be stored twice, OTLP has no dedup.
/// Opening a session sends an empty Export (see <see cref="OtlpUpstreamOptions.ProbeOnConnect"/>), so an
/// unreachable endpoint fails <see cref="ConnectAsync"/> rather than the first batch.
/// </summary>
public sealed class OtlpUpstream : IUpstream
{
    public const string ExportMethod = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";

    private readonly GrpcClient _client;

    public OtlpUpstream(OtlpUpstreamOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(time);
        Options = options;
        Time = time;
        _client = new GrpcClient(new GrpcClientOptions
        {
            Address = options.Endpoint,
            Headers = options.Headers,
            CompressRequests = options.CompressRequests,
            MaxSendMessageBytes = options.MaxRequestBytes,
            ConfigureHandler = options.ConfigureHandler,
        });
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
            catch (GrpcStatusException ex) when (ex.StatusCode == GrpcStatusCode.InvalidArgument)
            {
                // A server that refuses empty requests is still there and still ours to send to.
            }
            catch (GrpcStatusException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw OtlpFailures.From(ex);
            }
            catch (GrpcStatusException ex)
            {
                throw new OperationCanceledException("connect cancelled", ex, cancellationToken);
            }
        }

        return new OtlpUpstreamSession(this);
    }

    public void Dispose() => _client.Dispose();

    /// <summary>What the server said about a request of <paramref name="records"/> records.</summary>
    internal static DeliveryResult ToResult(ExportLogsServiceResponse response, int records)
    {
        var partial = response.PartialSuccess;
        var rejected = partial is null ? 0 : (int)Math.Clamp(partial.RejectedLogRecords, 0, records);
        var message = partial is null || partial.ErrorMessage.Length == 0 ? null : partial.ErrorMessage;
        return new DeliveryResult(records - rejected, Duplicates: 0, rejected, message);
    }

    internal Task<ExportLogsServiceResponse> ExportAsync(ExportLogsServiceRequest request, CancellationToken cancellationToken) =>
        _client.UnaryAsync(ExportMethod, request, ExportLogsServiceResponse.Parser, new GrpcCallOptions
        {
            Timeout = Options.CallTimeout,
            CancellationToken = cancellationToken,
        });
}
