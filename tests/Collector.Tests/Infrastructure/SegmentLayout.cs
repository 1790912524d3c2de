using System.Buffers.Binary;
using Collector.Protocol.Telemetry.V1.Log;

namespace Collector.Tests.Infrastructure;

/// <summary>One entry as it lies in the segment files: where it starts, its payload's length, and the events it holds.</summary>
internal sealed record SegmentEntry(long Address, int Length, string SourceId, IReadOnlyList<ulong> Sequences)
{
    /// <summary>The address just past the entry (payload padded to 4 bytes after a 12-byte header).</summary>
    public long End => Address + 12 + ((Length + 3) & ~3);
}

/// <summary>
/// Walks the segment files the way FasterLog 2.6.5 frames them (an 8-byte checksum, a 4-byte length, the payload;
/// entries never cross an 8 MiB page, a page's unused rest is zero, pages never cross a segment), independently of the
/// collector's own reader, so torture tests can aim their damage at a chosen entry and know which events it held.
/// </summary>
internal static class SegmentLayout
{
    public const int PageBits = 23;

    /// <summary>The default segment size, 1 GiB: one segment file holds a test's whole log.</summary>
    public const int DefaultSegmentBits = 30;

    public static string SegmentZero(string dataDir) => SegmentFile(dataDir, 0);

    public static string SegmentFile(string dataDir, long number) =>
        Path.Combine(dataDir, "log", "segment." + number.ToString(System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The numbers of the segment files there are, lowest first.</summary>
    public static List<long> SegmentNumbers(string dataDir) =>
        Directory.GetFiles(Path.Combine(dataDir, "log"), "segment.*")
            .Select(path => long.Parse(Path.GetExtension(path).TrimStart('.'), System.Globalization.CultureInfo.InvariantCulture))
            .Order()
            .ToList();

    /// <summary>The entries in [<paramref name="from"/>, <paramref name="until"/>), across segment files of 2^<paramref name="segmentBits"/> bytes.</summary>
    public static List<SegmentEntry> Entries(string dataDir, long from, long until, int segmentBits = DefaultSegmentBits)
    {
        var files = new Dictionary<long, byte[]>();
        var entries = new List<SegmentEntry>();
        var at = from;
        while (at < until)
        {
            var segment = at >> segmentBits;
            if (!files.TryGetValue(segment, out var bytes))
            {
                bytes = File.ReadAllBytes(SegmentFile(dataDir, segment));
                files[segment] = bytes;
            }

            var offset = (int)(at & ((1L << segmentBits) - 1));
            if (offset + 12 > bytes.Length)
            {
                break;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(offset + 8));
            if (length == 0)
            {
                at = ((at >> PageBits) + 1) << PageBits;
                continue;
            }

            var payload = bytes.AsSpan(offset + 12, length);
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
