using System.Diagnostics;
using System.IO.Compression;
using System.Net.Http.Headers;
using Collector.Storage.ClickHouse;
using Collector.Tests.Infrastructure;

namespace Collector.Tests.Torture;

/// <summary>
/// ClickHouse's own insert rate on this machine, in this run, as the yardstick of a batcher's catch-up: rows of the
/// run's events table, taken out as RowBinary and sent straight back over HTTP (gzip'd, as the batcher sends them)
/// into a scratch database with the same schema (the rollup views included), one insert after another with as many
/// rows per insert as the batcher used. No collector code on the way in: a plain HTTP POST, timed.
/// </summary>
internal static class ClickHouseInsertRate
{
    /// <summary>Rows per second of <paramref name="rows"/> rows (rounded up to whole inserts) in inserts of <paramref name="rowsPerInsert"/>.</summary>
    public static async Task<double> MeasureAsync(ClickHouseServer server, string database, long rows, int rowsPerInsert)
    {
        rowsPerInsert = Math.Max(1, rowsPerInsert);
        var scratch = $"{database}_direct";
        using (var setup = server.CreateClient(scratch))
        {
            await new ClickHouseSchema(setup, scratch).EnsureAsync(CancellationToken.None);
        }

        try
        {
            using var http = new HttpClient { BaseAddress = server.Url, Timeout = TimeSpan.FromMinutes(5) };
            var columns = string.Join(", ", EventsTable.Columns);
            using var export = await http.PostAsync(
                $"?database={database}",
                new StringContent($"SELECT {columns} FROM events LIMIT {rowsPerInsert} FORMAT RowBinary"));
            export.EnsureSuccessStatusCode();
            var body = Gzip(await export.Content.ReadAsByteArrayAsync());
            var insert = Uri.EscapeDataString($"INSERT INTO {scratch}.events ({columns}) FORMAT RowBinary");
            var inserts = (int)Math.Max(1, (rows + rowsPerInsert - 1) / rowsPerInsert);
            var timed = Stopwatch.StartNew();
            for (var i = 0; i < inserts; i++)
            {
                using var content = new ByteArrayContent(body);
                content.Headers.ContentEncoding.Add("gzip");
                content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                using var response = await http.PostAsync($"?query={insert}", content);
                Assert.True(response.IsSuccessStatusCode, $"direct insert failed: {await response.Content.ReadAsStringAsync()}");
            }

            var elapsed = timed.Elapsed;
            return await ClickHouseOracle.CountAsync(server, scratch) / elapsed.TotalSeconds;
        }
        finally
        {
            using var cleanup = server.CreateClient(scratch);
            await cleanup.ExecuteAsync($"DROP DATABASE IF EXISTS {scratch}", useDatabase: false);
        }
    }

    private static byte[] Gzip(byte[] raw)
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.Fastest))
        {
            gzip.Write(raw);
        }

        return compressed.ToArray();
    }
}
