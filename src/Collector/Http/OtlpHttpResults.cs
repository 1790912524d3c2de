using System.Globalization;
using Collector.Host.Ingest;
using Collector.Storage.Log;
using Grpc.Core;
using Microsoft.Net.Http.Headers;

namespace Collector.Host.Http;

/// <summary>
/// The answers OTLP/HTTP endpoints share: errors as a google.rpc.Status in the request's encoding (protobuf or JSON)
/// with the HTTP status OTLP/HTTP clients act on (400 do not retry, 429 and 503 retry), and media type matching.
/// </summary>
internal static class OtlpHttpResults
{
    public const string ProtobufType = "application/x-protobuf";
    public const string JsonType = "application/json";

    public static IResult Error(bool protobuf, int status, string message)
    {
        var code = status switch
        {
            StatusCodes.Status413PayloadTooLarge or StatusCodes.Status429TooManyRequests => StatusCode.ResourceExhausted,
            StatusCodes.Status503ServiceUnavailable => StatusCode.Unavailable,
            _ => StatusCode.InvalidArgument,
        };
        return protobuf
            ? new BytesResult(RpcStatusBody.Protobuf(code, message), ProtobufType, status)
            : Results.Content(RpcStatusBody.Json(code, message), JsonType, statusCode: status);
    }

    /// <summary>Whether <paramref name="exception"/> is an ingest refusal that <see cref="IngestFailure"/> answers.</summary>
    public static bool IsIngestFailure(Exception exception) => exception is DurableLogUnavailableException or PushBackException or BatchRejectedException;

    /// <summary>The answer to an ingest refusal: nothing of the request counts as stored.</summary>
    public static IResult IngestFailure(Exception exception, bool protobuf, HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        switch (exception)
        {
            case DurableLogUnavailableException:
                // 503 is retryable in OTLP/HTTP.
                context.Response.Headers.RetryAfter = "1";
                return Error(protobuf, StatusCodes.Status503ServiceUnavailable, exception.Message);
            case PushBackException pushBack:
                // The key is over its event rate, or the collector over its memory limit. OTLP/HTTP exporters honour Retry-After.
                context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(pushBack.RetryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
                return Error(protobuf, StatusCodes.Status429TooManyRequests, exception.Message);
            default:
                // IngestService refused a batch the mapping built; the mapping checks what it can, this is the rest.
                return Error(protobuf, StatusCodes.Status400BadRequest, exception.Message);
        }
    }

    /// <summary>Whether the Content-Type says protobuf (OTLP's application/x-protobuf, or application/protobuf).</summary>
    public static bool IsProtobuf(string? contentType) => IsMediaType(contentType, ProtobufType) || IsMediaType(contentType, "application/protobuf");

    public static bool IsMediaType(string? contentType, string expected) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed) && parsed.MediaType.Equals(expected, StringComparison.OrdinalIgnoreCase);

    /// <summary>A protobuf body with a status code, which Results.Bytes cannot set.</summary>
    private sealed class BytesResult(byte[] body, string contentType, int status) : IResult
    {
        public Task ExecuteAsync(HttpContext httpContext)
        {
            httpContext.Response.StatusCode = status;
            httpContext.Response.ContentType = contentType;
            httpContext.Response.ContentLength = body.Length;
            return httpContext.Response.Body.WriteAsync(body).AsTask();
        }
    }
}
