using Collector.Host.Hosting;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Infrastructure;

/// <summary>The real collector (Kestrel on loopback, FASTER on disk) inside the test process.</summary>
internal sealed class InProcessCollector : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

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

            // An in-process collector's resident memory is the whole test host's (every other in-process collector,
            // client and ledger of a parallel test in it), which reached gigabytes in the full torture run. The memory
            // limit is tested on collector processes of their own (MemoryLimitTests); a test may still set one.
            ["Collector:MemoryLimitBytes"] = (1L << 40).ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }

        var app = await CollectorApp.CreateAsync(settings);
        await app.StartAsync();
        return new InProcessCollector(app, dataDir, new Uri(app.Options.GrpcUrl).Port, httpPort);
    }

    /// <summary>The generated client on a channel of its own, closed with the collector.</summary>
    public TelemetryCollector.CollectorClient CreateClient(bool gzip = false) => new(CreateCallInvoker(gzip));

    /// <summary>
    /// Calls on a channel of its own (for methods the generated client does not have), closed with the collector;
    /// with <paramref name="gzip"/> every call compresses its messages.
    /// </summary>
    public CallInvoker CreateCallInvoker(bool gzip = false)
    {
        var channel = GrpcChannel.ForAddress(GrpcUri);
        _channels.Add(channel);
        var invoker = channel.CreateCallInvoker();

        // grpc-dotnet's switch for compressing a call's messages; it sends grpc-encoding: gzip in its place.
        return gzip ? invoker.Intercept(headers => { headers.Add("grpc-internal-encoding-request", "gzip"); return headers; }) : invoker;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        await App.StopAsync();
        await App.DisposeAsync();
    }
}
