namespace Collector.Tests.Infrastructure;

internal sealed partial class CollectorProcess
{
    /// <summary>
    /// A core collector process storing into <paramref name="database"/> (a new one when null) on
    /// <paramref name="clickHouse"/>, inserts sent after 100 ms of waiting so tests see rows quickly, and, given one,
    /// forwarding to <paramref name="upstream"/>.
    /// </summary>
    public static Task<CollectorProcess> StartCoreAsync(string dataDir, ClickHouseServer clickHouse, CollectorProcess? upstream = null, string? database = null)
    {
        string[] args =
        [
            "--clickhouse-url", clickHouse.Url.ToString(),
            "--clickhouse-database", database ?? $"t_{Guid.NewGuid():N}",
            "--clickhouse-batch-delay-ms", "100",
        ];
        return StartAsync(dataDir, upstream is null ? args : [.. args, "--upstream-url", upstream.GrpcUri.ToString()]);
    }
}
