using System.Diagnostics;
using Collector.Host.Configuration;
using Collector.Host.Metrics;
using Collector.Host.Security;
using Collector.Host.SelfTelemetry;
using Collector.Protocol.Grpc;
using Collector.Storage.Log;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;
using Microsoft.Extensions.Options;

namespace Collector.Host.Grpc;

/// <summary>A method the gRPC endpoint serves.</summary>
public interface IGrpcMethodHandler
{
    /// <summary>The HTTP/2 path, e.g. "/telemetry.v1.Collector/Stream".</summary>
    string Path { get; }

    /// <summary>Runs the call and returns the status to end it with.</summary>
    Task<GrpcStatus> HandleAsync(GrpcServerCall serverCall);
}

/// <summary>
/// Middleware of the gRPC listener: checks what the protocol requires of a request and who may call it, finds the
/// method, sets up deadline and compression, and ends every call with a status whatever happens inside it; a client
/// that still sends after that gets the end of the response at once (<see cref="UnfinishedRequestDrain"/>). Calls of
/// health and reflection (<see cref="StandardGrpcServices"/>) go on to routing once their access is checked.
/// </summary>
public sealed class GrpcEndpoint(
    IEnumerable<IGrpcMethodHandler> handlers,
    AccessCheck access,
    ConcurrentCallLimit calls,
    IOptions<CollectorOptions> options,
    IHostApplicationLifetime lifetime,
    TimeProvider time,
    RequestMetrics metrics,
    ILogger<GrpcEndpoint> logger)
{
    private readonly Dictionary<string, IGrpcMethodHandler> _handlers = handlers.ToDictionary(h => h.Path, StringComparer.Ordinal);

    public async Task InvokeAsync(HttpContext context, RequestDelegate next)
    {
        var started = Stopwatch.GetTimestamp();
        metrics.GrpcCallStarted();
        var outcome = (Method: RequestMetrics.UnknownMethod, Code: RequestMetrics.GrpcCode(GrpcStatusCode.Unknown));
        try
        {
            outcome = await ServeAsync(context, next);
        }
        finally
        {
            metrics.GrpcCallEnded(outcome.Method, outcome.Code, started);
        }

        // A call refused or failed before the client finished sending must not leave its stream half open.
        await UnfinishedRequestDrain.AfterResponseAsync(context, time, lifetime.ApplicationStopping);
    }

    /// <summary>Serves one request; returns the method and code labels of its metrics (an HTTP status when it was refused before gRPC).</summary>
    private async Task<(string Method, string Code)> ServeAsync(HttpContext context, RequestDelegate next)
    {
        var request = context.Request;
        var response = context.Response;
        if (!HttpMethods.IsPost(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "POST";
            return (RequestMetrics.UnknownMethod, RequestMetrics.HttpCode(response.StatusCode));
        }

        if (!GrpcHeaders.IsGrpcProtoContentType(request.ContentType))
        {
            // The spec's answer: 415, so that no HTTP client mistakes the error for success.
            response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            response.Headers[GrpcHeaders.Status] = ((int)GrpcStatusCode.Internal).ToString(System.Globalization.CultureInfo.InvariantCulture);
            response.Headers[GrpcHeaders.Message] = GrpcPercentEncoding.Encode($"content-type '{request.ContentType}' is not application/grpc");
            return (RequestMetrics.UnknownMethod, RequestMetrics.HttpCode(response.StatusCode));
        }

        if (!HttpProtocol.IsHttp2(request.Protocol))
        {
            response.StatusCode = StatusCodes.Status426UpgradeRequired;
            response.Headers.Upgrade = "h2c";
            return (RequestMetrics.UnknownMethod, RequestMetrics.HttpCode(response.StatusCode));
        }

        // Before the method lookup, so a caller without a key cannot probe which methods exist.
        var decision = access.Check(context, AccessCheck.Grpc);
        if (decision.IsAllowed && StandardGrpcServices.Serves(request.Path))
        {
            return await ServeStandardAsync(context, next);
        }

        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = GrpcHeaders.ContentType;
        response.Headers[GrpcHeaders.AcceptEncoding] = GrpcHeaders.SupportedEncodings;
        DisableBodyLimits(context);

        var encoding = request.Headers[GrpcHeaders.Encoding].ToString();
        var gzip = string.Equals(encoding, GrpcHeaders.Gzip, StringComparison.OrdinalIgnoreCase);
        TimeSpan? timeout = GrpcTimeout.TryParse(request.Headers[GrpcHeaders.Timeout], out var parsed) ? parsed : null;
        using var call = new GrpcServerCall(context, options.Value.MaxReceiveMessageBytes, timeout, time, gzip, lifetime.ApplicationStopping);
        var handler = _handlers.GetValueOrDefault(request.Path.Value ?? string.Empty);
        var method = handler?.Path ?? RequestMetrics.UnknownMethod;

        if (!decision.IsAllowed)
        {
            var refusal = decision.IsForbidden ? GrpcStatusCode.PermissionDenied : GrpcStatusCode.Unauthenticated;
            call.Complete(new GrpcStatus(refusal, decision.Message ?? "refused"));
            return (method, RequestMetrics.GrpcCode(refusal));
        }

        if (encoding.Length > 0 && !gzip && !string.Equals(encoding, GrpcHeaders.Identity, StringComparison.OrdinalIgnoreCase))
        {
            call.Complete(new GrpcStatus(GrpcStatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported; supported: {GrpcHeaders.SupportedEncodings}"));
            return (method, RequestMetrics.GrpcCode(GrpcStatusCode.Unimplemented));
        }

        if (handler is null)
        {
            call.Complete(new GrpcStatus(GrpcStatusCode.Unimplemented, $"method {request.Path} is not implemented"));
            return (method, RequestMetrics.GrpcCode(GrpcStatusCode.Unimplemented));
        }

        if (!calls.TryEnter())
        {
            call.Complete(new GrpcStatus(GrpcStatusCode.ResourceExhausted, $"the collector already serves {calls.Limit} concurrent calls (MaxConcurrentStreams); retry later"));
            return (method, RequestMetrics.GrpcCode(GrpcStatusCode.ResourceExhausted));
        }

        GrpcStatus status;
        try
        {
            var span = HostActivity.StartCall(handler.Path);
            status = await RunAsync(handler, call);
            HostActivity.EndCall(span, status);
            if (!call.ClientGone)
            {
                call.Complete(status);
            }
        }
        finally
        {
            calls.Exit();
        }

        return (method, RequestMetrics.GrpcCode(status.Code));
    }

    /// <summary>A call of health or reflection, served by grpc-dotnet through routing; labelled with its grpc-status.</summary>
    private static async Task<(string Method, string Code)> ServeStandardAsync(HttpContext context, RequestDelegate next)
    {
        context.Features.Set(GrpcAccessChecked.Instance);
        await next(context);
        var trailers = context.Features.Get<IHttpResponseTrailersFeature>()?.Trailers;
        var status = trailers is not null && trailers.TryGetValue(GrpcHeaders.Status, out var trailer) ? trailer : context.Response.Headers[GrpcHeaders.Status];
        var code = int.TryParse(status.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) ? (GrpcStatusCode)value : GrpcStatusCode.Unknown;
        return (context.Request.Path.Value ?? RequestMetrics.UnknownMethod, RequestMetrics.GrpcCode(code));
    }

    private async Task<GrpcStatus> RunAsync(IGrpcMethodHandler handler, GrpcServerCall call)
    {
        try
        {
            return await handler.HandleAsync(call);
        }
        catch (Exception ex) when (GrpcErrors.StatusOf(ex) is { } status)
        {
            return status;
        }
        catch (OperationCanceledException) when (call.DeadlineExceeded)
        {
            return new GrpcStatus(GrpcStatusCode.DeadlineExceeded, "deadline exceeded");
        }
        catch (OperationCanceledException) when (call.StoppingToken.IsCancellationRequested)
        {
            return new GrpcStatus(GrpcStatusCode.Unavailable, "the collector is shutting down");
        }
        catch (Exception ex) when (call.ClientGone && ex is OperationCanceledException or IOException)
        {
            return new GrpcStatus(GrpcStatusCode.Cancelled, "the client cancelled the call");
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            CollectorLog.CallFailed(logger, handler.Path, ex);
            return new GrpcStatus(GrpcStatusCode.Internal, "internal error; see the collector's log");
        }
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
