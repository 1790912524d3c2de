using System.Diagnostics;
using Grpc.Core;

namespace Collector.Host.SelfTelemetry;

/// <summary>
/// The host's spans. One per gRPC call, so a Stream's span lasts as long as the stream and says what it carried.
/// Named "Collector" like the storage and forwarder sources; with self-tracing off nobody listens and
/// StartActivity returns null.
/// </summary>
internal static class HostActivity
{
    public static readonly ActivitySource Source = new("Collector");

    public static Activity? StartCall(string path)
    {
        if (!Source.HasListeners())
        {
            return null;
        }

        // A root span: ASP.NET Core's own (unrecorded) request activity would otherwise become its parent and
        // the parent-based sampler would drop it; and a client-chosen parent would let callers splice spans in.
        Activity.Current = null;
        var activity = Source.StartActivity(path.TrimStart('/'), ActivityKind.Server, parentContext: default);
        if (activity is not null)
        {
            activity.SetTag("rpc.system", "grpc");
            var slash = path.LastIndexOf('/');
            if (slash > 0)
            {
                activity.SetTag("rpc.service", path[1..slash]);
                activity.SetTag("rpc.method", path[(slash + 1)..]);
            }
        }

        return activity;
    }

    public static void EndCall(Activity? activity, StatusCode status, string? message)
    {
        if (activity is null)
        {
            return;
        }

        activity.SetTag("rpc.grpc.status_code", (int)status);
        if (status != StatusCode.OK)
        {
            activity.SetStatus(ActivityStatusCode.Error, message);
        }

        activity.Stop();
    }

    /// <summary>Adds one ingested batch to the call's span (totals, not one tag per batch).</summary>
    public static void CountBatch(int accepted, int duplicates, int rejected)
    {
        if (!Source.HasListeners() || Activity.Current is not { Source: var source } activity || source != Source)
        {
            return;
        }

        activity.SetTag("collector.batches", (activity.GetTagItem("collector.batches") as int? ?? 0) + 1);
        activity.SetTag("collector.events.accepted", (activity.GetTagItem("collector.events.accepted") as int? ?? 0) + accepted);
        activity.SetTag("collector.events.duplicates", (activity.GetTagItem("collector.events.duplicates") as int? ?? 0) + duplicates);
        activity.SetTag("collector.events.rejected", (activity.GetTagItem("collector.events.rejected") as int? ?? 0) + rejected);
    }
}
