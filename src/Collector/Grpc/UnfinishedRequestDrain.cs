using System.IO.Pipelines;

namespace Collector.Host.Grpc;

/// <summary>
/// After a call has its status, a client that is still sending (a stream refused at its first message, say) gets
/// the end of the response at once, and what it goes on sending is read and dropped until it ends or resets its
/// side, for a bounded time and size. Why: Kestrel keeps tracking an HTTP/2 stream whose application has returned
/// until the client ends or resets it or 5 s pass, and a connection tracking more than
/// max(2 × MaxStreamsPerConnection, 100) streams has its new streams reset with ENHANCE_YOUR_CALM (which gRPC
/// clients report as RESOURCE_EXHAUSTED), then, after 100 of those in 5 s, loses all its streams to a GOAWAY.
/// Returning while the client still sends leaves exactly such a stream. Ending the response first instead lets the
/// client see the status and reset its side (grpcio and SocketsHttpHandler both do), so that the stream is gone as
/// soon as the application returns. Nothing here is specific to gRPC: it works on any request whose response is
/// complete, after Grpc.AspNetCore's endpoint.
/// <para>
/// At shutdown this helps less than it seems: once the GOAWAY is out, Kestrel counts a stream as done when its
/// response ends and closes the connection when none is left, so the drain is cut short ("the request stream was
/// aborted"). A client still sending then has its bytes land on a closed socket, whose TCP reset can make it drop
/// the status it had not read yet: grpcio reports UNAVAILABLE "Socket closed", grpc-dotnet INTERNAL "the HTTP/2
/// server closed the connection", in one shutdown in fifteen to thirty here. Every Ack the client did read was true;
/// it resends the rest. Holding the socket open after Kestrel is done with it (a lingering close) would fix that,
/// and needs more of Kestrel's transport than a connection middleware reaches.
/// </para>
/// </summary>
public static class UnfinishedRequestDrain
{
    /// <summary>How long a client gets to end or reset its side after the response ended.</summary>
    public static readonly TimeSpan MaxTime = TimeSpan.FromSeconds(2);

    /// <summary>How much it may send in that time; a client sending more is left to Kestrel.</summary>
    public const long MaxBytes = 4 * 1024 * 1024;

    public static async Task AfterResponseAsync(HttpContext context, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.RequestAborted.IsCancellationRequested)
        {
            return;
        }

        var reader = context.Request.BodyReader;
        long drained = 0;
        try
        {
            // Nearly every call has read its request to the end: nothing to wait for.
            if (reader.TryRead(out var buffered) && Drop(reader, buffered, ref drained))
            {
                return;
            }

            await context.Response.CompleteAsync();
            using var timeout = new CancellationTokenSource(MaxTime, time);
            using var cancel = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, context.RequestAborted);
            while (drained <= MaxBytes && !Drop(reader, await reader.ReadAsync(cancel.Token), ref drained))
            {
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException or IOException)
        {
            // The client reset its side (what we wait for), went away, or did not finish in time.
        }
    }

    /// <summary>Drops what was read; true when the request has ended.</summary>
    private static bool Drop(PipeReader reader, ReadResult result, ref long drained)
    {
        drained += result.Buffer.Length;
        reader.AdvanceTo(result.Buffer.End);
        return result.IsCompleted || result.IsCanceled;
    }
}
