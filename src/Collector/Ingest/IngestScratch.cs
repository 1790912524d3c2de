using Collector.Protocol.Telemetry;
using Collector.Storage.Log;

namespace Collector.Host.Ingest;

/// <summary>The reusable working memory of one call, so a steady stream of batches allocates next to nothing.</summary>
public sealed class IngestScratch(int targetEntryBytes, int maxEntryBytes)
{
    private byte[] _contiguous = [];

    public ScannedBatch Batch { get; } = new();

    public LogEntryWriter Entry { get; } = new(targetEntryBytes, maxEntryBytes);

    internal List<EventCheck> Checks { get; } = new(capacity: 512);

    /// <summary>Copies a message that arrived in several segments into one reusable buffer.</summary>
    public ReadOnlySpan<byte> MakeContiguous(in System.Buffers.ReadOnlySequence<byte> message)
    {
        if (message.IsSingleSegment)
        {
            return message.FirstSpan;
        }

        if (_contiguous.Length < message.Length)
        {
            _contiguous = new byte[Math.Max((int)message.Length, _contiguous.Length * 2)];
        }

        System.Buffers.BuffersExtensions.CopyTo(message, _contiguous);
        return _contiguous.AsSpan(0, (int)message.Length);
    }
}

/// <summary>The validation outcome of one event of the batch being ingested.</summary>
internal readonly record struct EventCheck(bool Valid, bool HasTime, string? Reason, uint Signals);
