using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Rows ClickHouse refused as invalid, kept on local disk with the reason (one JSON object a line in
/// &lt;data-dir&gt;/dead-letters/clickhouse-YYYYMMDD.jsonl), so they block nothing and are not lost. Each names its
/// place in the log (log_id, log_address) as the row would have in ClickHouse, and the table it was for.
/// </summary>
public sealed class DeadLetterFile(string dataDirectory, TimeProvider time)
{
    public string Directory { get; } = Path.Combine(dataDirectory, "dead-letters");

    public void Write(string table, string logId, long logAddress, string reason, ReadOnlySpan<byte> rowBinary)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var now = time.GetUtcNow();
        var path = Path.Combine(Directory, $"clickhouse-{now.ToString("yyyyMMdd", CultureInfo.InvariantCulture)}.jsonl");
        var line = JsonSerializer.Serialize(new
        {
            time = now.ToString("O", CultureInfo.InvariantCulture),
            table,
            log_id = logId,
            log_address = logAddress,
            reason,
            row_binary_base64 = Convert.ToBase64String(rowBinary),
        });
        using var file = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read);
        file.Write(Encoding.UTF8.GetBytes(line + "\n"));
        file.Flush(flushToDisk: true);
    }
}
