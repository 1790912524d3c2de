using System.Net.Http;

namespace Collector.Protocol.Grpc.Client;

/// <summary>How a <see cref="GrpcClient"/> reaches its server.</summary>
public sealed class GrpcClientOptions
{
    /// <summary>http:// for HTTP/2 cleartext with prior knowledge, https:// for TLS with ALPN h2.</summary>
    public required Uri Address { get; init; }

    public int MaxReceiveMessageBytes { get; init; } = 4 * 1024 * 1024;

    public int MaxSendMessageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>gzip request messages (grpc-encoding: gzip).</summary>
    public bool CompressRequests { get; init; }

    /// <summary>HTTP/2 PING interval on idle and busy connections, so dead peers are noticed.</summary>
    public TimeSpan KeepAlivePingDelay { get; init; } = TimeSpan.FromSeconds(30);

    public TimeSpan KeepAlivePingTimeout { get; init; } = TimeSpan.FromSeconds(20);

    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Headers sent on every call (an API key, say).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>(StringComparer.Ordinal);

    /// <summary>Last say over the handler (TLS validation, proxies); called once when the client is built.</summary>
    public Action<SocketsHttpHandler>? ConfigureHandler { get; init; }
}
