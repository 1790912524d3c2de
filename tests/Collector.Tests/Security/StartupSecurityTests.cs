using Collector.Tests.Infrastructure;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Security;

/// <summary>Start-up refusals of insecure or invalid security settings, and an edge that forwards with an ingest key.</summary>
public sealed class StartupSecurityTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task NoKeys_WildcardGrpcUrl_ExitCode2NamingTheKey()
    {
        var (exitCode, output) = await CollectorProcess.RunToExitAsync(
            new Dictionary<string, string>(),
            "--grpc-url", $"http://0.0.0.0:{FreePort.Next()}", "--http-url", $"http://127.0.0.1:{FreePort.Next()}", "--data-dir", _data.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains("configuration error: Collector:GrpcUrl listens on '0.0.0.0', but no API keys are configured", output, StringComparison.Ordinal);
        Assert.Contains("Collector:ApiKeys", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadKeysFile_ExitCode2NamingFileAndLine_KeyNeverPrinted()
    {
        var secret = $"secret-{Guid.NewGuid():N}";
        var keysFile = Path.Combine(_data.Path, "bad.keys");
        await File.WriteAllTextAsync(keysFile, $"# keys\nwriter ingset {secret}\n");

        var (exitCode, output) = await CollectorProcess.RunToExitAsync(
            new Dictionary<string, string>(),
            "--api-keys-file", keysFile, "--grpc-url", $"http://127.0.0.1:{FreePort.Next()}", "--http-url", $"http://127.0.0.1:{FreePort.Next()}", "--data-dir", _data.Path);

        Assert.Equal(2, exitCode);
        Assert.Contains($"configuration error: Collector:ApiKeysFile ('{keysFile}') line 2: role must be one of ingest, query, admin (was 'ingset')", output, StringComparison.Ordinal);
        Assert.DoesNotContain(secret, output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoKeys_OnLoopback_StartsAndWarnsItIsUnauthenticated()
    {
        using var collector = await CollectorProcess.StartAsync(_data.Path);

        var health = await collector.HealthAsync();

        Assert.Equal(0, health.GetProperty("security").GetProperty("api_keys").GetInt32());
        Assert.Contains("No API keys configured: every caller is accepted unauthenticated; listening on loopback only", collector.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Edge_ForwardsToCoreRequiringIngestKey_Delivered_QueryKeyRefused()
    {
        var ingestKey = $"edge-{Guid.NewGuid():N}";
        var queryKey = $"dash-{Guid.NewGuid():N}";
        var keysFile = Path.Combine(_data.Path, "core.keys");
        await File.WriteAllTextAsync(keysFile, $"edges ingest {ingestKey}\ndashboards query {queryKey}\n");
        var corePort = FreePort.Next();
        using var core = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "core"), corePort, FreePort.Next(), "--node-id", "core-1", "--api-keys-file", keysFile);
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"), "--node-id", "edge-1", "--upstream-url", $"http://127.0.0.1:{corePort}", "--upstream-headers", $"authorization=Bearer {ingestKey}");
        using var misconfigured = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "misconfigured"), "--node-id", "edge-2", "--upstream-url", $"http://127.0.0.1:{corePort}", "--upstream-headers", $"authorization=Bearer {queryKey}", "--upstream-max-backoff-ms", "300");

        Assert.Equal(100, await EventStreamer.SendAsync(edge.GrpcUri, "edge-source", 1, 100));
        Assert.Equal(100, await EventStreamer.SendAsync(misconfigured.GrpcUri, "misconfigured-source", 1, 100));

        await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() == 100, Timeout, "delivered with the ingest key");
        var refused = await misconfigured.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("failures").EnumerateObject().Any(), Timeout, "query key refused");
        Assert.Equal(0, ForwarderOf(refused).GetProperty("events_forwarded").GetInt64());
        var coreHealth = await core.HealthAsync();
        Assert.Equal(100, coreHealth.GetProperty("ingest").GetProperty("accepted").GetInt64());
        Assert.True(coreHealth.GetProperty("security").GetProperty("auth_failures_by_reason").GetProperty("forbidden").GetInt64() > 0);
        foreach (var process in new[] { core, edge, misconfigured })
        {
            Assert.DoesNotContain(ingestKey, process.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(queryKey, process.Output, StringComparison.Ordinal);
        }
    }
}
