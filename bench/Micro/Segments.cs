using System.Buffers;

namespace Collector.Bench.Micro;

/// <summary>Multi-segment sequences, the shape a PipeReader hands out when a body arrived in several blocks.</summary>
internal static class Segments
{
    /// <summary>The bytes of <paramref name="data"/> cut into segments of <paramref name="segmentBytes"/> (the last may be shorter).</summary>
    public static ReadOnlySequence<byte> Split(ReadOnlyMemory<byte> data, int segmentBytes)
    {
        var first = new Segment(data[..Math.Min(segmentBytes, data.Length)], runningIndex: 0);
        var last = first;
        for (var start = segmentBytes; start < data.Length; start += segmentBytes)
        {
            last = last.Append(data[start..Math.Min(start + segmentBytes, data.Length)]);
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
