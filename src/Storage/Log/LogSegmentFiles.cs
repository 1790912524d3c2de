using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;

namespace Collector.Storage.Log;

/// <summary>
/// Reads FASTER's entries straight from the segment files (<c>log/segment.N</c>), before FasterLog opens them, so a
/// commit record can be checked against what is really on disk. An entry as FasterLog 2.6.5 frames it with
/// per-entry checksums:
/// <code>
///   uint64 checksum (XOR of the next 4 + length bytes, 8 at a time, the rest byte by byte)
///   int32  length   payload, padded to 4 bytes
/// </code>
/// Entries never cross a page: the rest of a page that cannot hold the next entry is left zero, and the next entry
/// starts the next page.
/// </summary>
internal sealed class LogSegmentFiles
{
    private const int HeaderBytes = 12;

    // FASTER's first valid address.
    private const long FirstAddress = 64;

    private readonly string _directory;
    private readonly int _segmentBits;
    private readonly int _pageBits;

    public LogSegmentFiles(string logDirectory, int segmentBits, int pageBits)
    {
        _directory = logDirectory;
        _segmentBits = segmentBits;
        _pageBits = pageBits;
        StoredEnd = FindStoredEnd();
    }

    /// <summary>The address just past the last byte the highest segment file holds (0 with no segment file).</summary>
    public long StoredEnd { get; }

    /// <summary>
    /// The entry at <paramref name="address"/> (after the zero padding at a page end, if it points there): its
    /// address and the address after it, or null and why it cannot be read.
    /// </summary>
    public (long Address, long Next)? TryReadEntry(long address, out string problem)
    {
        if (TryLocateEntry(address, out problem) is not { } entry)
        {
            return null;
        }

        var bytes = new byte[HeaderBytes + entry.Length];
        if (Read(entry.Address, bytes) < bytes.Length)
        {
            problem = $"the entry at {entry.Address} runs past the end of the segment files";
            return null;
        }

        if (BinaryPrimitives.ReadUInt64LittleEndian(bytes) != Xor(bytes.AsSpan(8)))
        {
            problem = $"the entry at {entry.Address} fails its checksum";
            return null;
        }

        problem = string.Empty;
        return (entry.Address, entry.Next);
    }

    /// <summary>
    /// Where the entry at <paramref name="address"/> starts and ends by its length field alone (its checksum unchecked),
    /// so a reader can step over an entry whose payload is damaged; null when the length cannot be an entry's.
    /// </summary>
    public (long Address, int Length, long Next)? TryLocateEntry(long address, out string problem)
    {
        var pageSize = 1L << _pageBits;
        var at = address;
        if (IsPadding(at, out var length))
        {
            // A position just after a page's last entry; the entry it means starts the next page.
            at = (at & ~(pageSize - 1)) + pageSize;
            if (!TryReadLength(at, out length))
            {
                problem = MissingSegmentProblem(at) ?? $"no entry at {address} (nothing stored at {at})";
                return null;
            }
        }
        else if (MissingSegmentProblem(at) is { } missing)
        {
            problem = missing;
            return null;
        }

        var offsetInPage = at & (pageSize - 1);
        var recordBytes = HeaderBytes + (((long)length + 3) & ~3L);
        if (length <= 0 || offsetInPage + recordBytes > pageSize)
        {
            problem = $"no entry at {at} (length field {length})";
            return null;
        }

        problem = string.Empty;
        var next = offsetInPage + recordBytes == pageSize ? at - offsetInPage + pageSize : at + recordBytes;
        return (at, length, next);
    }

    /// <summary>The first entry of the lowest segment file, if it reads as one: where a log without commit records begins.</summary>
    public long? LowestEntryAddress()
    {
        if (LowestSegment() is not { } lowest)
        {
            return null;
        }

        var address = Math.Max(lowest << _segmentBits, FirstAddress);
        return TryReadEntry(address, out _) is { } entry ? entry.Address : null;
    }

    /// <summary>
    /// Whether <paramref name="address"/> could be a real position of this log (not a damaged field's absurd value):
    /// within the highest segment file's span, or the next one's (a newest segment file that went missing).
    /// </summary>
    public bool IsPlausibleAddress(long address) => address >= FirstAddress && address < (((Math.Max(StoredEnd, 1) - 1) >> _segmentBits) + 2) << _segmentBits;

    /// <summary>
    /// Null when the segment file that holds <paramref name="address"/> is there and reaches it; otherwise says which file is
    /// missing or cut short (a file deleted or lost, or a partial copy of the data dir).
    /// </summary>
    public string? MissingSegmentProblem(long address)
    {
        var segment = address >> _segmentBits;
        var path = SegmentPath(segment);
        if (!File.Exists(path))
        {
            return $"segment file {path} is missing (it held log addresses [{segment << _segmentBits}, {(segment + 1) << _segmentBits}))";
        }

        var length = new FileInfo(path).Length;
        var offset = address & ((1L << _segmentBits) - 1);
        if (offset < length || StoredEnd <= address)
        {
            return null;
        }

        // FASTER makes a missing segment file again, empty, once it is asked to read from it.
        return length == 0
            ? $"segment file {path} is missing (found empty where a later segment file follows: log addresses [{segment << _segmentBits}, {(segment + 1) << _segmentBits}) are gone)"
            : $"segment file {path} is cut short: {length} bytes where a later segment file follows, so log addresses [{(segment << _segmentBits) + length}, {(segment + 1) << _segmentBits}) are gone";
    }

    /// <summary>The address where the segment holding <paramref name="address"/> ends.</summary>
    public long SegmentEnd(long address) => ((address >> _segmentBits) + 1) << _segmentBits;

    /// <summary>The address where the page holding <paramref name="address"/> ends.</summary>
    public long PageEnd(long address) => ((address >> _pageBits) + 1) << _pageBits;

    /// <summary>From <paramref name="from"/>, an entry boundary, past every readable entry: where the stored data ends.</summary>
    public long ScanForward(long from)
    {
        var end = from;
        while (end < StoredEnd && TryReadEntry(end, out _) is { } entry)
        {
            end = entry.Next;
        }

        return end;
    }

    /// <summary>FASTER's XOR of 8-byte words, then of the remaining bytes into the lowest byte.</summary>
    public static ulong Xor(ReadOnlySpan<byte> bytes)
    {
        ulong result = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (var word in words)
        {
            result ^= BitConverter.IsLittleEndian ? word : BinaryPrimitives.ReverseEndianness(word);
        }

        foreach (var rest in bytes[(words.Length * 8)..])
        {
            result ^= rest;
        }

        return result;
    }

    private bool IsPadding(long address, out int length)
    {
        var offsetInPage = address & ((1L << _pageBits) - 1);
        if (offsetInPage + HeaderBytes > 1L << _pageBits)
        {
            length = 0;
            return true;
        }

        return TryReadLength(address, out length) && length == 0 && offsetInPage != 0;
    }

    private bool TryReadLength(long address, out int length)
    {
        Span<byte> header = stackalloc byte[HeaderBytes];
        var read = Read(address, header);
        length = read == HeaderBytes ? BinaryPrimitives.ReadInt32LittleEndian(header[8..]) : 0;
        return read == HeaderBytes;
    }

    private int Read(long address, Span<byte> into)
    {
        var path = SegmentPath(address >> _segmentBits);
        if (!File.Exists(path))
        {
            return 0;
        }

        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        var offset = address & ((1L << _segmentBits) - 1);
        var total = 0;
        while (total < into.Length)
        {
            var read = RandomAccess.Read(handle, into[total..], offset + total);
            if (read == 0)
            {
                break;
            }

            total += read;
        }

        return total;
    }

    private long? LowestSegment()
    {
        if (!Directory.Exists(_directory))
        {
            return null;
        }

        var numbers = Directory.EnumerateFiles(_directory, "segment.*")
            .Select(path => long.TryParse(Path.GetExtension(path).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .Where(n => n >= 0)
            .ToList();
        return numbers.Count == 0 ? null : numbers.Min();
    }

    private string SegmentPath(long segment) => Path.Combine(_directory, "segment." + segment.ToString(CultureInfo.InvariantCulture));

    private long FindStoredEnd()
    {
        if (!Directory.Exists(_directory))
        {
            return 0;
        }

        var highest = Directory.EnumerateFiles(_directory, "segment.*")
            .Select(path => long.TryParse(Path.GetExtension(path).TrimStart('.'), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .DefaultIfEmpty(-1)
            .Max();
        return highest < 0 ? 0 : (highest << _segmentBits) + new FileInfo(SegmentPath(highest)).Length;
    }
}
