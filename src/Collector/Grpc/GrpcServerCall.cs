using System.Buffers;
using System.IO.Pipelines;
using Collector.Protocol.Compression;
using Collector.Protocol.Grpc;
using Google.Protobuf;
using Microsoft.AspNetCore.Http.Features;

namespace Collector.Host.Grpc;

/// <summary>
/// One gRPC call on the server: reads length-prefixed messages straight from the request body, writes messages
/// to the response body, and ends the call with a status in trailers (or Trailers-Only when nothing was sent).
/// </summary>
public sealed class GrpcServerCall : IDisposable
{
    private readonly HttpContext _context;
    private readonly PipeReader _reader;
    private readonly int _maxReceiveMessageSize;
    private readonly bool _gzip;
    private readonly CancellationTokenSource _deadline;
    private SequencePosition? _consumed;
    private PooledBytes _decompressed;
    private bool _completed;

    public GrpcServerCall(HttpContext context, int maxReceiveMessageSize, TimeSpan? timeout, TimeProvider time, bool gzip, CancellationToken stopping)
    {
        _context = context;
        _reader = context.Request.BodyReader;
        _maxReceiveMessageSize = maxReceiveMessageSize;
        _gzip = gzip;
        _deadline = timeout is { } t
            ? new CancellationTokenSource(t, time)
            : new CancellationTokenSource();
        CallCancelled = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _deadline.Token, stopping);
        StoppingToken = stopping;
    }

    /// <summary>The request, e.g. for <see cref="Security.ApiCaller.Of"/>.</summary>
    public HttpContext HttpContext => _context;

    /// <summary>Cancelled when the client goes away, the deadline passes or the collector stops.</summary>
    public CancellationTokenSource CallCancelled { get; }

    public CancellationToken StoppingToken { get; }

    public bool DeadlineExceeded => _deadline.IsCancellationRequested;

    public bool ClientGone => _context.RequestAborted.IsCancellationRequested;

    /// <summary>The current message, valid until the next <see cref="ReadNextAsync"/>.</summary>
    public ReadOnlySequence<byte> Current { get; private set; }

    /// <summary>Reads the next message; false when the client has finished sending.</summary>
    public async ValueTask<bool> ReadNextAsync()
    {
        ReleaseCurrent();
        var cancellationToken = CallCancelled.Token;
        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            switch (GrpcFrame.TryRead(ref buffer, _maxReceiveMessageSize, out var message, out var compressed, out var length))
            {
                case GrpcFrameReadResult.Message:
                    _consumed = buffer.Start;
                    Current = compressed ? Decompress(message) : message;
                    return true;
                case GrpcFrameReadResult.TooLarge:
                    _reader.AdvanceTo(result.Buffer.Start);
                    throw new GrpcStatusException(
                        GrpcStatusCode.ResourceExhausted,
                        $"received message of {length} bytes exceeds the limit of {_maxReceiveMessageSize} bytes");
                default:
                    if (result.IsCompleted)
                    {
                        _reader.AdvanceTo(result.Buffer.End);
                        if (result.Buffer.IsEmpty)
                        {
                            return false;
                        }

                        throw new GrpcStatusException(GrpcStatusCode.Internal, "request ended inside a message (incomplete length-prefixed frame)");
                    }

                    _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
                    break;
            }
        }
    }

    /// <summary>Writes one message and flushes it to the client.</summary>
    public async ValueTask WriteAsync(IMessage message, CancellationToken cancellationToken)
    {
        GrpcMessageCodec.WriteFrame(_context.Response.BodyWriter, message, int.MaxValue);
        await _context.Response.BodyWriter.FlushAsync(cancellationToken);
    }

    /// <summary>Ends the call with <paramref name="status"/>: in trailers, or Trailers-Only if no message was sent.</summary>
    public void Complete(GrpcStatus status)
    {
        if (_completed)
        {
            return;
        }

        _completed = true;
        var response = _context.Response;
        var message = string.IsNullOrEmpty(status.Message) ? null : GrpcPercentEncoding.Encode(status.Message);
        var statusText = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        if (!response.HasStarted)
        {
            response.Headers[GrpcHeaders.Status] = statusText;
            if (message is not null)
            {
                response.Headers[GrpcHeaders.Message] = message;
            }

            return;
        }

        if (_context.Features.Get<IHttpResponseTrailersFeature>() is { } trailers)
        {
            trailers.Trailers[GrpcHeaders.Status] = statusText;
            if (message is not null)
            {
                trailers.Trailers[GrpcHeaders.Message] = message;
            }
        }
    }

    public void Dispose()
    {
        ReleaseCurrent();
        CallCancelled.Dispose();
        _deadline.Dispose();
    }

    private ReadOnlySequence<byte> Decompress(in ReadOnlySequence<byte> message)
    {
        if (!_gzip)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "message has the compressed flag set but the request has no grpc-encoding");
        }

        _decompressed = GrpcGzip.Decompress(message, _maxReceiveMessageSize);
        return new ReadOnlySequence<byte>(_decompressed.Memory);
    }

    private void ReleaseCurrent()
    {
        if (_consumed is { } consumed)
        {
            _reader.AdvanceTo(consumed);
            _consumed = null;
        }

        _decompressed.Dispose();
        _decompressed = default;
        Current = default;
    }
}
