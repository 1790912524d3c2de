using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Collector.Storage.Log;

/// <summary>
/// One commit record as FasterLog 2.6.5 serialises it, behind an int32 length (little-endian), as it is stored in a slot
/// of <c>commits/log-commits/commit-records</c> (see CommitRecordSlots) or, by older collectors, in a file
/// <c>commits/log-commits/commit.N.0</c>:
/// <code>
///   int32 length of what follows
///   int32 version (1)        int64 checksum (begin ^ until ^ commit ^ cursor count ^ cookie length ^ cookie xor)
///   int64 begin address      int64 until (committed end)     int64 commit number
///   int32 cursor count, then per cursor: int32 name length, UTF-8 name, int64 completed position
///   int32 cookie length (-1: none), then the cookie
/// </code>
/// The checksum is a plain XOR, so two flips at the same bit position pass it: the record is checked against the
/// segment files too (see CommitRecordCheck) before FASTER is let near it.
/// </summary>
internal sealed record CommitRecord(long Number, long BeginAddress, long UntilAddress, IReadOnlyDictionary<string, long> Cursors, byte[]? Cookie)
{
    private const int Version = 1;
    private const int MaxCursors = 1024;

    /// <summary>The commit number in a file name <c>commit.N.0</c>, or null for any other file.</summary>
    public static long? NumberOf(string fileName)
    {
        var parts = fileName.Split('.');
        return parts is ["commit", var number, "0"] && long.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : null;
    }

    /// <summary>The commit number a record's bytes (<c>int32 length</c>, then FASTER's metadata) name, or null when they are too short to.</summary>
    public static long? NumberIn(ReadOnlySpan<byte> record) => record.Length >= 40 ? BinaryPrimitives.ReadInt64LittleEndian(record[32..]) : null;

    /// <summary>Reads a record file's bytes; null and the reason when they are not a well-formed record.</summary>
    public static CommitRecord? TryParse(long number, ReadOnlySpan<byte> file, out string problem)
    {
        try
        {
            return Parse(number, file, out problem);
        }
        catch (ArgumentOutOfRangeException)
        {
            problem = "the record is cut short";
            return null;
        }
    }

    /// <summary>The record as FASTER's recovery reads it (without the length prefix), with a checksum that matches.</summary>
    public byte[] ToMetadata()
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream))
        {
            var cookieLength = Cookie?.Length ?? -1;
            writer.Write(Version);
            writer.Write(BeginAddress ^ UntilAddress ^ Number ^ Cursors.Count ^ cookieLength ^ Xor(Cookie));
            writer.Write(BeginAddress);
            writer.Write(UntilAddress);
            writer.Write(Number);
            writer.Write(Cursors.Count);
            foreach (var (name, position) in Cursors)
            {
                var bytes = Encoding.UTF8.GetBytes(name);
                writer.Write(bytes.Length);
                writer.Write(bytes);
                writer.Write(position);
            }

            writer.Write(cookieLength);
            if (Cookie is { Length: > 0 })
            {
                writer.Write(Cookie);
            }
        }

        return stream.ToArray();
    }

    private static CommitRecord? Parse(long number, ReadOnlySpan<byte> file, out string problem)
    {
        var length = BinaryPrimitives.ReadInt32LittleEndian(file);
        if (length < 0 || length > file.Length - 4)
        {
            problem = $"its length field ({length}) does not fit the file ({file.Length} bytes)";
            return null;
        }

        var body = file.Slice(4, length);
        var version = BinaryPrimitives.ReadInt32LittleEndian(body);
        var checksum = BinaryPrimitives.ReadInt64LittleEndian(body[4..]);
        var begin = BinaryPrimitives.ReadInt64LittleEndian(body[12..]);
        var until = BinaryPrimitives.ReadInt64LittleEndian(body[20..]);
        var commit = BinaryPrimitives.ReadInt64LittleEndian(body[28..]);
        var count = BinaryPrimitives.ReadInt32LittleEndian(body[36..]);
        if (version != Version)
        {
            problem = $"unknown version {version}";
            return null;
        }

        if (commit != number)
        {
            problem = $"it names commit {commit}, not {number}";
            return null;
        }

        if (count is < 0 or > MaxCursors)
        {
            problem = $"implausible cursor count {count}";
            return null;
        }

        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        var at = 40;
        for (var i = 0; i < count; i++)
        {
            var nameLength = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
            if (nameLength is < 0 or > 1024)
            {
                problem = $"implausible cursor name length {nameLength}";
                return null;
            }

            var name = Encoding.UTF8.GetString(body.Slice(at + 4, nameLength));
            cursors[name] = BinaryPrimitives.ReadInt64LittleEndian(body[(at + 4 + nameLength)..]);
            at += 4 + nameLength + 8;
        }

        var cookieLength = BinaryPrimitives.ReadInt32LittleEndian(body[at..]);
        var cookie = cookieLength >= 0 ? body.Slice(at + 4, cookieLength).ToArray() : null;
        if (checksum != (begin ^ until ^ commit ^ count ^ cookieLength ^ Xor(cookie)))
        {
            problem = "its checksum does not match its fields";
            return null;
        }

        problem = string.Empty;
        return new CommitRecord(number, begin, until, cursors, cookie);
    }

    private static long Xor(byte[]? bytes) => bytes is null ? 0 : (long)LogSegmentFiles.Xor(bytes);
}
