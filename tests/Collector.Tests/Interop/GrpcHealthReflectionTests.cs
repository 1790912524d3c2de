using System.Net;
using Collector.Tests.Infrastructure;
using Grpc.Core;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Interop;

/// <summary>
/// grpc.health.v1.Health and server reflection (v1 and v1alpha), asked by Debian's grpcio as grpc_health_probe and
/// grpcurl would: health follows the durable log (NOT_SERVING while a full disk keeps it from taking entries) and
/// needs no key; reflection lists every service of the gRPC url and needs a key once keys are configured; neither
/// answers on the HTTP url. A gzip message to them inflates only up to the receive limit.
/// </summary>
public sealed class GrpcHealthReflectionTests : IDisposable
{
    private static readonly string[] Services =
    [
        "telemetry.v1.Collector",
        "opentelemetry.proto.collector.logs.v1.LogsService",
        "opentelemetry.proto.collector.metrics.v1.MetricsService",
        "opentelemetry.proto.collector.trace.v1.TraceService",
        "grpc.health.v1.Health",
        "grpc.reflection.v1.ServerReflection",
        "grpc.reflection.v1alpha.ServerReflection",
    ];

    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task NoKeys_HealthServing_ReflectionListsEveryService_NotOnTheHttpUrl()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);
        var health = await PythonPeer.RunClientAsync("client-health", "--target", Target(collector), "--timeout", "10");
        Assert.Equal("OK", health.GetProperty("code").GetString());
        Assert.Equal("SERVING", health.GetProperty("status").GetString());

        foreach (var version in new[] { "v1", "v1alpha" })
        {
            var reflection = await PythonPeer.RunClientAsync("client-reflection", "--target", Target(collector), "--version", version, "--timeout", "10");
            Assert.Equal("OK", reflection.GetProperty("code").GetString());
            Assert.Equal(Services, reflection.GetProperty("services").EnumerateArray().Select(s => s.GetString()!).ToArray());
        }

        // The public health service takes gzip: 64 MiB of zeros (about 64 KiB on the wire) stop inflating at the limit.
        var bomb = await PythonPeer.RunClientAsync("client-raw", "--target", Target(collector), "--method", "/grpc.health.v1.Health/Check", "--case", "zeros-64m", "--gzip", "--timeout", "30");
        Assert.Equal("RESOURCE_EXHAUSTED", bomb.GetProperty("code").GetString());
        Assert.Contains("decompressed message exceeds the maximum receive size", bomb.GetProperty("details").GetString(), StringComparison.Ordinal);

        using var http = new HttpClient();
        using var onHttpUrl = await http.PostAsync(new Uri(collector.HttpUri, "/grpc.health.v1.Health/Check"), new ByteArrayContent([]));
        Assert.Equal(HttpStatusCode.NotFound, onHttpUrl.StatusCode);
    }

    [Fact]
    public async Task WithKeys_HealthNeedsNone_ReflectionNeedsOne()
    {
        const string Key = "health-reflection-test-key-0123456789";
        using var collector = await CollectorProcess.StartAsync(
            _data.Path,
            new Dictionary<string, string>
            {
                ["Collector__ApiKeys__0__Name"] = "ingester",
                ["Collector__ApiKeys__0__Role"] = "ingest",
                ["Collector__ApiKeys__0__Key"] = Key,
            });

        var health = await PythonPeer.RunClientAsync("client-health", "--target", Target(collector), "--timeout", "10");
        Assert.Equal("SERVING", health.GetProperty("status").GetString());

        var refused = await PythonPeer.RunClientAsync("client-reflection", "--target", Target(collector), "--timeout", "10");
        Assert.Equal("UNAUTHENTICATED", refused.GetProperty("code").GetString());

        var listed = await PythonPeer.RunClientAsync("client-reflection", "--target", Target(collector), "--api-key", Key, "--timeout", "10");
        Assert.Equal("OK", listed.GetProperty("code").GetString());
        Assert.Contains("telemetry.v1.Collector", listed.GetProperty("services").EnumerateArray().Select(s => s.GetString()));
    }

    [Fact]
    public async Task DiskFull_NotServingWithTheLog_ServingOnceItTakesEntriesAgain()
    {
        using var disk = new LoopMountedDisk();
        using var collector = await CollectorProcess.StartAsync(Path.Combine(disk.Path, "data"));
        using var channel = GrpcChannel.ForAddress(collector.GrpcUri);
        var client = new TelemetryCollector.CollectorClient(channel);
        await client.SendAsync(Events.Batch("health", 1, 100));

        disk.Fill();
        var refused = await Assert.ThrowsAsync<RpcException>(() => client.SendAsync(Events.Batch("health", 101, 100)).ResponseAsync);
        Assert.Equal(StatusCode.Unavailable, refused.StatusCode);
        var full = await PythonPeer.RunClientAsync("client-health", "--target", Target(collector), "--timeout", "10");
        Assert.Equal("NOT_SERVING", full.GetProperty("status").GetString());

        disk.Free();
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(15);
        string? status;
        do
        {
            await Task.Delay(200);
            status = (await PythonPeer.RunClientAsync("client-health", "--target", Target(collector), "--timeout", "10")).GetProperty("status").GetString();
        }
        while (status != "SERVING" && DateTime.UtcNow < deadline);

        Assert.Equal("SERVING", status);
        Assert.Equal(200UL, (await client.SendAsync(Events.Batch("health", 101, 100))).DurableThrough);
    }

    private static string Target(CollectorProcess collector) => $"127.0.0.1:{collector.GrpcUri.Port}";
}
