using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;

namespace Collector.Bench.Load;

/// <summary>
/// The load through grpc-dotnet: one <see cref="GrpcChannel"/> per connection, each with its own
/// <see cref="SocketsHttpHandler"/> (its own connection pool, so the connections really are separate), its streams
/// on it.
/// </summary>
internal sealed class DotnetLoadDriver : ILoadDriver, IDisposable
{
    private readonly TaskCompletionSource<long> _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<GrpcChannel> _connections = [];

    public DotnetLoadDriver(LoadOptions options, LoadPayload payload, LoadCounters counters)
    {
        var headers = options.ApiKey is { } key ? new Metadata { { "authorization", "Bearer " + key } } : null;
        var streams = new List<LoadStream>();
        for (var c = 0; c < options.Connections; c++)
        {
            var connection = GrpcChannel.ForAddress(options.Target, new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler
                {
                    // More than the server's streams per connection open a second connection rather than wait.
                    EnableMultipleHttp2Connections = true,
                    PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
                    UseProxy = false,
                },
            });
            _connections.Add(connection);
            var calls = connection.CreateCallInvoker();
            for (var s = 0; s < options.Streams; s++)
            {
                var index = streams.Count;
                streams.Add(new LoadStream(calls, headers, options, payload, counters, index, ShareOf(options.Events, options.TotalStreams, index))
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
