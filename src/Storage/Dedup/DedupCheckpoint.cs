using System.Buffers.Binary;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Collector.Storage.Dedup;

/// <summary>
/// The per-source committed watermarks as of a committed log address, in &lt;data-dir&gt;/dedup.ckpt. Written to a
/// temporary file, flushed to disk and renamed over the old one, so a crash leaves the old or the new, never half.
///
/// Format (little-endian): "CDC1", int64 log address, int32 count, count × (uint16 length, UTF-8 source id,
/// uint64 watermark), then "END1".
/// </summary>
public sealed class DedupCheckpoint(string dataDirectory)
{
    private static readonly byte[] Magic = "CDC1"u8.ToArray();
    private static readonly byte[] Trailer = "END1"u8.ToArray();

    public string Path { get; } = System.IO.Path.Combine(dataDirectory, "dedup.ckpt");

    public void Write(long logAddress, IReadOnlyList<KeyValuePair<string, ulong>> watermarks)
    {
        var temporary = Path + ".tmp";
        using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 64 * 1024))
        using (var writer = new BinaryWriter(file, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(Magic);
            writer.Write(logAddress);
            writer.Write(watermarks.Count);
            foreach (var (sourceId, watermark) in watermarks)
            {
                var bytes = Encoding.UTF8.GetBytes(sourceId);
                writer.Write((ushort)bytes.Length);
                writer.Write(bytes);
                writer.Write(watermark);
            }

            writer.Write(Trailer);
            writer.Flush();
            file.Flush(flushToDisk: true);
        }

        File.Move(temporary, Path, overwrite: true);
    }

    /// <summary>The checkpoint's address and watermarks; address 0 and none when there is no usable checkpoint.</summary>
    public (long Address, IReadOnlyList<KeyValuePair<string, ulong>> Watermarks) Load(ILogger logger)
    {
        if (!File.Exists(Path))
        {
            return (0, []);
        }

        try
        {
            var bytes = File.ReadAllBytes(Path).AsSpan();
            if (!bytes.StartsWith(Magic) || !bytes.EndsWith(Trailer))
            {
                throw new InvalidDataException("checkpoint header or trailer missing");
            }

            var position = Magic.Length;
            var address = BinaryPrimitives.ReadInt64LittleEndian(bytes[position..]);
            position += 8;
            var count = BinaryPrimitives.ReadInt32LittleEndian(bytes[position..]);
            position += 4;
            var watermarks = new List<KeyValuePair<string, ulong>>(count);
            for (var i = 0; i < count; i++)
            {
                int length = BinaryPrimitives.ReadUInt16LittleEndian(bytes[position..]);
                position += 2;
                var sourceId = Encoding.UTF8.GetString(bytes.Slice(position, length));
                position += length;
                watermarks.Add(new(sourceId, BinaryPrimitives.ReadUInt64LittleEndian(bytes[position..])));
                position += 8;
            }

            if (position != bytes.Length - Trailer.Length)
            {
                throw new InvalidDataException("checkpoint length does not match its count");
            }

            return (address, watermarks);
        }
        catch (Exception ex) when (ex is InvalidDataException or ArgumentOutOfRangeException or IOException)
        {
            StorageLog.CheckpointUnreadable(logger, Path, ex);
            return (0, []);
        }
    }
}
