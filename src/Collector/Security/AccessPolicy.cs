namespace Collector.Host.Security;

/// <summary>
/// The one table of who may call what. A path not in the table needs an admin key over HTTP (routing there ignores
/// case and trailing slashes, and a 404 must not tell a stranger which paths exist) and any valid key over gRPC
/// (methods match exactly; the caller then learns UNIMPLEMENTED). <see cref="AccessTableHandler"/> applies it to every
/// request as ASP.NET Core's fallback authorization policy.
/// </summary>
public static class AccessPolicy
{
    public const string OtlpLogsExport = "/opentelemetry.proto.collector.logs.v1.LogsService/Export";
    public const string OtlpMetricsExport = "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export";
    public const string OtlpTracesExport = "/opentelemetry.proto.collector.trace.v1.TraceService/Export";

    // GET /ui/{file}: the web page's scripts and styles, like the page itself, carry no data.
    private const string WebAssetPrefix = "/ui/";

    // GET /telemetry/traces/{trace_id}: one segment after the prefix, whatever it holds (a bad id is then a 400).
    private const string TracesPrefix = "/telemetry/traces/";

    private static readonly Dictionary<string, AccessRequirement> Http = new(StringComparer.OrdinalIgnoreCase)
    {
        ["/"] = AccessRequirement.Public,
        ["/healthcheck"] = AccessRequirement.Public,
        ["/telemetry/public"] = AccessRequirement.Public,
        ["/telemetry/status"] = AccessRequirement.Admin,
        ["/metrics"] = AccessRequirement.Query,
        ["/telemetry/efficiency"] = AccessRequirement.Query,
        ["/telemetry/60day"] = AccessRequirement.Query,
        ["/telemetry/footprint"] = AccessRequirement.Query,
        ["/telemetry/history"] = AccessRequirement.Query,
        ["/telemetry/events"] = AccessRequirement.Query,
        ["/v1/logs"] = AccessRequirement.Ingest,
        ["/v1/metrics"] = AccessRequirement.Ingest,
        ["/v1/traces"] = AccessRequirement.Ingest,
        ["/telemetry/metrics"] = AccessRequirement.Query,
    };

    private static readonly Dictionary<string, AccessRequirement> Grpc = new(StringComparer.Ordinal)
    {
        ["/telemetry.v1.Collector/Stream"] = AccessRequirement.Ingest,
        ["/telemetry.v1.Collector/Send"] = AccessRequirement.Ingest,
        [OtlpLogsExport] = AccessRequirement.Ingest,
        [OtlpMetricsExport] = AccessRequirement.Ingest,
        [OtlpTracesExport] = AccessRequirement.Ingest,

        // Probes of load balancers and orchestrators carry no key. Reflection falls to the default: any valid key.
        ["/grpc.health.v1.Health/Check"] = AccessRequirement.Public,
        ["/grpc.health.v1.Health/Watch"] = AccessRequirement.Public,
    };

    /// <summary>What the request's path asks on the listener it came in on.</summary>
    public static AccessRequirement For(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Collector.Host.Grpc.GrpcListener.Serves(context) ? ForGrpc(context.Request.Path) : ForHttp(context.Request.Path);
    }

    public static AccessRequirement ForHttp(PathString path)
    {
        var value = path.Value ?? "/";
        if (value.Length > 1)
        {
            value = value.TrimEnd('/');
        }

        if (value.StartsWith(TracesPrefix, StringComparison.OrdinalIgnoreCase) && value.IndexOf('/', TracesPrefix.Length) < 0)
        {
            return AccessRequirement.Query;
        }

        if (value.StartsWith(WebAssetPrefix, StringComparison.OrdinalIgnoreCase) && value.IndexOf('/', WebAssetPrefix.Length) < 0)
        {
            return AccessRequirement.Public;
        }

        return Http.TryGetValue(value, out var requirement) ? requirement : AccessRequirement.Admin;
    }

    public static AccessRequirement ForGrpc(PathString path) =>
        Grpc.TryGetValue(path.Value ?? string.Empty, out var requirement) ? requirement : AccessRequirement.AnyKey;
}
