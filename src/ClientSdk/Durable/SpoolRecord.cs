using System.Buffers.Binary;
using System.Numerics;

namespace Collector.ClientSdk.Durable;

/// <summary>What a spool record holds.</summary>
internal enum SpoolRecordKind : byte
{
    /// <summary>One numbered batch: event count (u32), first sequence (u64), then the EventBatch bytes exactly as sent.</summary>
    Batch = 1,

    /// <summary>How far the collector has acknowledged: the position (segment u64, offset u64) where the last acknowledged batch record ends.</summary>
    Acknowledged = 2,
}

/// <summary>What reading the record at an offset found.</summary>
internal enum SpoolRecordStatus
{
    Valid,

    /// <summary>The file ends inside the record (a write cut short by a kill or a power loss).</summary>
    Torn,

    /// <summary>A length no record has, a checksum that does not match, or an unknown kind.</summary>
    Damaged,
}

/// <summary>
/// One spool record, little-endian: length (u32, of kind and payload), CRC-32C (u32, over the length field, the kind and
/// the payload), kind (u8), payload. A record counts only whole and with its checksum, so a torn tail or garbage reads as
/// the end of the valid records, never as data.
/// </summary>
internal static class SpoolRecord
{
    /// <summary>Length, checksum and kind.</summary>
    public const int HeaderBytes = 9;

    /// <summary>A batch record's payload before its EventBatch: event count (u32) and first sequence (u64).</summary>
    public const int BatchMetaBytes = 12;

    /// <summary>The whole size of an Acknowledged record.</summary>
    public const int AcknowledgedBytes = HeaderBytes + 16;

    /// <summary>The longest kind and payload a record may have (a batch is at most a few MiB); a longer length is damage.</summary>
    public const int MaxBodyBytes = 16 * 1024 * 1024;

    /// <summary>Where a batch record's EventBatch starts.</summary>
    public const int BatchMessageOffset = HeaderBytes + BatchMetaBytes;

    /// <summary>The length field's kind-and-payload size, or -1 when no record is that long.</summary>
    public static int BodyLength(ReadOnlySpan<byte> header)
    {
        var length = BinaryPrimitives.ReadUInt32LittleEndian(header);
        return length is >= 1 and <= MaxBodyBytes ? (int)length : -1;
    }

    /// <summary>Fills in the length and checksum of <paramref name="record"/>, whose kind and payload are written.</summary>
    public static void Seal(Span<byte> record)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(record, (uint)(record.Length - 8));
        BinaryPrimitives.WriteUInt32LittleEndian(record[4..], Checksum(record));
    }

    /// <summary>Checks a whole record: checksum, a known kind, and a payload of that kind's shape.</summary>
    public static bool IsValid(ReadOnlySpan<byte> record, out SpoolRecordKind kind)
    {
        kind = (SpoolRecordKind)record[8];
        if (BinaryPrimitives.ReadUInt32LittleEndian(record[4..]) != Checksum(record))
        {
            return false;
        }

        return kind switch
        {
            SpoolRecordKind.Batch => record.Length > BatchMessageOffset && BatchCount(record) > 0,
            SpoolRecordKind.Acknowledged => record.Length == AcknowledgedBytes,
            _ => false,
        };
    }

    /// <summary>Writes a whole Acknowledged record for <paramref name="through"/>; returns its size.</summary>
    public static int WriteAcknowledged(Span<byte> destination, SpoolPosition through)
    {
        var record = destination[..AcknowledgedBytes];
        record[8] = (byte)SpoolRecordKind.Acknowledged;
        BinaryPrimitives.WriteInt64LittleEndian(record[HeaderBytes..], through.Segment);
        BinaryPrimitives.WriteInt64LittleEndian(record[(HeaderBytes + 8)..], through.Offset);
        Seal(record);
        return AcknowledgedBytes;
    }

    /// <summary>Writes a batch record's kind and meta in front of its EventBatch (already at <see cref="BatchMessageOffset"/>) and seals it.</summary>
    public static void SealBatch(Span<byte> record, int count, ulong firstSequence)
    {
        record[8] = (byte)SpoolRecordKind.Batch;
        BinaryPrimitives.WriteUInt32LittleEndian(record[HeaderBytes..], (uint)count);
        BinaryPrimitives.WriteUInt64LittleEndian(record[(HeaderBytes + 4)..], firstSequence);
        Seal(record);
    }

    public static SpoolPosition AcknowledgedThrough(ReadOnlySpan<byte> record) =>
        new(BinaryPrimitives.ReadInt64LittleEndian(record[HeaderBytes..]), BinaryPrimitives.ReadInt64LittleEndian(record[(HeaderBytes + 8)..]));

    public static int BatchCount(ReadOnlySpan<byte> record) => (int)Math.Min(int.MaxValue, BinaryPrimitives.ReadUInt32LittleEndian(record[HeaderBytes..]));

    public static ulong BatchFirstSequence(ReadOnlySpan<byte> record) => BinaryPrimitives.ReadUInt64LittleEndian(record[(HeaderBytes + 4)..]);

    private static uint Checksum(ReadOnlySpan<byte> record) => ~Crc32C(Crc32C(uint.MaxValue, record[..4]), record[8..]);

    private static uint Crc32C(uint crc, ReadOnlySpan<byte> data)
    {
        // BitOperations uses the CPU's CRC-32C instruction where there is one.
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (var b in data)
        {
            crc = BitOperations.Crc32C(crc, b);
        }

        return crc;
    }
}
