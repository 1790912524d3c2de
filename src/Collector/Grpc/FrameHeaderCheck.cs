using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using System.Runtime.CompilerServices;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;

namespace Collector.Host.Grpc;

/// <summary>
/// The request body of a gRPC call as grpc-dotnet reads it, with the 5-byte header of every message checked as it
/// passes: a compressed flag other than 0 or 1 ends the call INTERNAL (malformed framing, like a frame cut short), a
/// length over the receive limit RESOURCE_EXHAUSTED. grpc-dotnet finds both faults itself, but for the flag and for
/// lengths of 2 GiB and more it throws plain exceptions, which end a unary call UNKNOWN (it reads the request before
/// any interceptor runs) and a stream INTERNAL logged as the collector's own failure. Here they are RpcExceptions
/// with the statuses and messages grpc-dotnet gives its other framing errors, so every caller learns the same thing.
/// <para>
/// Only headers are read, never a message body: <c>_nextHeader</c> is the body offset of the next header not yet
/// passed, <c>_consumed</c> the body offset where the buffer the caller last read begins. A reader that took part of
/// a header it never saw whole (no gRPC reader does) would leave the check behind: it then checks nothing more.
/// </para>
/// </summary>
public sealed class FrameHeaderCheck : PipeReader
{
    public const string BadFlagMessage = "Unexpected compressed flag value in message header.";
    public const string TooLargeMessage = "Received message exceeds the maximum configured message size.";

    private const int HeaderSize = 5;

    private readonly PipeReader _body;
    private readonly int _maxMessageBytes;
    private ReadOnlySequence<byte> _lastRead;
    private long _consumed;
    private long _nextHeader;

    public FrameHeaderCheck(PipeReader body, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(body);
        _body = body;
        _maxMessageBytes = maxMessageBytes;
    }

    /// <summary>Puts the check in front of the request body of <paramref name="context"/>; returns what restores it.</summary>
    public static IRequestBodyPipeFeature Install(HttpContext context, int maxMessageBytes)
    {
        ArgumentNullException.ThrowIfNull(context);
        var original = context.Features.GetRequiredFeature<IRequestBodyPipeFeature>();
        context.Features.Set<IRequestBodyPipeFeature>(new CheckedBody(new FrameHeaderCheck(original.Reader, maxMessageBytes)));
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
        Check(result.Buffer);
        return new ValueTask<ReadResult>(result);
    }

    public override bool TryRead(out ReadResult result)
    {
        if (!_body.TryRead(out result))
        {
            return false;
        }

        Check(result.Buffer);
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
        Check(result.Buffer);
        return result;
    }

    /// <summary>
    /// Checks every header that <paramref name="buffer"/> holds whole and that was not checked before. A faulty one
    /// fails the read only once the reader has taken everything before it, so a stream's earlier messages in the same
    /// read are still ingested and acknowledged first, as with any other refusal.
    /// </summary>
    private void Check(in ReadOnlySequence<byte> buffer)
    {
        _lastRead = buffer;
        Span<byte> header = stackalloc byte[HeaderSize];
        for (var offset = _nextHeader - _consumed; offset >= 0 && offset + HeaderSize <= buffer.Length; offset = _nextHeader - _consumed)
        {
            buffer.Slice(offset, HeaderSize).CopyTo(header);
            var length = BinaryPrimitives.ReadUInt32BigEndian(header[1..]);
            var fault = header[0] > 1 ? new Status(StatusCode.Internal, BadFlagMessage)
                : length > (uint)_maxMessageBytes ? new Status(StatusCode.ResourceExhausted, TooLargeMessage)
                : (Status?)null;
            if (fault is not { } status)
            {
                _nextHeader += HeaderSize + length;
            }
            else if (offset > 0)
            {
                // Found again at the start of a later read, once the messages before it are taken.
                return;
            }
            else
            {
                // Nothing of this read is taken, so that what reads the body after the call (the drain) may read on.
                AdvanceTo(buffer.Start);
                throw new RpcException(status);
            }
        }
    }

    private sealed class CheckedBody(PipeReader reader) : IRequestBodyPipeFeature
    {
        public PipeReader Reader => reader;
    }
}
