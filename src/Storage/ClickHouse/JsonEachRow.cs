using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using System.Text.Json;

namespace Collector.Storage.ClickHouse;

/// <summary>
/// Reads a <c>FORMAT JSONEachRow</c> response: one JSON object per line, read from the stream as it arrives, so a
/// caller that handles each row in turn never holds the whole answer.
/// </summary>
internal static class JsonEachRow
{
    // A line that does not begin a JSON object is the error text a server appends after it has sent 200 and rows.
    private const int MaxErrorBytes = 4096;

    public static async Task<IReadOnlyList<JsonElement>> ReadAsync(HttpContent content, CancellationToken cancellationToken)
    {
        var rows = new List<JsonElement>();
        await ReadEachAsync(
            content,
            (row, _) =>
            {
                rows.Add(row.Clone());
                return ValueTask.CompletedTask;
            },
            cancellationToken);
        return rows;
    }

    /// <summary>Calls <paramref name="onRow"/> for each row in order; the element is valid only during the call.</summary>
    public static async Task<long> ReadEachAsync(HttpContent content, Func<JsonElement, CancellationToken, ValueTask> onRow, CancellationToken cancellationToken)
    {
        var reader = PipeReader.Create(await content.ReadAsStreamAsync(cancellationToken));
        long count = 0;
        try
        {
            while (true)
            {
                var read = await reader.ReadAsync(cancellationToken);
                var buffer = read.Buffer;
                while (buffer.PositionOf((byte)'\n') is { } end)
                {
                    var line = buffer.Slice(0, end);
                    if (!line.IsEmpty)
                    {
                        await RowAsync(line, buffer, reader, onRow, cancellationToken);
                        count++;
                    }

                    buffer = buffer.Slice(buffer.GetPosition(1, end));
                }

                if (read.IsCompleted)
                {
                    if (!buffer.IsEmpty)
                    {
                        await RowAsync(buffer, buffer, reader, onRow, cancellationToken);
                        count++;
                    }

                    return count;
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        finally
        {
            await reader.CompleteAsync();
        }
    }

    /// <param name="rest">The line and everything read after it: the error text when the line is not a row.</param>
    private static async ValueTask RowAsync(ReadOnlySequence<byte> line, ReadOnlySequence<byte> rest, PipeReader reader, Func<JsonElement, CancellationToken, ValueTask> onRow, CancellationToken cancellationToken)
    {
        if (FirstByte(line) != (byte)'{')
        {
            throw ClickHouseException.FromResponse((int)HttpStatusCode.OK, codeHeader: null, await ErrorTextAsync(rest, reader, cancellationToken));
        }

        using var row = JsonDocument.Parse(line);
        await onRow(row.RootElement, cancellationToken);
    }

    private static async Task<string> ErrorTextAsync(ReadOnlySequence<byte> rest, PipeReader reader, CancellationToken cancellationToken)
    {
        // The server's text follows in the same response; read on until it ends or is long enough to name the failure.
        var text = rest;
        while (text.Length < MaxErrorBytes)
        {
            reader.AdvanceTo(text.Start, text.End);
            var more = await reader.ReadAsync(cancellationToken);
            text = more.Buffer;
            if (more.IsCompleted)
            {
                break;
            }
        }

        return Encoding.UTF8.GetString(text.Length > MaxErrorBytes ? text.Slice(0, MaxErrorBytes) : text);
    }

    private static byte FirstByte(ReadOnlySequence<byte> line)
    {
        foreach (var segment in line)
        {
            if (!segment.IsEmpty)
            {
                return segment.Span[0];
            }
        }

        return 0;
    }
}
