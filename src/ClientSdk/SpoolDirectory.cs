using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;

namespace Collector.ClientSdk;

/// <summary>
/// Keeps what a closing client could not deliver, so the service's next start sends it first. A file holds
/// numbered batches exactly as they were (or would have been) sent, so the collector's dedup still makes them
/// exactly once. Files are written whole (temporary name, then renamed) and deleted once every batch in them is
/// acknowledged.
/// </summary>
internal sealed class SpoolDirectory(string path)
{
    private const string Extension = ".spool";

    /// <summary>Reads every spool file, oldest first; a file that does not read back whole is set aside, not lost.</summary>
    public List<(string File, List<EventBatch> Batches)> Load()
    {
        var loaded = new List<(string, List<EventBatch>)>();
        if (!Directory.Exists(path))
        {
            return loaded;
        }

        foreach (var file in Directory.GetFiles(path, "*" + Extension).Order(StringComparer.Ordinal))
        {
            try
            {
                using var stream = File.OpenRead(file);
                var batches = new List<EventBatch>();
                while (stream.Position < stream.Length)
                {
                    batches.Add(EventBatch.Parser.ParseDelimitedFrom(stream));
                }

                loaded.Add((file, batches));
            }
            catch (Exception ex) when (ex is IOException or Google.Protobuf.InvalidProtocolBufferException)
            {
                File.Move(file, file + ".unreadable", overwrite: true);
            }
        }

        return loaded;
    }

    /// <summary>Writes <paramref name="batches"/> to a new spool file; returns its path.</summary>
    public string Write(IReadOnlyList<ReadOnlyMemory<byte>> batches)
    {
        Directory.CreateDirectory(path);
        var file = Path.Combine(path, $"{DateTime.UtcNow:yyyyMMddHHmmssfffffff}-{Environment.ProcessId}{Extension}");
        var temporary = file + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            // Length-delimited encoded EventBatches, as EventBatch.Parser.ParseDelimitedFrom reads them back.
            Span<byte> length = stackalloc byte[10];
            foreach (var batch in batches)
            {
                stream.Write(length[..Collector.Protocol.Wire.ProtoWire.WriteVarint(length, (ulong)batch.Length)]);
                stream.Write(batch.Span);
            }

            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, file, overwrite: true);
        return file;
    }

    public static void Delete(string file)
    {
        try
        {
            File.Delete(file);
        }
        catch (IOException)
        {
            // Left behind: its batches are resent at the next start and the collector drops them as duplicates.
        }
    }
}
