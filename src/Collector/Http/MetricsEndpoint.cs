using Collector.Host.Metrics;

namespace Collector.Host.Http;

/// <summary>GET /metrics: every "Collector" instrument in the Prometheus text format 0.0.4.</summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";

    public static void Map(WebApplication app) =>
        app.MapGet(Path, async (HttpContext context, PrometheusExporter exporter) =>
        {
            context.Response.ContentType = PrometheusTextWriter.ContentType;

            // Straight into the response's pipe: a scrape copies nothing and allocates no buffer of its own.
            exporter.Collect(context.Response.BodyWriter);
            await context.Response.BodyWriter.FlushAsync(context.RequestAborted);
        });
}
