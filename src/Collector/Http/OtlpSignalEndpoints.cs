using System.Text.Json.Nodes;
using Collector.Forwarder.Otlp.V1;
using Collector.Host.Configuration;
using Collector.Host.Ingest;
using Collector.Host.Otlp;
using Collector.Host.Security;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Collector.Host.Http;

/// <summary>
/// POST /v1/metrics and POST /v1/traces, OTLP/HTTP: application/x-protobuf (answered with the protobuf export
/// response) or application/json (OTLP JSON, answered in JSON). The answer comes after the log has committed what was
/// accepted; rejected points or spans are reported as OTLP's partial success in a 200. Errors are a google.rpc.Status
/// in the request's encoding: 400 (the body does not parse, or the ingest refused it), 413, 415, 429 with Retry-After
/// (rate limit, memory limit), 503 with Retry-After (the durable log is unavailable).
/// </summary>
public static class OtlpSignalEndpoints
{
    public const string MetricsPath = "/v1/metrics";
    public const string TracesPath = "/v1/traces";

    public static void Map(WebApplication app)
    {
        app.MapPost(MetricsPath, (HttpContext context, OtlpMetricsReceiver receiver, IOptions<CollectorOptions> options) =>
            HandleAsync(context, options.Value, ExportMetricsServiceRequest.Parser, (request, bucket, ct) => receiver.ExportAsync(request, IngestProtocol.OtlpHttp, bucket, ct)));
        app.MapPost(TracesPath, (HttpContext context, OtlpTracesReceiver receiver, IOptions<CollectorOptions> options) =>
            HandleAsync(context, options.Value, ExportTraceServiceRequest.Parser, (request, bucket, ct) => receiver.ExportAsync(request, IngestProtocol.OtlpHttp, bucket, ct)));
    }

    private static async Task<IResult> HandleAsync<TRequest, TResponse>(
        HttpContext context,
        CollectorOptions options,
        MessageParser<TRequest> parser,
        Func<TRequest, EventRateBucket?, CancellationToken, Task<TResponse>> export)
        where TRequest : IMessage<TRequest>, new()
        where TResponse : IMessage<TResponse>
    {
        var protobuf = OtlpHttpResults.IsProtobuf(context.Request.ContentType);
        if (!protobuf && !OtlpHttpResults.IsMediaType(context.Request.ContentType, OtlpHttpResults.JsonType))
        {
            return Results.Json(
                new { error = $"Content-Type '{context.Request.ContentType}' is not supported; use {OtlpHttpResults.ProtobufType} or {OtlpHttpResults.JsonType} (OTLP JSON)" },
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var body = await RequestBody.ReadAsync(context, options.MaxReceiveMessageBytes);
        if (body.Bytes is not { } bytes)
        {
            return OtlpHttpResults.Error(protobuf, body.Status, body.Error!);
        }

        if (!TryRead(bytes, protobuf, parser, out var request, out var error))
        {
            return OtlpHttpResults.Error(protobuf, StatusCodes.Status400BadRequest, error);
        }

        try
        {
            var response = await export(request, ApiCaller.Of(context).Bucket, context.RequestAborted);
            return protobuf
                ? Results.Bytes(response.ToByteArray(), OtlpHttpResults.ProtobufType)
                : Results.Content(JsonFormatter.Default.Format(response), OtlpHttpResults.JsonType, statusCode: StatusCodes.Status200OK);
        }
        catch (Exception ex) when (OtlpHttpResults.IsIngestFailure(ex))
        {
            return OtlpHttpResults.IngestFailure(ex, protobuf, context);
        }
    }

    private static bool TryRead<TRequest>(byte[] bytes, bool protobuf, MessageParser<TRequest> parser, out TRequest request, out string error)
        where TRequest : IMessage<TRequest>, new()
    {
        request = default!;
        error = string.Empty;
        if (protobuf)
        {
            try
            {
                request = parser.ParseFrom(bytes);
                return true;
            }
            catch (InvalidProtocolBufferException ex)
            {
                error = $"the body is not an {typeof(TRequest).Name}: {ex.Message}";
                return false;
            }
        }

        var json = JsonBody.Parse(bytes);
        if (json.Error is { } malformed)
        {
            error = malformed;
            return false;
        }

        if (json.Root is not JsonObject root)
        {
            error = $"the body must be a JSON object (an OTLP {typeof(TRequest).Name})";
            return false;
        }

        try
        {
            request = OtlpJsonReader.Read<TRequest>(root);
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }
}
