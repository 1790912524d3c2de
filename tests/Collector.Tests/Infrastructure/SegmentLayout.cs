using System.Buffers.Binary;
using Collector.Protocol.Telemetry.V1.Log;

namespace Collector.Tests.Infrastructure;

/// <summary>One entry as it lies in <c>log/segment.0</c>: where it starts, its payload's length, and the events it holds.</summary>
internal sealed record SegmentEntry(long Address, int Length, string SourceId, IReadOnlyList<ulong> Sequences)
{
    /// <summary>The address just past the entry (payload padded to 4 bytes after a 12-byte header).</summary>
    public long End => Address + 12 + ((Length + 3) & ~3);
}

/// <summary>
/// Walks the first segment file the way FasterLog 2.6.5 frames it (an 8-byte checksum, a 4-byte length, the payload;
/// entries never cross an 8 MiB page, a page's unused rest is zero), independently of the collector's own reader, so
/// torture tests can aim their damage at a chosen entry and know which events it held.
/// </summary>
internal static class SegmentLayout
{
    public const int PageBits = 23;

    public static string SegmentZero(string dataDir) => Path.Combine(dataDir, "log", "segment.0");

    /// <summary>The entries in [<paramref name="from"/>, <paramref name="until"/>).</summary>
    public static List<SegmentEntry> Entries(string dataDir, long from, long until)
    {
        var bytes = File.ReadAllBytes(SegmentZero(dataDir));
        var entries = new List<SegmentEntry>();
        var at = from;
        while (at < until && at + 12 <= bytes.Length)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan((int)at + 8));
            if (length == 0)
            {
                at = ((at >> PageBits) + 1) << PageBits;
                continue;
            }

            var payload = bytes.AsSpan((int)at + 12, length);
            Assert.Equal(1, payload[0]);
            var decoded = LogEntry.Parser.ParseFrom(payload[1..]);
            var entry = new SegmentEntry(at, length, decoded.SourceId, decoded.Events.Select(e => e.Sequence).ToList());
            entries.Add(entry);
            at = entry.End;
            if (((at + 12) >> PageBits) != (at >> PageBits))
            {
                at = ((at >> PageBits) + 1) << PageBits;
            }
        }

        return entries;
    }

    /// <summary>Flips every bit of the byte at <paramref name="address"/>.</summary>
    public static void FlipByte(string dataDir, long address)
    {
        using var file = File.Open(SegmentZero(dataDir), FileMode.Open, FileAccess.ReadWrite);
        file.Position = address;
        var value = file.ReadByte();
        file.Position = address;
        file.WriteByte((byte)~value);
    }
}
