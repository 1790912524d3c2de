using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Storage.Queries;

namespace Collector.Host.Http;

/// <summary>
/// GET /telemetry/efficiency, /telemetry/60day, /telemetry/footprint, /telemetry/history: read the query string,
/// ask <see cref="TelemetryQueries"/>, answer JSON with snake_case names. Bad parameters are 400 problem details
/// naming the parameter; no ClickHouse configured, or ClickHouse failing, is 503 with an error text. GET
/// /telemetry/events (<see cref="EventsEndpoint"/>) answers the same way and shares the helpers below.
/// </summary>
public static class QueryEndpoints
{
    public const string NotConfigured = "storage is not configured: start the collector with --clickhouse-url";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower };

    public static void Map(WebApplication app)
    {
        app.MapGet("/telemetry/efficiency", context => AnswerAsync(context, EfficiencyAsync));
        app.MapGet("/telemetry/60day", context => AnswerAsync(context, SixtyDayAsync));
        app.MapGet("/telemetry/footprint", context => AnswerAsync(context, FootprintAsync));
        app.MapGet("/telemetry/history", context => AnswerAsync(context, HistoryAsync));
        app.MapGet("/telemetry/events", EventsEndpoint.AnswerAsync);
    }

    private static async Task<object> EfficiencyAsync(TelemetryQueries queries, QueryParameters parameters, HttpContext context) =>
        await queries.EfficiencyAsync(parameters.Efficiency(), context.RequestAborted);

    private static async Task<object> SixtyDayAsync(TelemetryQueries queries, QueryParameters parameters, HttpContext context) =>
        await queries.SixtyDayAsync(context.RequestAborted);

    private static async Task<object> FootprintAsync(TelemetryQueries queries, QueryParameters parameters, HttpContext context) =>
        await queries.FootprintAsync(parameters.Footprint(), context.RequestAborted);

    private static async Task<object> HistoryAsync(TelemetryQueries queries, QueryParameters parameters, HttpContext context)
    {
        var now = context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow();
        return await queries.HistoryAsync(parameters.History(now), context.RequestAborted);
    }

    internal static async Task AnswerAsync(HttpContext context, Func<TelemetryQueries, QueryParameters, HttpContext, Task<object>> query)
    {
        var result = await ResultAsync(context, query);
        await result.ExecuteAsync(context);
    }

    private static async Task<IResult> ResultAsync(HttpContext context, Func<TelemetryQueries, QueryParameters, HttpContext, Task<object>> query)
    {
        if (context.RequestServices.GetService<TelemetryQueries>() is not { } queries)
        {
            return Error(NotConfigured);
        }

        try
        {
            return Results.Json(await query(queries, Parameters(context), context), Json);
        }
        catch (QueryParameterException e)
        {
            return Problem(e);
        }
        catch (ClickHouseException e)
        {
            return Failure(context, e);
        }
    }

    /// <summary>The request's query string as the query API reads it.</summary>
    internal static QueryParameters Parameters(HttpContext context)
    {
        var values = context.Request.Query.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.OrdinalIgnoreCase);
        return new QueryParameters(values, context.RequestServices.GetRequiredService<TelemetryQueryOptions>());
    }

    /// <summary>400 with a problem body naming the parameter.</summary>
    internal static IResult Problem(QueryParameterException e) =>
        Results.Problem(
            type: "https://httpwg.org/specs/rfc9110.html#status.400",
            title: "invalid query parameter",
            statusCode: StatusCodes.Status400BadRequest,
            detail: e.Message,
            extensions: new Dictionary<string, object?>(StringComparer.Ordinal) { ["parameter"] = e.Parameter });

    /// <summary>503: the operator gets the whole story in the log; the client a short reason, never a stack trace.</summary>
    internal static IResult Failure(HttpContext context, ClickHouseException e)
    {
        CollectorLog.QueryFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(QueryEndpoints)), context.Request.Path, e);
        return Error(e.Code < 0
            ? $"ClickHouse is unreachable: {e.ServerMessage}"
            : $"ClickHouse could not answer the query (error {e.Code}, {e.Kind})");
    }

    internal static IResult Error(string message) =>
        Results.Json(new { error = message }, Json, statusCode: StatusCodes.Status503ServiceUnavailable);
}
