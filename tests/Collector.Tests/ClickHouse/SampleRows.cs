using System.Text;
using System.Text.Json;

namespace Collector.Tests.ClickHouse;

/// <summary>A table with one column of each type the collector inserts, and its rows in RowBinary written by hand.</summary>
internal static class SampleRows
{
    public const string CreateTable = "CREATE TABLE samples (s String, n UInt64, f Float64, t DateTime, tags Array(String)) ENGINE = MergeTree ORDER BY n";

    public static readonly string[] Columns = ["s", "n", "f", "t", "tags"];

    /// <summary>RowBinary: BinaryWriter's strings are exactly ClickHouse's (LEB128 length, then UTF-8 bytes).</summary>
    public static byte[] Encode(params (string S, ulong N, double F, uint T, string[] Tags)[] rows)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true))
        {
            foreach (var (s, n, f, t, tags) in rows)
            {
                writer.Write(s); // String
                writer.Write(n); // UInt64, little-endian
                writer.Write(f); // Float64, little-endian
                writer.Write(t); // DateTime: UInt32 unix seconds, little-endian
                writer.Write7BitEncodedInt(tags.Length); // Array(String): LEB128 count, then the elements
                foreach (var tag in tags)
                {
                    writer.Write(tag);
                }
            }
        }

        return stream.ToArray();
    }

    public static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();
}
