using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http;
using Google.Protobuf;

namespace Collector.Protocol.Grpc.Client;

/// <summary>Reads the response side of a call: messages from the body, then the status from the trailers.</summary>
internal sealed class GrpcResponseReader<T>
    where T : class, IMessage<T>
{
    private readonly HttpResponseMessage _response;
    private readonly PipeReader? _reader;
    private readonly MessageParser<T> _parser;
    private readonly int _maxMessageSize;
    private readonly bool _gzip;
    private GrpcStatus? _status;

    private GrpcResponseReader(HttpResponseMessage response, PipeReader? reader, MessageParser<T> parser, int maxMessageSize, GrpcStatus? status)
    {
        _response = response;
        _reader = reader;
        _parser = parser;
        _maxMessageSize = maxMessageSize;
        _status = status;
        _gzip = response.Content.Headers.TryGetValues(GrpcHeaders.Encoding, out var encodings) || response.Headers.TryGetValues(GrpcHeaders.Encoding, out encodings)
            ? encodings.Any(e => string.Equals(e, GrpcHeaders.Gzip, StringComparison.OrdinalIgnoreCase))
            : false;
    }

    /// <summary>The status once the response has ended; null before.</summary>
    public GrpcStatus? Status => _status;

    public static async Task<GrpcResponseReader<T>> OpenAsync(HttpResponseMessage response, MessageParser<T> parser, int maxMessageSize, CancellationToken cancellationToken)
    {
        if (GrpcResponseStatus.FromHttpStatus(response) is { } httpStatus)
        {
            return new GrpcResponseReader<T>(response, null, parser, maxMessageSize, httpStatus);
        }

        // Trailers-Only: the status came with the headers and there is no body to read.
        if (GrpcResponseStatus.TryRead(response.Headers, out var headerStatus))
        {
            return new GrpcResponseReader<T>(response, null, parser, maxMessageSize, headerStatus);
        }

        var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
        return new GrpcResponseReader<T>(response, PipeReader.Create(stream), parser, maxMessageSize, null);
    }

    /// <summary>The next message, or null when the server has ended the call (see <see cref="Status"/>).</summary>
    public async ValueTask<T?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_reader is null || _status is not null)
        {
            return null;
        }

        while (true)
        {
            var result = await _reader.ReadAsync(cancellationToken);
            var buffer = result.Buffer;
            var outcome = GrpcFrame.TryRead(ref buffer, _maxMessageSize, out var body, out var compressed, out var length);
            if (outcome == GrpcFrameReadResult.Message)
            {
                var message = Parse(body, compressed);
                _reader.AdvanceTo(buffer.Start);
                return message;
            }

            if (outcome == GrpcFrameReadResult.TooLarge)
            {
                throw new GrpcStatusException(GrpcStatusCode.ResourceExhausted, $"response message of {length} bytes exceeds the limit of {_maxMessageSize} bytes");
            }

            if (result.IsCompleted)
            {
                if (!result.Buffer.IsEmpty)
                {
                    throw new GrpcStatusException(GrpcStatusCode.Internal, "response ended inside a message");
                }

                _reader.AdvanceTo(result.Buffer.End);
                await _reader.CompleteAsync();
                _status = GrpcResponseStatus.TryRead(_response.TrailingHeaders, out var trailerStatus)
                    ? trailerStatus
                    : new GrpcStatus(GrpcStatusCode.Internal, "response ended without grpc-status");
                return null;
            }

            _reader.AdvanceTo(result.Buffer.Start, result.Buffer.End);
        }
    }

    public void ThrowIfNotOk()
    {
        if (_status is { } status && status.Code != GrpcStatusCode.OK)
        {
            throw new GrpcStatusException(status.Code, status.Message);
        }
    }

    private T Parse(in ReadOnlySequence<byte> body, bool compressed)
    {
        if (!compressed)
        {
            return GrpcMessageCodec.Parse(_parser, body);
        }

        if (!_gzip)
        {
            throw new GrpcStatusException(GrpcStatusCode.Internal, "response message is compressed but the response has no grpc-encoding");
        }

        using var inflated = GrpcGzip.Decompress(body, _maxMessageSize);
        return GrpcMessageCodec.Parse(_parser, new ReadOnlySequence<byte>(inflated.Memory));
    }
}
