using System.Buffers;
using System.Buffers.Binary;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Collector.Protocol.Grpc;

namespace Collector.Bench.Micro;

/// <summary>
/// Finding the gRPC messages in a request body: the server's read loop (PipeReader.ReadAsync, GrpcFrame.TryRead,
/// AdvanceTo, as GrpcServerCall.ReadNextAsync does) over a stream of length-prefixed EventBatch frames, next to
/// reading the same bytes with BinaryPrimitives from one contiguous span, the least any reader can do.
/// <para>
/// "Contiguous" holds the stream in one segment; "Split" cuts it into 4 KiB segments, the size of Kestrel's pool
/// blocks, so headers and messages straddle segment ends as they do in a real request body. Results are per frame
/// (OperationsPerInvoke). The PipeReader is PipeReader.Create over the prepared sequence, one per invocation (a few
/// dozen bytes, spread over the frames): it hands out the bytes without copying, so what is measured is the framing,
/// not a copy into the pipe.
/// </para>
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class GrpcFrameReadBenchmarks
{
    private const int Frames = 64;
    private const int SegmentBytes = 4096;
    private const int MaxMessageSize = 4 * 1024 * 1024;

    private byte[] _stream = [];
    private ReadOnlySequence<byte> _contiguous;
    private ReadOnlySequence<byte> _split;

    /// <summary>Events per EventBatch message: 1 is about 170 B a frame, 500 about 75 KB.</summary>
    [Params(1, 500)]
    public int Events { get; set; }

    [GlobalSetup]
    public async Task Setup()
    {
        var message = SampleBatches.Encode(Events);
        var writer = new ArrayBufferWriter<byte>(Frames * (GrpcFrame.HeaderSize + message.Length));
        for (var i = 0; i < Frames; i++)
        {
            GrpcFrame.Write(writer, message, compressed: false);
        }

        _stream = writer.WrittenSpan.ToArray();
        _contiguous = new ReadOnlySequence<byte>(_stream);
        _split = Segments.Split(_stream, SegmentBytes);
        if (await ReadAll(_split) != Frames * (long)message.Length)
        {
            throw new InvalidOperationException("the split stream does not read back as the frames written");
        }
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Frames)]
    public long BinaryPrimitivesSpan()
    {
        ReadOnlySpan<byte> remaining = _stream;
        long total = 0;
        while (remaining.Length >= GrpcFrame.HeaderSize)
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(remaining[1..]);
            if (remaining[0] != 0 || length > MaxMessageSize || remaining.Length < GrpcFrame.HeaderSize + length)
            {
                throw new InvalidOperationException("bad frame");
            }

            total += remaining.Slice(GrpcFrame.HeaderSize, (int)length).Length;
            remaining = remaining[(GrpcFrame.HeaderSize + (int)length)..];
        }

        return total;
    }

    [Benchmark(OperationsPerInvoke = Frames)]
    public ValueTask<long> PipeReaderContiguous() => ReadAll(_contiguous);

    [Benchmark(OperationsPerInvoke = Frames)]
    public ValueTask<long> PipeReaderSplit() => ReadAll(_split);

    /// <summary>The server's loop: read, take one frame, advance past it; returns the message bytes seen.</summary>
    private static async ValueTask<long> ReadAll(ReadOnlySequence<byte> body)
    {
        var reader = PipeReader.Create(body);
        long total = 0;
        while (true)
        {
            var result = await reader.ReadAsync();
            var buffer = result.Buffer;
            switch (GrpcFrame.TryRead(ref buffer, MaxMessageSize, out var message, out _, out _))
            {
                case GrpcFrameReadResult.Message:
                    total += message.Length;
                    reader.AdvanceTo(buffer.Start);
                    break;
                case GrpcFrameReadResult.Incomplete when result.IsCompleted && result.Buffer.IsEmpty:
                    await reader.CompleteAsync();
                    return total;
                default:
                    throw new InvalidOperationException("bad frame");
            }
        }
    }
}
