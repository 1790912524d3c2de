using System.Text.Json;

namespace Collector.Host.Http;

/// <summary>
/// GET /telemetry/status: the collector's full internal state (an admin key when keys are configured).
/// GET /telemetry/public: aggregates only, open to anyone: no source ids, node names, urls or tags.
/// </summary>
public static class StatusEndpoints
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static void Map(WebApplication app)
    {
        app.MapGet("/telemetry/status", async (StatusSnapshot snapshot, HttpContext context) =>
            Results.Json(await snapshot.InternalAsync(context.RequestAborted), Json));
        app.MapGet("/telemetry/public", (StatusSnapshot snapshot) => Results.Json(snapshot.Public(), Json));
    }
}
