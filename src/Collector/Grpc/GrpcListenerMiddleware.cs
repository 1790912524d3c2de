using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using Collector.Host.Configuration;
using Collector.Host.Metrics;
using Collector.Host.SelfTelemetry;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;

namespace Collector.Host.Grpc;

/// <summary>
/// The gRPC listener's part of the shared pipeline, after routing and before authentication. Refuses what is not a
/// gRPC request at all (not POST: 405; not application/grpc: 415; not HTTP/2: 426), before any key is asked for, as
/// the gRPC spec wants; takes the endpoint away from a request that routing matched to an HTTP route, so that only
/// gRPC is served here (<see cref="RefuseUnserved"/> answers it UNIMPLEMENTED after the access check, so a caller
/// without a key cannot probe which methods exist); lifts Kestrel's body limits (streams are long-lived and idle);
/// checks each message header of the request body as grpc-dotnet reads it (<see cref="FrameHeaderCheck"/>);
/// counts and times every request by method and status, and opens the call's root span. After the response, a client
/// still sending gets the end of it at once (<see cref="UnfinishedRequestDrain"/>).
/// </summary>
public sealed class GrpcListenerMiddleware(RequestMetrics metrics, TimeProvider time, IOptions<CollectorOptions> options)
{
    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var started = Stopwatch.GetTimestamp();
        metrics.GrpcCallStarted();
        var method = GrpcListener.MethodOf(context.GetEndpoint());
        var code = RequestMetrics.GrpcCode(StatusCode.Unknown);
        Activity? span = null;
        try
        {
            if (!IsGrpcRequest(context))
            {
                code = RequestMetrics.HttpCode(context.Response.StatusCode);
            }
            else
            {
                if (!GrpcListener.IsGrpcEndpoint(context.GetEndpoint()))
                {
                    context.SetEndpoint(null);
                }

                DisableBodyLimits(context);
                var body = FrameHeaderCheck.Install(context, options.Value.MaxReceiveMessageBytes);
                span = method is null ? null : HostActivity.StartCall(method);
                try
                {
                    await next(context);
                }
                finally
                {
                    // The drain below reads what is left of the body as it is, headers and all.
                    context.Features.Set(body);
                }

                code = StatusLabel(context, out var status, out var message);
                HostActivity.EndCall(span, status, message);
                span = null;
            }
        }
        finally
        {
            HostActivity.EndCall(span, StatusCode.Unknown, "the request failed");
            metrics.GrpcCallEnded(method ?? RequestMetrics.UnknownMethod, code, started);
        }

        // A call refused or failed before the client finished sending must not leave its stream half open.
        await UnfinishedRequestDrain.AfterResponseAsync(context, time);
    }

    /// <summary>The end of the pipeline on the gRPC listener for a request no gRPC endpoint serves; access was checked.</summary>
    public static Task RefuseUnserved(HttpContext context, RequestDelegate next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (!GrpcListener.Serves(context) || context.GetEndpoint() is not null)
        {
            return next(context);
        }

        GrpcRefusal.Write(context, StatusCode.Unimplemented, $"method {context.Request.Path} is not implemented");
        return Task.CompletedTask;
    }

    /// <summary>False, with the response set, for a request that is not gRPC.</summary>
    private static bool IsGrpcRequest(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return false;
        }

        if (!IsGrpcContentType(request.ContentType))
        {
            // The spec's answer: 415, so that no HTTP client mistakes the error for success; the grpc-status a client's
            // fault gets, not INTERNAL (kept for the collector's own failures).
            GrpcRefusal.Write(context, StatusCode.InvalidArgument, $"content-type '{request.ContentType}' is not application/grpc", StatusCodes.Status415UnsupportedMediaType);
            return false;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2c";
            return false;
        }

        return true;
    }

    private static bool IsGrpcContentType(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var parsed)
        && (string.Equals(parsed.MediaType, "application/grpc", StringComparison.OrdinalIgnoreCase)
            || string.Equals(parsed.MediaType, "application/grpc+proto", StringComparison.OrdinalIgnoreCase));

    /// <summary>The code label of a finished request: its grpc-status (trailers, or headers when Trailers-Only), else its HTTP status.</summary>
    private static string StatusLabel(HttpContext context, out StatusCode status, out string? message)
    {
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var headers = context.Response.Headers;
        var fromTrailers = trailers is not null && trailers.ContainsKey("grpc-status");
        var text = fromTrailers ? trailers!["grpc-status"].ToString() : headers["grpc-status"].ToString();
        var encoded = fromTrailers ? trailers!["grpc-message"].ToString() : headers["grpc-message"].ToString();
        message = encoded.Length == 0 ? null : Uri.UnescapeDataString(encoded);
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
        {
            status = (StatusCode)value;
            return RequestMetrics.GrpcCode(status);
        }

        status = StatusCode.Unknown;
        return context.Response.StatusCode == StatusCodes.Status200OK
            ? RequestMetrics.GrpcCode(status)
            : RequestMetrics.HttpCode(context.Response.StatusCode);
    }

    private static void DisableBodyLimits(HttpContext context)
    {
        // Streams are long-lived and may idle: Kestrel's body size and data-rate limits would cut them off.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = null;
        }

        if (context.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } requestRate)
        {
            requestRate.MinDataRate = null;
        }

        if (context.Features.Get<IHttpMinResponseDataRateFeature>() is { } responseRate)
        {
            responseRate.MinDataRate = null;
        }
    }
}
