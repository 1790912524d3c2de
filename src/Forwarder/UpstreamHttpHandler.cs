using System.Net.Http;
using Collector.Protocol.Telemetry;

namespace Collector.Forwarder;

/// <summary>
/// The HTTP/2 handler under an upstream's <c>GrpcChannel</c>: <see cref="Http2ClientHandler"/>'s (connections kept
/// open while idle, as a forwarder sends in bursts; keep-alive pings so a peer that went silent is noticed without a
/// call deadline), then the caller's TLS trust and client certificates.
/// </summary>
public static class UpstreamHttpHandler
{
    public static SocketsHttpHandler Create(Action<SocketsHttpHandler>? configure)
    {
        var handler = Http2ClientHandler.Create(keepAlivePingDelay: TimeSpan.FromSeconds(30), keepAlivePingTimeout: TimeSpan.FromSeconds(20));

        // Last: TLS trust and client certificates are the caller's.
        configure?.Invoke(handler);
        return handler;
    }
}
