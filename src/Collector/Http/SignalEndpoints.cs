using Collector.Storage.Queries;

namespace Collector.Host.Http;

/// <summary>
/// GET /telemetry/traces/{trace_id} and GET /telemetry/metrics: the read side of the other two OpenTelemetry signals,
/// answered like the other query endpoints (<see cref="QueryEndpoints.AnswerAsync"/>: 400 naming the parameter, 503
/// without or failing ClickHouse). A trace that nothing carries is 404 with an error text.
/// </summary>
public static class SignalEndpoints
{
    public static void Map(WebApplication app)
    {
        app.MapGet("/telemetry/traces/{trace_id}", context => QueryEndpoints.AnswerAsync(context, TraceAsync));
        app.MapGet("/telemetry/metrics", context => QueryEndpoints.AnswerAsync(context, MetricsAsync));
    }

    private static async Task<object> TraceAsync(TelemetryQueries queries, QueryParameters parameters, HttpContext context)
    {
        var request = TraceRequest.Parse(context.Request.RouteValues[TraceRequest.Parameter] as string);
        if (await queries.TraceAsync(request, context.RequestAborted) is { } trace)
        {
            return trace;
        }

        // The answer is written without a status of its own, so this one stands.
        context.Response.StatusCode = StatusCodes.Status404NotFound;
        return new { error = $"no spans or events carry trace id {request.TraceId}" };
    }

    private static async Task<object> MetricsAsync(TelemetryQueries queries, QueryParameters parameters, HttpContext context)
    {
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return await queries.MetricSeriesAsync(parameters.Metric(now), context.RequestAborted);
    }
}
