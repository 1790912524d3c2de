using System.Buffers;
using Collector.Host.Metrics;

namespace Collector.Host.Http;

/// <summary>GET /metrics: every "Collector" instrument in the Prometheus text format 0.0.4.</summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static void Map(WebApplication app) =>
        app.MapGet(Path, async (HttpContext context, PrometheusExporter exporter) =>
        {
            // The whole text first: a scrape is consistent, and the response gets a Content-Length.
            var body = new ArrayBufferWriter<byte>(64 * 1024);
            exporter.Collect(body);
            context.Response.ContentType = PrometheusTextWriter.ContentType;
            context.Response.ContentLength = body.WrittenCount;
            await context.Response.Body.WriteAsync(body.WrittenMemory, context.RequestAborted);
        });
}
