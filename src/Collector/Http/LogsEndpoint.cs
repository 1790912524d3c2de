using System.Text.Json.Nodes;
using Collector.Forwarder.Otlp.V1;
using Collector.Host.Configuration;
using Collector.Host.Ingest;
using Collector.Host.JsonApi;
using Collector.Host.Otlp;
using Collector.Host.Security;
using Google.Protobuf;
using Microsoft.Extensions.Options;

namespace Collector.Host.Http;

/// <summary>
/// POST /v1/logs, three ways in on one path, told apart by Content-Type and shape:
/// application/x-protobuf → OTLP/HTTP protobuf (200 with an ExportLogsServiceResponse);
/// application/json with "resourceLogs" → OTLP/HTTP JSON (200, the response as JSON);
/// application/json otherwise → the simple JSON log API (202 once durable).
/// Every answer comes after the log has committed what was accepted.
/// </summary>
public static class LogsEndpoint
{
    public const string Path = "/v1/logs";
    public const string ProtobufType = OtlpHttpResults.ProtobufType;
    public const string JsonType = OtlpHttpResults.JsonType;

    public static void Map(WebApplication app) => app.MapPost(Path, HandleAsync);

    private static async Task<IResult> HandleAsync(HttpContext context, OtlpLogsReceiver otlp, UnsequencedIngest ingest, IOptions<CollectorOptions> options)
    {
        var protobuf = OtlpHttpResults.IsProtobuf(context.Request.ContentType);
        if (!protobuf && !OtlpHttpResults.IsMediaType(context.Request.ContentType, JsonType))
        {
            return Results.Json(
                new { error = $"Content-Type '{context.Request.ContentType}' is not supported; use {ProtobufType} (OTLP) or {JsonType} (OTLP JSON or the JSON log API)" },
                statusCode: StatusCodes.Status415UnsupportedMediaType);
        }

        var body = await RequestBody.ReadAsync(context, options.Value.MaxReceiveMessageBytes);
        if (body.Bytes is not { } bytes)
        {
            // Before the body is read its JSON shape is unknown: the JSON API's error shape serves both.
            return protobuf ? OtlpHttpResults.Error(protobuf, body.Status, body.Error!) : JsonApiError(body.Status, body.Error!, field: null);
        }

        try
        {
            return protobuf
                ? await OtlpProtobufAsync(bytes, otlp, ApiCaller.Of(context).Bucket, context.RequestAborted)
                : await JsonAsync(bytes, otlp, ingest, ApiCaller.Of(context).Bucket, context.RequestAborted);
        }
        catch (Exception ex) when (OtlpHttpResults.IsIngestFailure(ex))
        {
            return OtlpHttpResults.IngestFailure(ex, protobuf, context);
        }
    }

    private static async Task<IResult> OtlpProtobufAsync(byte[] bytes, OtlpLogsReceiver otlp, EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        ExportLogsServiceRequest request;
        try
        {
            request = ExportLogsServiceRequest.Parser.ParseFrom(bytes);
        }
        catch (InvalidProtocolBufferException ex)
        {
            return OtlpHttpResults.Error(protobuf: true, StatusCodes.Status400BadRequest, $"the body is not an ExportLogsServiceRequest: {ex.Message}");
        }

        var response = await otlp.ExportAsync(request, IngestProtocol.OtlpHttp, bucket, cancellationToken);
        return Results.Bytes(response.ToByteArray(), ProtobufType);
    }

    private static async Task<IResult> JsonAsync(byte[] bytes, OtlpLogsReceiver otlp, UnsequencedIngest ingest, EventRateBucket? bucket, CancellationToken cancellationToken)
    {
        var body = JsonBody.Parse(bytes);
        if (body.Error is { } malformed)
        {
            return body.IsOtlp
                ? OtlpHttpResults.Error(protobuf: false, StatusCodes.Status400BadRequest, malformed)
                : JsonApiError(StatusCodes.Status400BadRequest, malformed, field: null);
        }

        var root = body.Root;
        if (body.IsOtlp)
        {
            ExportLogsServiceRequest request;
            try
            {
                request = OtlpJsonReader.Read((JsonObject)root!);
            }
            catch (FormatException ex)
            {
                return OtlpHttpResults.Error(protobuf: false, StatusCodes.Status400BadRequest, ex.Message);
            }

            var response = await otlp.ExportAsync(request, IngestProtocol.OtlpHttp, bucket, cancellationToken);
            return Results.Content(JsonFormatter.Default.Format(response), JsonType, statusCode: StatusCodes.Status200OK);
        }

        var batches = JsonLogParser.Parse(root, out var count, out var error);
        if (error is not null)
        {
            // All or nothing: every entry of the request is refused.
            ingest.CountRefused(IngestProtocol.Json, root is JsonArray entries ? entries.Count : 1);
            return JsonApiError(StatusCodes.Status400BadRequest, error.Error, error.Field);
        }

        var outcome = await ingest.IngestAsync(batches, IngestProtocol.Json, bucket, cancellationToken);
        return Results.Json(new { accepted = outcome.Accepted, rejected = outcome.Rejected }, statusCode: StatusCodes.Status202Accepted);
    }

    private static IResult JsonApiError(int status, string error, string? field) =>
        field is null ? Results.Json(new { error }, statusCode: status) : Results.Json(new { error, field }, statusCode: status);
}
