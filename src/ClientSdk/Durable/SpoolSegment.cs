using System.Globalization;
using Microsoft.Win32.SafeHandles;

namespace Collector.ClientSdk.Durable;

/// <summary>
/// One segment file of the durable spool: an 8-byte file header ("CSPOOL", format version 1) and records. Reads go
/// through a handle of its own, up to <see cref="End"/>. The figures are kept by <see cref="DurableSpool"/> under its lock.
/// </summary>
internal sealed class SpoolSegment(long number, string path) : IDisposable
{
    public const int FileHeaderBytes = 8;
    private const string Prefix = "spool-";
    private const string Extension = ".seg";
    private SafeFileHandle? _reader;

    public static ReadOnlySpan<byte> FileHeader => "CSPOOL\u0000\u0001"u8;

    public long Number { get; } = number;

    public string Path { get; } = path;

    /// <summary>Past the last whole record that may be read: for the journal's segment, what its last write published.</summary>
    public long End { get; set; }

    /// <summary>Where the segment's last batch record ends; 0 when it holds none.</summary>
    public long LastBatchEnd { get; set; }

    /// <summary>Events in batch records not yet read by the sender (what giving the segment up drops).</summary>
    public long UnsentEvents { get; set; }

    public SpoolPosition Start => new(Number, FileHeaderBytes);

    public static string FileName(long number) => Prefix + number.ToString("D12", CultureInfo.InvariantCulture) + Extension;

    /// <summary>The segment files of <paramref name="directory"/>, oldest first.</summary>
    public static List<SpoolSegment> List(string directory)
    {
        var segments = new List<SpoolSegment>();
        foreach (var path in Directory.GetFiles(directory, Prefix + "*" + Extension))
        {
            var name = System.IO.Path.GetFileNameWithoutExtension(path);
            if (long.TryParse(name.AsSpan(Prefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                segments.Add(new SpoolSegment(number, path));
            }
        }

        segments.Sort((a, b) => a.Number.CompareTo(b.Number));
        return segments;
    }

    public bool HasFileHeader()
    {
        Span<byte> header = stackalloc byte[FileHeaderBytes];
        return End >= FileHeaderBytes && TryReadExactly(header, 0) && header.SequenceEqual(FileHeader);
    }

    /// <summary>
    /// Reads the record at <paramref name="offset"/> (below <see cref="End"/>) into <paramref name="scratch"/>, grown as
    /// needed: on Valid the whole record is at its start and <paramref name="length"/> is its size.
    /// </summary>
    public SpoolRecordStatus Read(long offset, ref byte[] scratch, out SpoolRecordKind kind, out int length)
    {
        kind = default;
        length = 0;
        if (End - offset < SpoolRecord.HeaderBytes || !TryReadExactly(scratch.AsSpan(0, SpoolRecord.HeaderBytes), offset))
        {
            return SpoolRecordStatus.Torn;
        }

        var body = SpoolRecord.BodyLength(scratch);
        if (body < 0)
        {
            return SpoolRecordStatus.Damaged;
        }

        length = 8 + body;
        if (offset + length > End)
        {
            return SpoolRecordStatus.Torn;
        }

        if (scratch.Length < length)
        {
            scratch = new byte[Math.Max(length, scratch.Length * 2)];
        }

        if (!TryReadExactly(scratch.AsSpan(0, length), offset))
        {
            return SpoolRecordStatus.Torn;
        }

        return SpoolRecord.IsValid(scratch.AsSpan(0, length), out kind) ? SpoolRecordStatus.Valid : SpoolRecordStatus.Damaged;
    }

    /// <summary>Cuts the file at <paramref name="length"/> (a torn or damaged tail found at start), durably.</summary>
    public void Truncate(long length)
    {
        CloseReader();
        using (var file = File.OpenHandle(Path, FileMode.Open, FileAccess.Write, FileShare.Read | FileShare.Delete))
        {
            RandomAccess.SetLength(file, length);
            RandomAccess.FlushToDisk(file);
        }

        End = length;
    }

    public void Delete()
    {
        CloseReader();
        try
        {
            File.Delete(Path);
        }
        catch (IOException)
        {
            // Left behind: a later start resends its batches and the collector drops them as duplicates.
        }
    }

    public void CloseReader()
    {
        _reader?.Dispose();
        _reader = null;
    }

    public void Dispose() => CloseReader();

    private bool TryReadExactly(Span<byte> destination, long offset)
    {
        _reader ??= File.OpenHandle(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        while (!destination.IsEmpty)
        {
            var read = RandomAccess.Read(_reader, destination, offset);
            if (read == 0)
            {
                // Shorter than End says: someone cut the file under us.
                return false;
            }

            destination = destination[read..];
            offset += read;
        }

        return true;
    }
}
