using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// Reads and damages FASTER 2.6.5's commit records (<c>commits/log-commits/commit.N.0</c>) the way a disk or an
/// operator might, independently of the collector's own parser. Offsets in the file, all little-endian, from
/// DeviceLogCommitCheckpointManager.Commit (an int32 length prefix) and FasterLogRecoveryInfo.ToByteArray:
/// </summary>
internal static class CommitRecordFile
{
    public const int LengthOffset = 0; // int32: bytes that follow
    public const int VersionOffset = 4; // int32: 1
    public const int ChecksumOffset = 8; // int64: begin ^ until ^ commit ^ cursor count ^ cookie length ^ cookie xor
    public const int BeginOffset = 16; // int64: begin address
    public const int UntilOffset = 24; // int64: committed end
    public const int CommitNumberOffset = 32; // int64: N of commit.N.0
    public const int CursorCountOffset = 40; // int32, then per cursor: int32 name length, UTF-8 name, int64 position

    public static string Directory(string dataDir) => Path.Combine(dataDir, "commits", "log-commits");

    /// <summary>The commit record files, newest first.</summary>
    public static List<string> All(string dataDir) =>
        System.IO.Directory.EnumerateFiles(Directory(dataDir), "commit.*.0")
            .OrderByDescending(path => long.Parse(Path.GetFileName(path).Split('.')[1], CultureInfo.InvariantCulture))
            .ToList();

    public static string Newest(string dataDir) => All(dataDir)[0];

    /// <summary>
    /// The records that are there whole, newest first: a kill -9 while FASTER writes one leaves it empty or cut short
    /// (the collector rejects such a record and falls back; tests that aim damage at a record want a whole one).
    /// </summary>
    public static List<string> Whole(string dataDir) =>
        All(dataDir).Where(path => File.ReadAllBytes(path) is var bytes && bytes.Length >= CursorCountOffset + 4 && BinaryPrimitives.ReadInt32LittleEndian(bytes) + 4 <= bytes.Length).ToList();

    public static long Read(string path, int offset) => BinaryPrimitives.ReadInt64LittleEndian(File.ReadAllBytes(path).AsSpan(offset));

    public static Dictionary<string, long> Cursors(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var cursors = new Dictionary<string, long>(StringComparer.Ordinal);
        var at = CursorCountOffset + 4;
        for (var i = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(CursorCountOffset)); i > 0; i--)
        {
            var length = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(at));
            cursors[Encoding.UTF8.GetString(bytes, at + 4, length)] = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(at + 4 + length));
            at += 4 + length + 8;
        }

        return cursors;
    }

    /// <summary>
    /// Changes the int64 field at <paramref name="offset"/>. With <paramref name="fixChecksum"/> the checksum is changed
    /// by the same bits, so FASTER's XOR check passes: the damage FASTER cannot see (two flips at one bit position).
    /// </summary>
    public static (long Before, long After) Damage(string path, int offset, Func<long, long> change, bool fixChecksum = true)
    {
        var bytes = File.ReadAllBytes(path);
        var before = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset));
        var after = change(before);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), after);
        if (fixChecksum)
        {
            var checksum = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(ChecksumOffset));
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(ChecksumOffset), checksum ^ before ^ after);
        }

        File.WriteAllBytes(path, bytes);
        return (before, after);
    }
}
