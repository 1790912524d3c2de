using System.Net;
using System.Text;
using System.Text.Json;

namespace Collector.Storage.ClickHouse;

/// <summary>Reads a <c>FORMAT JSONEachRow</c> response: one JSON object per line.</summary>
internal static class JsonEachRow
{
    public static async Task<IReadOnlyList<JsonElement>> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var body = await content.ReadAsByteArrayAsync(cancellationToken);
        var rows = new List<JsonElement>();
        ReadOnlyMemory<byte> rest = body;
        while (!rest.IsEmpty)
        {
            var end = rest.Span.IndexOf((byte)'\n');
            var line = end < 0 ? rest : rest[..end];
            if (!line.IsEmpty && line.Span[0] != (byte)'{')
            {
                // The server failed after it had sent 200 and some rows: it appends the error text to the body.
                throw ClickHouseException.FromResponse((int)HttpStatusCode.OK, codeHeader: null, Encoding.UTF8.GetString(rest.Span));
            }

            if (!line.IsEmpty)
            {
                using var row = JsonDocument.Parse(line);
                rows.Add(row.RootElement.Clone());
            }

            rest = end < 0 ? ReadOnlyMemory<byte>.Empty : rest[(end + 1)..];
        }

        return rows;
    }
}
