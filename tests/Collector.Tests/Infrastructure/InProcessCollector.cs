using Collector.Host.Hosting;
using Collector.Protocol.Grpc.Client;
using Collector.Protocol.Telemetry;

namespace Collector.Tests.Infrastructure;

/// <summary>The real collector (Kestrel on loopback, FASTER on disk) inside the test process.</summary>
internal sealed class InProcessCollector : IAsyncDisposable
{
    private readonly List<GrpcClient> _clients = [];

    private InProcessCollector(CollectorApp app, string dataDir, int grpcPort, int httpPort)
    {
        App = app;
        DataDir = dataDir;
        GrpcUri = new Uri($"http://127.0.0.1:{grpcPort}");
        HttpUri = new Uri($"http://127.0.0.1:{httpPort}");
    }

    public CollectorApp App { get; }

    public string DataDir { get; }

    public Uri GrpcUri { get; }

    public Uri HttpUri { get; }

    public string GrpcTarget => $"127.0.0.1:{GrpcUri.Port}";

    public static async Task<InProcessCollector> StartAsync(string dataDir, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var grpcPort = FreePort.Next();
        var httpPort = FreePort.Next();
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Collector:GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
            ["Collector:HttpUrl"] = $"http://127.0.0.1:{httpPort}",
            ["Collector:DataDir"] = dataDir,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = await CollectorApp.CreateAsync(settings);
        await app.StartAsync();
        return new InProcessCollector(app, dataDir, new Uri(app.Options.GrpcUrl).Port, httpPort);
    }

    public CollectorClient CreateClient(bool gzip = false)
    {
        var grpc = new GrpcClient(new GrpcClientOptions { Address = GrpcUri, CompressRequests = gzip });
        _clients.Add(grpc);
        return new CollectorClient(grpc);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            client.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}
