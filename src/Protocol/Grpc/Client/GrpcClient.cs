using System.Buffers;
using System.Net;
using System.Net.Http;
using System.Net.Http.Headers;
using Google.Protobuf;

namespace Collector.Protocol.Grpc.Client;

/// <summary>
/// A gRPC client over <see cref="SocketsHttpHandler"/> with HTTP/2 only: unary and bidirectional streaming calls,
/// deadlines, cancellation, gzip, size limits, keep-alive pings and more connections when one connection's
/// stream limit is reached. Thread-safe; share one per server.
/// </summary>
public sealed class GrpcClient : IDisposable
{
    private static readonly MediaTypeHeaderValue GrpcContentType = new(GrpcHeaders.ContentType);
    private readonly HttpClient _http;

    public GrpcClient(GrpcClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options;
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = HttpKeepAlivePingPolicy.Always,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
        };
        options.ConfigureHandler?.Invoke(handler);
        _http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public GrpcClientOptions Options { get; }

    /// <summary>Sends one request and returns the one response; a non-OK status throws <see cref="GrpcStatusException"/>.</summary>
    public async Task<TResponse> UnaryAsync<TRequest, TResponse>(string method, TRequest request, MessageParser<TResponse> parser, GrpcCallOptions? callOptions = null)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        callOptions ??= GrpcCallOptions.Default;
        using var scope = new GrpcCallScope(callOptions);
        var frame = new ArrayBufferWriter<byte>(request.CalculateSize() + GrpcFrame.HeaderSize);
        WriteFrame(frame, request);
        var content = new ReadOnlyMemoryContent(frame.WrittenMemory);
        content.Headers.ContentType = GrpcContentType;
        using var message = CreateRequest(method, content, callOptions);
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, scope.Token);
            var reader = await GrpcResponseReader<TResponse>.OpenAsync(response, parser, Options.MaxReceiveMessageBytes, scope.Token);
            var result = await reader.ReadNextAsync(scope.Token);
            if (result is null)
            {
                reader.ThrowIfNotOk();
                throw new GrpcStatusException(GrpcStatusCode.Internal, "unary call ended with OK but without a response message");
            }

            if (await reader.ReadNextAsync(scope.Token) is not null)
            {
                throw new GrpcStatusException(GrpcStatusCode.Internal, "unary call received more than one response message");
            }

            reader.ThrowIfNotOk();
            return result;
        }
        catch (Exception ex) when (ex is not GrpcStatusException && ex is not OutOfMemoryException)
        {
            throw GrpcTransportErrors.ToStatusException(ex, scope.DeadlineExceeded, scope.CancelledByCaller);
        }
    }

    /// <summary>Starts a bidirectional streaming call; write requests and read responses on the returned call.</summary>
    public GrpcDuplexCall<TRequest, TResponse> StartDuplex<TRequest, TResponse>(string method, MessageParser<TResponse> parser, GrpcCallOptions? callOptions = null)
        where TRequest : IMessage<TRequest>
        where TResponse : class, IMessage<TResponse>
    {
        callOptions ??= GrpcCallOptions.Default;
        var scope = new GrpcCallScope(callOptions);
        var content = new DuplexRequestContent();
        content.Headers.ContentType = GrpcContentType;
        var message = CreateRequest(method, content, callOptions);
        var responseTask = _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, scope.Token);
        return new GrpcDuplexCall<TRequest, TResponse>(this, message, content, responseTask, parser, scope);
    }

    public void Dispose() => _http.Dispose();

    internal void WriteFrame(IBufferWriter<byte> destination, IMessage message)
    {
        if (Options.CompressRequests)
        {
            GrpcMessageCodec.WriteCompressedFrame(destination, message, Options.MaxSendMessageBytes);
        }
        else
        {
            GrpcMessageCodec.WriteFrame(destination, message, Options.MaxSendMessageBytes);
        }
    }

    /// <summary>Frames an already encoded message (compressed when the client compresses requests).</summary>
    internal void WriteRawFrame(IBufferWriter<byte> destination, ReadOnlySpan<byte> message)
    {
        if (message.Length > Options.MaxSendMessageBytes)
        {
            throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"message of {message.Length} bytes exceeds the send limit of {Options.MaxSendMessageBytes} bytes");
        }

        if (Options.CompressRequests)
        {
            var compressed = new ArrayBufferWriter<byte>(message.Length / 2 + 64);
            GrpcGzip.Compress(message, compressed);
            GrpcFrame.Write(destination, compressed.WrittenSpan, compressed: true);
        }
        else
        {
            GrpcFrame.Write(destination, message, compressed: false);
        }
    }

    private HttpRequestMessage CreateRequest(string method, HttpContent content, GrpcCallOptions callOptions)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(Options.Address, method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation(GrpcHeaders.AcceptEncoding, GrpcHeaders.SupportedEncodings);
        headers.TryAddWithoutValidation("user-agent", "collector-dotnet-grpc/1.0");
        if (Options.CompressRequests)
        {
            headers.TryAddWithoutValidation(GrpcHeaders.Encoding, GrpcHeaders.Gzip);
        }

        if (callOptions.Timeout is { } timeout)
        {
            headers.TryAddWithoutValidation(GrpcHeaders.Timeout, GrpcTimeout.Format(timeout));
        }

        foreach (var (name, value) in Options.Headers)
        {
            headers.TryAddWithoutValidation(name, value);
        }

        foreach (var (name, value) in callOptions.Headers ?? new Dictionary<string, string>(StringComparer.Ordinal))
        {
            headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }
}
