using System.Diagnostics;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;

namespace Collector.Bench.Load;

/// <summary>The load through our own client: one <see cref="GrpcClient"/> per connection, its streams on it.</summary>
internal sealed class DotnetLoadDriver : ILoadDriver, IDisposable
{
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<GrpcClient> _connections = [];

    public DotnetLoadDriver(LoadOptions options, LoadPayload payload, LoadCounters counters)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.ApiKey is { } key)
        {
            headers["authorization"] = "Bearer " + key;
        }

        var streams = new List<LoadStream>();
        for (var c = 0; c < options.Connections; c++)
        {
            // Separate handlers mean separate connection pools, so each client holds its own HTTP/2 connection.
            var connection = new GrpcClient(new GrpcClientOptions { Address = options.Target, Headers = headers });
            _connections.Add(connection);
            var client = new CollectorClient(connection);
            for (var s = 0; s < options.Streams; s++)
            {
                var index = streams.Count;
                streams.Add(new LoadStream(client, options, payload, counters, index, ShareOf(options.Events, options.TotalStreams, index))
                {
                    Acks = options.ClickHouse is null ? null : [],
                });
            }
        }

        Streams = streams;
    }

    public IReadOnlyList<LoadStream> Streams { get; }

    public Task<long> Started => _started.Task;

    public async Task RunAsync()
    {
        var start = Stopwatch.GetTimestamp();
        _started.SetResult(start);
        await Task.WhenAll(Streams.Select(s => Task.Run(() => s.RunAsync(start))));
    }

    public void Dispose() => _connections.ForEach(c => c.Dispose());

    /// <summary>Stream <paramref name="index"/>'s part of <paramref name="total"/> events: the remainder goes to the first streams.</summary>
    private static long? ShareOf(long? total, int streams, int index) =>
        total is { } n ? (n / streams) + (index < n % streams ? 1 : 0) : null;
}
