using Collector.ClientSdk.Durable;

namespace Collector.Tests.ClientSdk;

/// <summary>The durable spool's record format, byte by byte: nothing but a whole record with its checksum reads as one.</summary>
public sealed class SpoolRecordTests
{
    [Fact]
    public void IsValid_EveryByteOfAnAcknowledgedRecordFlipped_Refused()
    {
        var record = new byte[SpoolRecord.AcknowledgedBytes];
        SpoolRecord.WriteAcknowledged(record, new SpoolPosition(7, 123_456));
        Assert.True(SpoolRecord.IsValid(record, out var kind));
        Assert.Equal(SpoolRecordKind.Acknowledged, kind);
        Assert.Equal(new SpoolPosition(7, 123_456), SpoolRecord.AcknowledgedThrough(record));

        for (var i = 0; i < record.Length; i++)
        {
            for (var bit = 0; bit < 8; bit++)
            {
                var damaged = (byte[])record.Clone();
                damaged[i] ^= (byte)(1 << bit);
                Assert.False(SpoolRecord.IsValid(damaged, out _), $"byte {i} bit {bit} flipped still reads as a record");
            }
        }
    }

    [Fact]
    public void SealBatch_ThenTruncatedOrExtended_OnlyTheWholeRecordIsValid()
    {
        // Header (length, CRC, kind), count and first sequence, then three bytes standing for an EventBatch.
        var record = new byte[SpoolRecord.BatchMessageOffset + 3];
        record[^3] = 0x0A;
        record[^2] = 0x01;
        record[^1] = 0x61;
        SpoolRecord.SealBatch(record, count: 1, firstSequence: 1_750_000_000_000_000);
        Assert.True(SpoolRecord.IsValid(record, out var kind));
        Assert.Equal((SpoolRecordKind.Batch, 1, 1_750_000_000_000_000ul), (kind, SpoolRecord.BatchCount(record), SpoolRecord.BatchFirstSequence(record)));
        Assert.Equal(record.Length - 8, SpoolRecord.BodyLength(record));

        for (var length = SpoolRecord.HeaderBytes; length < record.Length; length++)
        {
            Assert.False(SpoolRecord.IsValid(record.AsSpan(0, length), out _), $"the first {length} bytes read as a record");
        }

        Assert.False(SpoolRecord.IsValid([.. record, 0], out _));
    }

    [Theory]
    [InlineData(new byte[] { 0x00, 0x00, 0x00, 0x00 })] // length 0: not even a kind
    [InlineData(new byte[] { 0x01, 0x00, 0x00, 0x01 })] // 16 MiB + 1: longer than any record
    [InlineData(new byte[] { 0xFF, 0xFF, 0xFF, 0xFF })] // 4 GiB: garbage
    public void BodyLength_NoRecordIsThatLong_MinusOne(byte[] lengthField) =>
        Assert.Equal(-1, SpoolRecord.BodyLength(lengthField));
}
