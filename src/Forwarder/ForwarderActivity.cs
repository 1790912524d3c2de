using System.Diagnostics;

namespace Collector.Forwarder;

/// <summary>
/// The "forward" span: one per batch, from its send to the upstream's acknowledgement. Batches are pipelined, so
/// the span is recorded when the Ack arrives, with the send time as its start, instead of being held open.
/// </summary>
internal static class ForwarderActivity
{
    private static readonly ActivitySource Source = new("Collector");

    public static void RecordForward(string upstream, ForwardBatch batch, DeliveryResult result, DateTimeOffset sentAt)
    {
        using var activity = Start(upstream, batch, sentAt);
        if (activity is not null)
        {
            activity.SetTag("collector.bytes", batch.Bytes);
            activity.SetTag("collector.duplicates", result.Duplicates);
            activity.SetTag("collector.rejected", result.Rejected);
            activity.SetTag("collector.log.first_address", batch.FirstAddress);
        }
    }

    public static void RecordFailure(string upstream, ForwardBatch batch, string reason, DateTimeOffset sentAt)
    {
        using var activity = Start(upstream, batch, sentAt);
        activity?.SetTag("error.type", reason);
        activity?.SetStatus(ActivityStatusCode.Error, reason);
    }

    private static Activity? Start(string upstream, ForwardBatch batch, DateTimeOffset sentAt)
    {
        var activity = Source.StartActivity("forward", ActivityKind.Client, parentContext: default, startTime: sentAt);
        activity?.SetTag("collector.upstream", upstream);
        activity?.SetTag("collector.events", batch.Events);
        activity?.SetTag("collector.attempts", batch.Attempts);
        return activity;
    }
}
