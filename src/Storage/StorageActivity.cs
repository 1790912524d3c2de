using System.Diagnostics;

namespace Collector.Storage;

/// <summary>
/// Spans of the storage side. The source is named "Collector" like the host's, so self-tracing picks up every part
/// of the collector with one name; with nobody listening, StartActivity returns null and costs a branch.
/// </summary>
internal static class StorageActivity
{
    public static readonly ActivitySource Source = new("Collector");

    public static Activity? StartCommit(long tailAddress)
    {
        var activity = Source.StartActivity("log.commit");
        activity?.SetTag("collector.log.tail_address", tailAddress);
        return activity;
    }

    public static Activity? StartInsert(string table, int rows)
    {
        var activity = Source.StartActivity("clickhouse.insert", ActivityKind.Client);
        if (activity is not null)
        {
            activity.SetTag("db.system", "clickhouse");
            activity.SetTag("db.collection.name", table);
            activity.SetTag("collector.rows", rows);
        }

        return activity;
    }

    public static void Fail(Activity? activity, Exception exception)
    {
        activity?.SetStatus(ActivityStatusCode.Error, exception.Message);
        activity?.SetTag("error.type", exception.GetType().Name);
    }
}
