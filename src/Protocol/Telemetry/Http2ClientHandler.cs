using System.Net;
using System.Net.Http;

namespace Collector.Protocol.Telemetry;

/// <summary>
/// The HTTP/2 handler our gRPC clients run on (the ClientSdk's sender, the forwarder's upstreams): connections kept
/// open while idle (both send in bursts), keep-alive pings on idle and busy connections so a peer that went silent is
/// noticed without a deadline on a long-lived stream, more connections once one connection's stream limit is reached,
/// no proxy, and gRPC's own compression only. TLS trust and client certificates are the caller's to add.
/// </summary>
public static class Http2ClientHandler
{
    public static SocketsHttpHandler Create(TimeSpan keepAlivePingDelay, TimeSpan keepAlivePingTimeout) => new()
    {
        EnableMultipleHttp2Connections = true,
        KeepAlivePingDelay = keepAlivePingDelay,
        KeepAlivePingTimeout = keepAlivePingTimeout,
        KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
        ConnectTimeout = TimeSpan.FromSeconds(10),
        PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
    };
}
