using System.Buffers;
using System.Text.Json;
using Collector.Storage.ClickHouse;
using Collector.Storage.Queries;
using Microsoft.Net.Http.Headers;

namespace Collector.Host.Http;

/// <summary>
/// GET /telemetry/events: raw events, newest first, from <see cref="TelemetryQueries.EventsAsync"/>. A page (the
/// default) is <c>{"events": [...], "next_cursor": ...}</c>, built whole (at most EventsRequest.MaxLimit events). An
/// export (<c>format=ndjson</c>, or <c>Accept: application/x-ndjson</c> without a format) writes one event per line
/// as ClickHouse sends them, in chunks, so the collector holds one chunk whatever the limit; when the limit cut it
/// short, a last line <c>{"next_cursor": "..."}</c> continues it. Errors answer as on the other query endpoints while
/// nothing has been sent; a failure after an export's first chunk aborts the response, so a cut export never looks
/// whole.
/// </summary>
public static class EventsEndpoint
{
    public const string NdjsonMediaType = "application/x-ndjson";

    private const int ChunkBytes = 64 * 1024;

    public static async Task AnswerAsync(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RequestServices.GetService<TelemetryQueries>() is not { } queries)
        {
            await QueryEndpoints.Error(QueryEndpoints.NotConfigured).ExecuteAsync(context);
            return;
        }

        EventsRequest request;
        try
        {
            request = QueryEndpoints.Parameters(context).Events(AcceptsNdjson(context.Request));
        }
        catch (QueryParameterException e)
        {
            await QueryEndpoints.Problem(e).ExecuteAsync(context);
            return;
        }

        try
        {
            await (request.Export ? ExportAsync(context, queries, request) : PageAsync(context, queries, request));
        }
        catch (ClickHouseException e) when (!context.Response.HasStarted)
        {
            await QueryEndpoints.Failure(context, e).ExecuteAsync(context);
        }
        catch (ClickHouseException e)
        {
            CollectorLog.QueryFailed(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(EventsEndpoint)), context.Request.Path, e);
            context.Abort();
        }
    }

    private static async Task PageAsync(HttpContext context, TelemetryQueries queries, EventsRequest request)
    {
        var events = new List<StoredEvent>(Math.Min(request.Limit, EventsRequest.DefaultLimit));
        var next = await queries.EventsAsync(
            request,
            (e, _) =>
            {
                events.Add(e);
                return ValueTask.CompletedTask;
            },
            context.RequestAborted);

        var body = new ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(body, EventJson.Options))
        {
            writer.WriteStartObject();
            writer.WriteStartArray("events");
            foreach (var e in events)
            {
                EventJson.Write(writer, e);
            }

            writer.WriteEndArray();
            writer.WriteString("next_cursor", next?.Encode());
            writer.WriteEndObject();
        }

        context.Response.ContentType = "application/json; charset=utf-8";
        await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
    }

    private static async Task ExportAsync(HttpContext context, TelemetryQueries queries, EventsRequest request)
    {
        var chunk = new ArrayBufferWriter<byte>(ChunkBytes + 4096);
        await using var writer = new Utf8JsonWriter(chunk, EventJson.Options);
        var response = context.Response;
        response.ContentType = NdjsonMediaType;

        // The first chunk starts the response; until then a failure can still be a 503.
        async ValueTask SendChunkAsync(CancellationToken cancellationToken)
        {
            await response.Body.WriteAsync(chunk.WrittenMemory, cancellationToken);
            chunk.ResetWrittenCount();
        }

        void EndLine()
        {
            writer.Flush();
            writer.Reset();
            chunk.Write("\n"u8);
        }

        var next = await queries.EventsAsync(
            request,
            async (e, token) =>
            {
                EventJson.Write(writer, e);
                EndLine();
                if (chunk.WrittenCount >= ChunkBytes)
                {
                    await SendChunkAsync(token);
                }
            },
            context.RequestAborted);

        if (next is not null)
        {
            writer.WriteStartObject();
            writer.WriteString("next_cursor", next.Encode());
            writer.WriteEndObject();
            EndLine();
        }

        await SendChunkAsync(context.RequestAborted);
    }

    private static bool AcceptsNdjson(HttpRequest request) =>
        request.GetTypedHeaders().Accept.Any(a => a.MediaType.Equals(NdjsonMediaType, StringComparison.OrdinalIgnoreCase));
}
