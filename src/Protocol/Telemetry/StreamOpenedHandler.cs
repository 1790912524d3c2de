using System.Net;
using System.Net.Http;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// Sits between a <c>GrpcChannel</c>'s HttpClient and its SocketsHttpHandler and tells when one call's HTTP/2 stream is
/// open: the HTTP stack asks for the request body once the connection is up (TLS done) and the stream is allocated,
/// which is the moment a client can start writing. grpc-dotnet has no public signal for it, and waiting for response
/// headers would deadlock: a collector sends them with its first Ack. The call to watch is marked through an
/// <see cref="AsyncLocal{T}"/>, which flows from the code that starts the call into the channel's request; other
/// requests pass through untouched.
/// </summary>
internal sealed class StreamOpenedHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private static readonly AsyncLocal<TaskCompletionSource?> Watched = new();

    /// <summary>
    /// Runs <paramref name="start"/>, which starts one call over a channel with this handler, and returns with it a task
    /// that completes when that call's stream is open. It never faults: a call that fails before it opens says so itself.
    /// </summary>
    public static (T Started, Task Opened) Watch<T>(Func<T> start)
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Watched.Value = opened;
        try
        {
            return (start(), opened.Task);
        }
        finally
        {
            Watched.Value = null;
        }
    }

    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (Watched.Value is { } opened && request.Content is { } content)
        {
            request.Content = new OpenSignallingContent(content, opened);
        }

        return base.SendAsync(request, cancellationToken);
    }

    /// <summary>The call's own request content, with the moment the HTTP stack hands it the stream made visible.</summary>
    private sealed class OpenSignallingContent : HttpContent
    {
        private readonly HttpContent _inner;
        private readonly TaskCompletionSource _opened;

        public OpenSignallingContent(HttpContent inner, TaskCompletionSource opened)
        {
            _inner = inner;
            _opened = opened;
            foreach (var (name, values) in inner.Headers)
            {
                Headers.TryAddWithoutValidation(name, values);
            }
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            _opened.TrySetResult();
            return _inner.CopyToAsync(stream, context, cancellationToken);
        }

        // A stream of messages has no length; HTTP/2 sends it without content-length.
        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
