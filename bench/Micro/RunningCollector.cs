using System.Net;
using System.Net.Sockets;
using System.Text;
using Collector.Host.Hosting;
using Collector.Protocol.Telemetry.V1;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Bench.Micro;

/// <summary>
/// A whole collector in this process (Kestrel on loopback, the durable log in a temp directory) in the core and edge
/// profiles at once, so every instrument exists: its ClickHouse and upstream are loopback ports where nothing listens,
/// so the batcher and the forwarder fail and count their failures as they would during an outage.
/// </summary>
internal sealed class RunningCollector : IAsyncDisposable
{
    // Stream with the request bytes sent as they are: a way to send what is no EventBatch at all.
    private static readonly Method<byte[], Ack> RawStream = new(
        MethodType.DuplexStreaming,
        "telemetry.v1.Collector",
        "Stream",
        Marshallers.Create(static (byte[] bytes) => bytes, static bytes => bytes),
        Marshallers.Create(static (Ack ack) => ack.ToByteArray(), Ack.Parser.ParseFrom));

    private readonly string _directory;
    private readonly int _grpcPort;
    private readonly int _httpPort;

    private RunningCollector(CollectorApp app, string directory, int grpcPort, int httpPort)
    {
        App = app;
        _directory = directory;
        _grpcPort = grpcPort;
        _httpPort = httpPort;
    }

    public CollectorApp App { get; }

    public static async Task<RunningCollector> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), $"collector-bench-{Guid.NewGuid():N}");
        var (grpcPort, httpPort) = (FreePort(), FreePort());
        var app = await CollectorApp.CreateAsync(new Dictionary<string, string?>(StringComparer.Ordinal)
        {
            ["Collector:GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
            ["Collector:HttpUrl"] = $"http://127.0.0.1:{httpPort}",
            ["Collector:DataDir"] = directory,
            ["Collector:ClickHouseUrl"] = $"http://127.0.0.1:{FreePort()}",
            ["Collector:UpstreamUrl"] = $"http://127.0.0.1:{FreePort()}",

            // Failures are expected here; logging them would only add noise to the measurement.
            ["Logging:LogLevel:Default"] = "None",
        });
        await app.StartAsync();
        return new RunningCollector(app, directory, grpcPort, httpPort);
    }

    /// <summary>
    /// Traffic that gives the request and ingest instruments series of several labels: Send and Stream calls, accepted,
    /// duplicate and rejected events, a call refused INVALID_ARGUMENT, and HTTP requests answered 200, 404 and 415.
    /// </summary>
    public async Task DriveTrafficAsync()
    {
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpcPort}");
        var client = new TelemetryCollector.CollectorClient(channel);
        ulong sequence = 1;
        for (var i = 0; i < 5; i++)
        {
            await client.SendAsync(Batch(ref sequence, 10));
        }

        var duplicate = Batch(ref sequence, 10);
        await client.SendAsync(duplicate);
        await client.SendAsync(duplicate);

        var withInvalid = Batch(ref sequence, 10);
        withInvalid.Events[0].EventType = string.Empty;
        await client.SendAsync(withInvalid);

        using (var stream = client.Stream())
        {
            for (var i = 0; i < 20; i++)
            {
                await stream.RequestStream.WriteAsync(Batch(ref sequence, 100));
                _ = await stream.ResponseStream.MoveNext(CancellationToken.None);
            }

            await stream.RequestStream.CompleteAsync();
            _ = await stream.ResponseStream.MoveNext(CancellationToken.None);
        }

        using (var refused = channel.CreateCallInvoker().AsyncDuplexStreamingCall(RawStream, null, default))
        {
            // Not an EventBatch (a field tag of 0): the whole call ends INVALID_ARGUMENT.
            await refused.RequestStream.WriteAsync([0x00, 0x01]);
            await refused.RequestStream.CompleteAsync();
            try
            {
                _ = await refused.ResponseStream.MoveNext(CancellationToken.None);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
            }
        }

        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}") };
        foreach (var path in new[] { "/healthcheck", "/metrics", "/telemetry/status", "/no-such-page" })
        {
            using var _ = await http.GetAsync(new Uri(path, UriKind.Relative));
        }

        using var text = new StringContent("hello", Encoding.UTF8, "text/plain");
        using var unsupported = await http.PostAsync(new Uri("/v1/logs", UriKind.Relative), text);
    }

    public async ValueTask DisposeAsync()
    {
        await App.StopAsync();
        await App.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static EventBatch Batch(ref ulong sequence, int events)
    {
        var batch = new EventBatch { SourceId = SampleBatches.SourceId, FirstSequence = sequence };
        for (var i = 0; i < events; i++)
        {
            batch.Events.Add(SampleBatches.Event(i));
        }

        sequence += (ulong)events;
        return batch;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
