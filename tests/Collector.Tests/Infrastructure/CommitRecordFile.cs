using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Text;

namespace Collector.Tests.Infrastructure;

/// <summary>
/// Reads and damages the log's commit records the way a disk or an operator might, independently of the collector's own
/// parser. A record is named by a string: <c>.../commits/log-commits/commit-records slot K</c> for slot K (as the collector names it) of the slot file
/// (slot K at K * 64 KiB: the record, then a CRC-32 of it), or the path of an older collector's <c>commit.N.0</c> file.
/// Offsets in a record, all little-endian, from FasterLogRecoveryInfo.ToByteArray behind an int32 length prefix:
/// </summary>
internal static class CommitRecordFile
{
    public const int LengthOffset = 0; // int32: bytes that follow
    public const int VersionOffset = 4; // int32: 1
    public const int ChecksumOffset = 8; // int64: begin ^ until ^ commit ^ cursor count ^ cookie length ^ cookie xor
    public const int BeginOffset = 16; // int64: begin address
    public const int UntilOffset = 24; // int64: committed end
    public const int CommitNumberOffset = 32; // int64: N, the commit's number
    public const int CursorCountOffset = 40; // int32, then per cursor: int32 name length, UTF-8 name, int64 position

    public const string SlotFileName = "commit-records";
    public const int SlotBytes = 64 * 1024;
    private const string SlotSeparator = " slot ";

    public static string Directory(string dataDir) => Path.Combine(dataDir, "commits", "log-commits");

    public static string SlotFile(string dataDir) => Path.Combine(Directory(dataDir), SlotFileName);

    /// <summary>Every stored record (a slot holding anything, a record file), newest first; a slot whose CRC fails first of all.</summary>
    public static List<string> All(string dataDir)
    {
        var slots = File.Exists(SlotFile(dataDir))
            ? Enumerable.Range(0, 2).Select(slot => $"{SlotFile(dataDir)}{SlotSeparator}{slot}").Where(record => Bytes(record).Any(b => b != 0))
            : [];
        var files = System.IO.Directory.Exists(Directory(dataDir)) ? System.IO.Directory.EnumerateFiles(Directory(dataDir), "commit.*.0") : [];
        return slots.Concat(files).OrderByDescending(record => IsWhole(record) ? Number(record) : long.MaxValue).ToList();
    }

    public static string Newest(string dataDir) => All(dataDir)[0];

    /// <summary>The records that are there whole (a slot's CRC holds; a file is as long as its length prefix says), newest first.</summary>
    public static List<string> Whole(string dataDir) => All(dataDir).Where(IsWhole).ToList();

    public static long Read(string record, int offset) => BinaryPrimitives.ReadInt64LittleEndian(Bytes(record).AsSpan(offset));

    public static Dictionary<string, long> Cursors(string record)
    {
        var bytes = Bytes(record);
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
    /// Changes the int64 field at <paramref name="offset"/>. With <paramref name="fixChecksum"/> FASTER's XOR checksum is
    /// changed by the same bits (two flips at one bit position, which it cannot see), and a slot's CRC is made to match
    /// (damage no checksum of the record can see, so only the check against the segment files can); without it, both stay.
    /// </summary>
    public static (long Before, long After) Damage(string record, int offset, Func<long, long> change, bool fixChecksum = true)
    {
        var bytes = Bytes(record);
        var before = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(offset));
        var after = change(before);
        BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(offset), after);
        if (fixChecksum)
        {
            var checksum = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(ChecksumOffset));
            BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(ChecksumOffset), checksum ^ before ^ after);
        }

        Write(record, bytes, fixCrc: fixChecksum);
        return (before, after);
    }

    /// <summary>The record's bytes: for a slot, its int32 length and what follows (without the CRC) when the length is plausible, else the whole slot.</summary>
    public static byte[] Bytes(string record)
    {
        if (SlotOf(record) is not { } slot)
        {
            return File.ReadAllBytes(record);
        }

        var bytes = File.ReadAllBytes(SlotPath(record)).AsSpan(slot * SlotBytes, SlotBytes);
        var length = BinaryPrimitives.ReadInt32LittleEndian(bytes);
        return (length >= 0 && length + 8 <= SlotBytes ? bytes[..(4 + length)] : bytes).ToArray();
    }

    /// <summary>Writes <paramref name="bytes"/> as the record; a slot gets a CRC that matches them unless <paramref name="fixCrc"/> is false (then the old one stays).</summary>
    public static void Write(string record, byte[] bytes, bool fixCrc = true)
    {
        if (SlotOf(record) is not { } slot)
        {
            File.WriteAllBytes(record, bytes);
            return;
        }

        using var file = File.OpenHandle(SlotPath(record), FileMode.Open, FileAccess.ReadWrite);
        var oldCrc = new byte[4];
        RandomAccess.Read(file, oldCrc, (slot * SlotBytes) + bytes.Length);
        RandomAccess.Write(file, bytes, slot * SlotBytes);
        var crc = fixCrc ? BitConverter.GetBytes(Crc32.HashToUInt32(bytes)) : oldCrc;
        RandomAccess.Write(file, crc, (slot * SlotBytes) + bytes.Length);
    }

    /// <summary>Deletes the record: a record file goes, a slot is zeroed.</summary>
    public static void Delete(string record)
    {
        if (SlotOf(record) is not { } slot)
        {
            File.Delete(record);
            return;
        }

        using var file = File.OpenHandle(SlotPath(record), FileMode.Open, FileAccess.Write);
        RandomAccess.Write(file, new byte[SlotBytes], slot * SlotBytes);
    }

    /// <summary>Deletes every record: the slot file and any record file.</summary>
    public static void DeleteAll(string dataDir)
    {
        File.Delete(SlotFile(dataDir));
        All(dataDir).ForEach(File.Delete);
    }

    private static bool IsWhole(string record)
    {
        var bytes = Bytes(record);
        if (bytes.Length < CursorCountOffset + 4 || BinaryPrimitives.ReadInt32LittleEndian(bytes) + 4 > bytes.Length)
        {
            return false;
        }

        if (SlotOf(record) is not { } slot)
        {
            return true;
        }

        var crc = new byte[4];
        using var file = File.OpenHandle(SlotPath(record), FileMode.Open, FileAccess.Read);
        RandomAccess.Read(file, crc, (slot * SlotBytes) + bytes.Length);
        return BitConverter.ToUInt32(crc) == Crc32.HashToUInt32(bytes);
    }

    private static long Number(string record) =>
        SlotOf(record) is null ? long.Parse(Path.GetFileName(record).Split('.')[1], CultureInfo.InvariantCulture) : Read(record, CommitNumberOffset);

    private static int? SlotOf(string record) =>
        record.LastIndexOf(SlotSeparator, StringComparison.Ordinal) is var at and > 0 ? int.Parse(record[(at + SlotSeparator.Length)..], CultureInfo.InvariantCulture) : null;

    private static string SlotPath(string record) => record[..record.LastIndexOf(SlotSeparator, StringComparison.Ordinal)];
}
