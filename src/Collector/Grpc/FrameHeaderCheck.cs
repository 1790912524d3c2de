using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace Collector.Host.Grpc;

/// <summary>
/// The request body of a gRPC call as grpc-dotnet reads it, with its framing checked as it passes: a length over the
/// receive limit ends the call RESOURCE_EXHAUSTED; a compressed flag other than 0 or 1, a compressed message on a call
/// without a grpc-encoding, a body that ends inside a message and a second message on a unary call end it
/// INVALID_ARGUMENT with a message that says which, as does a unary call whose body holds no message at all. grpc-dotnet finds these faults itself, but answers them INTERNAL
/// (counted as the collector's own failure, collector_errors_total{component="grpc"}), and for the flag and for lengths
/// of 2 GiB and more throws plain exceptions that end a unary call UNKNOWN (it reads the request before any
/// interceptor runs). A malformed request is the client's fault: it gets a client error, whatever way in it took.
/// A compressed message in an encoding the collector lacks ends the call UNIMPLEMENTED here too: grpc-dotnet answers
/// it by setting grpc-accept-encoding, which throws once a stream's response has started (after its first Acks).
/// <para>
/// Only headers are read, never a message body: <c>_nextHeader</c> is the body offset of the next header not yet
/// passed, <c>_consumed</c> the body offset where the buffer the caller last read begins. A reader that took part of
/// a header it never saw whole (no gRPC reader does) would leave the check behind: it then checks nothing more.
/// <c>_lastHeader</c> is the body offset of the last header passed, where a message cut short by the body's end begins.
/// </para>
/// </summary>
public sealed class FrameHeaderCheck : PipeReader
{
    public const string BadFlagMessage = "a message header's compressed flag is neither 0 (plain) nor 1 (compressed)";
    public const string TooLargeMessage = "Received message exceeds the maximum configured message size.";
    public const string NoEncodingMessage = "a message is marked compressed but the call names no grpc-encoding";
    public const string CutMessage = "the request body ends inside a message (a frame cut short)";
    public const string SecondMessage = "a unary call carries one message, and more bytes follow it";
    public const string NoMessage = "a unary call carries one message, and the request body holds none";

    private const int HeaderSize = 5;
    private const string AcceptedEncodings = "identity,gzip";

    private readonly PipeReader _body;
    private readonly int _maxMessageBytes;
    private readonly bool _singleMessage;
    private readonly bool _compressionNamed;
    private readonly string? _unsupportedEncoding;
    private readonly HttpResponse? _response;
    private ReadOnlySequence<byte> _lastRead;
    private long _consumed;
    private long _nextHeader;
    private long _lastHeader = -1;

    /// <param name="body">The request body.</param>
    /// <param name="maxMessageBytes">The receive limit.</param>
    /// <param name="singleMessage">Whether the method takes one message (unary, server streaming).</param>
    /// <param name="compressionNamed">Whether the call names a grpc-encoding other than identity, so a message may be compressed.</param>
    /// <param name="unsupportedEncoding">The grpc-encoding the call names when the collector cannot inflate it.</param>
    /// <param name="response">The call's response, to name the encodings there are while its headers can still be set.</param>
    public FrameHeaderCheck(PipeReader body, int maxMessageBytes, bool singleMessage = false, bool compressionNamed = true, string? unsupportedEncoding = null, HttpResponse? response = null)
    {
        ArgumentNullException.ThrowIfNull(body);
        _body = body;
        _maxMessageBytes = maxMessageBytes;
        _singleMessage = singleMessage;
        _compressionNamed = compressionNamed;
        _unsupportedEncoding = unsupportedEncoding;
        _response = response;
    }

    /// <summary>Puts the check in front of the request body of <paramref name="context"/>; returns what restores it.</summary>
    public static IRequestBodyPipeFeature Install(HttpContext context, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var original = context.Features.GetRequiredFeature<IRequestBodyPipeFeature>();
        var method = context.GetEndpoint()?.Metadata.GetMetadata<global::Grpc.AspNetCore.Server.GrpcMethodMetadata>()?.Method;
        var singleMessage = method?.Type is MethodType.Unary or MethodType.ServerStreaming;
        var encoding = context.Request.Headers["grpc-encoding"].ToString();
        var compressionNamed = encoding.Length > 0 && !string.Equals(encoding, "identity", StringComparison.OrdinalIgnoreCase);

        // grpc-dotnet looks its providers up by exact name.
        var unsupported = compressionNamed && !string.Equals(encoding, BoundedGzipCompressionProvider.Name, StringComparison.Ordinal) ? encoding : null;
        context.Features.Set<IRequestBodyPipeFeature>(new CheckedBody(new FrameHeaderCheck(original.Reader, maxMessageBytes, singleMessage, compressionNamed, unsupported, context.Response)));
        return original;
    }

    public override ValueTask<ReadResult> ReadAsync(CancellationToken cancellationToken = default)
    {
        var reading = _body.ReadAsync(cancellationToken);
        if (!reading.IsCompletedSuccessfully)
        {
            return CheckedAsync(reading);
        }

        var result = reading.Result;
        Check(result.Buffer, result.IsCompleted);
        return new ValueTask<ReadResult>(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_body.TryRead(out result))
        {
            return false;
        }

        Check(result.Buffer, result.IsCompleted);
        return true;
    }

    public override void AdvanceTo(SequencePosition consumed)
    {
        _consumed += _lastRead.Slice(_lastRead.Start, consumed).Length;
        _lastRead = default;
        _body.AdvanceTo(consumed);
    }

    public override void AdvanceTo(SequencePosition consumed, SequencePosition examined)
    {
        _consumed += _lastRead.Slice(_lastRead.Start, consumed).Length;
        _lastRead = default;
        _body.AdvanceTo(consumed, examined);
    }

    public override void CancelPendingRead() => _body.CancelPendingRead();

    public override void Complete(Exception? exception = null) => _body.Complete(exception);

    public override ValueTask CompleteAsync(Exception? exception = null) => _body.CompleteAsync(exception);

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<ReadResult> CheckedAsync(ValueTask<ReadResult> reading)
    {
        var result = await reading;
        Check(result.Buffer, result.IsCompleted);
        return result;
    }

    /// <summary>
    /// Checks every header that <paramref name="buffer"/> holds whole and that was not checked before, and, once the
    /// body is complete, that it does not end inside a message. A fault on a stream fails the read only once the reader
    /// has taken everything before it, so a stream's earlier messages in the same read are still ingested and
    /// acknowledged first, as with any other refusal; a single-message call has nothing before it to wait for.
    /// </summary>
    private void Check(in ReadOnlySequence<byte> buffer, bool completed)
    {
        _lastRead = buffer;
        Span<byte> header = stackalloc byte[HeaderSize];
        for (var offset = _nextHeader - _consumed; offset >= 0 && offset + HeaderSize <= buffer.Length; offset = _nextHeader - _consumed)
        {
            buffer.Slice(offset, HeaderSize).CopyTo(header);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            var fault = _singleMessage && _nextHeader > 0 ? new Status(StatusCode.InvalidArgument, SecondMessage)
                : header[0] > 1 ? new Status(StatusCode.InvalidArgument, BadFlagMessage)
                : header[0] == 1 && !_compressionNamed ? new Status(StatusCode.InvalidArgument, NoEncodingMessage)
                : header[0] == 1 && _unsupportedEncoding is { } encoding ? new Status(StatusCode.Unimplemented, $"grpc-encoding '{encoding}' is not supported; supported encodings: {AcceptedEncodings}")
                : length > (uint)_maxMessageBytes ? new Status(StatusCode.ResourceExhausted, TooLargeMessage)
                : (Status?)null;
            if (fault is { } status)
            {
                FailOnceTaken(buffer, offset, status);
                return;
            }

            _lastHeader = _nextHeader;
            _nextHeader += HeaderSize + length;
        }

        var next = _nextHeader - _consumed;
        if (_singleMessage && _nextHeader > 0 && next >= 0 && next < buffer.Length)
        {
            // Bytes after the one message, too few yet for a header.
            FailOnceTaken(buffer, next, new Status(StatusCode.InvalidArgument, SecondMessage));
        }
        else if (completed && next > buffer.Length)
        {
            // The last header's message is longer than what the body holds.
            FailOnceTaken(buffer, _lastHeader - _consumed, new Status(StatusCode.InvalidArgument, CutMessage));
        }
        else if (completed && next >= 0 && next < buffer.Length)
        {
            // A header cut short.
            FailOnceTaken(buffer, next, new Status(StatusCode.InvalidArgument, CutMessage));
        }
        else if (completed && _singleMessage && _lastHeader < 0)
        {
            FailOnceTaken(buffer, 0, new Status(StatusCode.InvalidArgument, NoMessage));
        }
    }

    /// <summary>Fails the read with <paramref name="status"/> now, or lets the reader take what lies before <paramref name="offset"/> first.</summary>
    private void FailOnceTaken(in ReadOnlySequence<byte> buffer, long offset, Status status)
    {
        if (offset > 0 && !_singleMessage)
        {
            // Found again at the start of a later read, once the messages before it are taken.
            return;
        }

        if (status.StatusCode == StatusCode.Unimplemented && _response is { HasStarted: false })
        {
            _response.Headers["grpc-accept-encoding"] = AcceptedEncodings;
        }

        // Nothing of this read is taken, so that what reads the body after the call (the drain) may read on.
        AdvanceTo(buffer.Start);
        throw new RpcException(status);
    }

    private sealed class CheckedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }
}
