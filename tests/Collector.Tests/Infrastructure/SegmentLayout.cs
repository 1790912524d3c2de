using System.Buffers.Binary;
using System.Globalization;
using Collector.Protocol.Telemetry.V1.Log;

namespace Collector.Tests.Infrastructure;

/// <summary>One entry as it lies in the segment files (<c>log/segment.N</c>): where it starts, its payload's length, and the events it holds.</summary>
internal sealed record SegmentEntry(long Address, int Length, string SourceId, IReadOnlyList<ulong> Sequences)
{
    /// <summary>The address just past the entry (payload padded to 4 bytes after a 12-byte header).</summary>
    public long End => Address + 12 + ((Length + 3) & ~3);
}

/// <summary>
/// Walks the segment files the way FasterLog 2.6.5 frames them (an 8-byte checksum, a 4-byte length, the payload;
/// entries never cross an 8 MiB page, a page's unused rest is zero, pages never cross a segment), independently of the
/// collector's own reader, so torture tests can aim their damage at a chosen entry and know which events it held, or
/// count the events between two cursor positions. It reads with every sharing allowed, so a running collector's files
/// can be read too (what is committed there does not change).
/// </summary>
internal static class SegmentLayout
{
    public const int PageBits = 23;

    /// <summary>The default segment size, 1 GiB: one segment file holds a test's whole log.</summary>
    public const int DefaultSegmentBits = 30;

    public static string SegmentZero(string dataDir) => SegmentFile(dataDir, 0);

    public static string SegmentFile(string dataDir, long number) =>
        Path.Combine(dataDir, "log", "segment." + number.ToString(CultureInfo.InvariantCulture));

    /// <summary>The numbers of the segment files there are, lowest first.</summary>
    public static List<long> SegmentNumbers(string dataDir) =>
        Directory.GetFiles(Path.Combine(dataDir, "log"), "segment.*")
            .Select(path => long.Parse(Path.GetExtension(path).TrimStart('.'), CultureInfo.InvariantCulture))
            .Order()
            .ToList();

    /// <summary>The entries in [<paramref name="from"/>, <paramref name="until"/>), across segment files of 2^<paramref name="segmentBits"/> bytes.</summary>
    public static List<SegmentEntry> Entries(string dataDir, long from, long until, int segmentBits = DefaultSegmentBits)
    {
        var ranges = new Dictionary<long, (long Start, byte[] Bytes)>();
        var entries = new List<SegmentEntry>();
        var at = from;
        while (at < until)
        {
            var segment = at >> segmentBits;
            if (!ranges.TryGetValue(segment, out var range))
            {
                range = (at, ReadRange(dataDir, segment, segmentBits, at, Math.Min(until, (segment + 1) << segmentBits)));
                ranges[segment] = range;
            }

            var offset = (int)(at - range.Start);
            if (offset + 12 > range.Bytes.Length)
            {
                break;
            }

            var length = BinaryPrimitives.ReadInt32LittleEndian(range.Bytes.AsSpan(offset + 8));
            if (length == 0)
            {
                at = ((at >> PageBits) + 1) << PageBits;
                continue;
            }

            var payload = range.Bytes.AsSpan(offset + 12, length);
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

    /// <summary>The bytes of [<paramref name="from"/>, <paramref name="until"/>) in segment <paramref name="segment"/>, or fewer where the file ends.</summary>
    private static byte[] ReadRange(string dataDir, long segment, int segmentBits, long from, long until)
    {
        using var file = new FileStream(SegmentFile(dataDir, segment), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        var offset = from & ((1L << segmentBits) - 1);
        var bytes = new byte[Math.Max(0, Math.Min(until - from, file.Length - offset))];
        file.Position = offset;
        file.ReadExactly(bytes);
        return bytes;
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
