using System.Globalization;
using Collector.Protocol.Grpc;

namespace Collector.Host.Security;

/// <summary>
/// For HTTP ingest handlers (POST /v1/logs): answers a rate refusal of <c>IngestService.Ingest</c> with 429 and
/// Retry-After in whole seconds, as HTTP clients and OTLP exporters expect.
/// </summary>
public static class RateLimitedResponse
{
    /// <summary>Writes the 429 and returns true when <paramref name="exception"/> is a rate refusal; else does nothing.</summary>
    public static async Task<bool> TryWriteAsync(HttpContext context, Exception exception)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (exception is not GrpcStatusException refusal || !EventRateBucket.TryGetRetryAfter(refusal, out var retryAfter))
        {
            return false;
        }

        context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
        context.Response.Headers.RetryAfter = Math.Max(1, Math.Ceiling(retryAfter.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
        await context.Response.WriteAsJsonAsync(new { error = refusal.Status.Message });
        return true;
    }
}
