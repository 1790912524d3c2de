using System.Buffers.Binary;
using System.IO.Hashing;
using Microsoft.Win32.SafeHandles;

namespace Collector.Storage.Log;

/// <summary>
/// The log's commit records: one preallocated file, <c>commits/log-commits/commit-records</c>, of two fixed slots.
/// Record N goes to slot N % 2, so the other slot holds record N - 1: the newest two are always there, and a damaged
/// newest one has the one before it to fall back to (CommitRecovery).
/// <code>
///   slot k at k * 64 KiB:  int32 length L | L bytes: the record as FASTER serialises it (see CommitRecord) | uint32 CRC-32 of the 4 + L bytes before it
/// </code>
/// A slot of zeros holds no record (never written, or moved aside by recovery).
/// <para>
/// Why: a record per file cost a create, an O_SYNC write that allocates blocks and journals the new inode and
/// directory entry, a close and an unlink at every commit: a quarter of the collector's CPU at 50,000 events/s. Here a
/// commit is one O_SYNC write over blocks already allocated (the file is zero-filled when made, under a temporary
/// name and renamed into place, so it is never seen half made), on a handle kept open.
/// </para>
/// <para>
/// Invariants: a write returns only once the record is on the disk (O_SYNC); a record is read only if its CRC holds,
/// so a torn or damaged slot is never taken for a record; a record too large for its slot is refused, never cut.
/// </para>
/// </summary>
internal sealed class CommitRecordSlots : IDisposable
{
    public const string FileName = "commit-records";
    public const int SlotBytes = 64 * 1024;
    public const int Slots = 2;

    private readonly string _path;
    private SafeFileHandle? _file;

    public CommitRecordSlots(string recordDirectory) => _path = Path.Combine(recordDirectory, FileName);

    public static int SlotOf(long number) => (int)(number % Slots);

    public static long OffsetOf(int slot) => (long)slot * SlotBytes;

    /// <summary>Writes <paramref name="record"/> (<c>int32 length</c> and FASTER's metadata) into its slot and returns once it is on the disk.</summary>
    public void Write(long number, ReadOnlySpan<byte> record)
    {
        if (record.Length + sizeof(uint) > SlotBytes)
        {
            throw new IOException($"a commit record of {record.Length} bytes does not fit its {SlotBytes}-byte slot (too many cursors)");
        }

        var framed = new byte[record.Length + sizeof(uint)];
        record.CopyTo(framed);
        BinaryPrimitives.WriteUInt32LittleEndian(framed.AsSpan(record.Length), Crc32.HashToUInt32(record));
        RandomAccess.Write(_file ??= OpenOrMake(), framed, OffsetOf(SlotOf(number)));
    }

    /// <summary>
    /// The slots' contents in <paramref name="recordDirectory"/>: for each slot holding anything, its bytes (the record,
    /// without the CRC, when the CRC holds) and whether the CRC held. Empty when there is no slot file.
    /// </summary>
    public static List<(int Slot, byte[] Bytes, bool Whole)> Read(string recordDirectory)
    {
        var path = Path.Combine(recordDirectory, FileName);
        if (!File.Exists(path))
        {
            return [];
        }

        var file = File.ReadAllBytes(path);
        var found = new List<(int, byte[], bool)>();
        for (var slot = 0; slot < Slots; slot++)
        {
            var bytes = file.AsSpan((int)Math.Min(OffsetOf(slot), file.Length), (int)Math.Clamp(file.Length - OffsetOf(slot), 0, SlotBytes));
            if (!bytes.ContainsAnyExcept((byte)0))
            {
                continue;
            }

            var length = bytes.Length >= sizeof(int) ? BinaryPrimitives.ReadInt32LittleEndian(bytes) : -1;
            var whole = length >= 0 && sizeof(int) + length + sizeof(uint) <= bytes.Length
                && Crc32.HashToUInt32(bytes[..(sizeof(int) + length)]) == BinaryPrimitives.ReadUInt32LittleEndian(bytes[(sizeof(int) + length)..]);
            found.Add((slot, whole ? bytes[..(sizeof(int) + length)].ToArray() : bytes.ToArray(), whole));
        }

        return found;
    }

    /// <summary>Empties <paramref name="slot"/> (recovery moved its record aside), on the disk before it returns.</summary>
    public static void Clear(string recordDirectory, int slot)
    {
        using var file = File.OpenHandle(Path.Combine(recordDirectory, FileName), FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, FileOptions.WriteThrough);
        RandomAccess.Write(file, new byte[SlotBytes], OffsetOf(slot));
    }

    public void Dispose() => _file?.Dispose();

    private SafeFileHandle OpenOrMake()
    {
        if (!File.Exists(_path))
        {
            var making = _path + ".new";
            try
            {
                using (var fresh = File.OpenHandle(making, FileMode.Create, FileAccess.Write, FileShare.None, FileOptions.WriteThrough))
                {
                    RandomAccess.Write(fresh, new byte[SlotBytes * Slots], 0);
                }

                File.Move(making, _path);
            }
            catch (IOException)
            {
                // No room for it (a full disk): nothing half made is left; the commit fails and is tried again later.
                File.Delete(making);
                throw;
            }
        }

        return File.OpenHandle(_path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, FileOptions.WriteThrough);
    }
}
