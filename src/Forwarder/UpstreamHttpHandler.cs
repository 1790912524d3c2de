using System.Net;
using System.Net.Http;

namespace Collector.Forwarder;

/// <summary>
/// The HTTP/2 handler under an upstream's <c>GrpcChannel</c>: connections kept open while idle (a forwarder sends
/// in bursts), keep-alive pings so a peer that went silent is noticed without a call deadline, more connections once
/// one connection's stream limit is reached, no proxy, and gRPC's own compression only.
/// </summary>
public static class UpstreamHttpHandler
{
    public static SocketsHttpHandler Create(Action<SocketsHttpHandler>? configure)
    {
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = TimeSpan.FromSeconds(30),
            KeepAlivePingTimeout = TimeSpan.FromSeconds(20),
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };

        // Last: TLS trust and client certificates are the caller's.
        configure?.Invoke(handler);
        return handler;
    }
}
