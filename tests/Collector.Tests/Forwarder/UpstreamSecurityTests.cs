using Collector.Tests.Infrastructure;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Forwarder;

/// <summary>Upstreams behind TLS (trusting a private CA) and behind an API key.</summary>
public sealed class UpstreamSecurityTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task TlsUpstream_EdgeTrustsCoresCa_EventsDelivered_OtherCaRefused()
    {
        var (coreCert, coreKey) = await WriteCertificateAsync("core");
        var (otherCa, _) = await WriteCertificateAsync("other");
        var corePort = FreePort.Next();
        using var core = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "core"), corePort, FreePort.Next(), "--node-id", "core-1", "--grpc-url", $"https://127.0.0.1:{corePort}", "--tls-certificate", coreCert, "--tls-key", coreKey);
        using var trusting = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"), "--node-id", "edge-1", "--upstream-url", $"https://127.0.0.1:{corePort}", "--upstream-ca-certificate", coreCert);
        using var distrusting = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "stranger"), "--node-id", "edge-2", "--upstream-url", $"https://127.0.0.1:{corePort}", "--upstream-ca-certificate", otherCa, "--upstream-max-backoff-ms", "300");

        Assert.Equal(100, await EventStreamer.SendAsync(trusting.GrpcUri, "tls-source", 1, 100));
        Assert.Equal(100, await EventStreamer.SendAsync(distrusting.GrpcUri, "stranger-source", 1, 100));

        await trusting.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() == 100, Timeout, "delivered over TLS");
        // A refused handshake is the connection's failure: "unavailable", as it was with the hand-written client.
        var refused = await distrusting.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("failures").TryGetProperty("unavailable", out var count) && count.GetInt64() > 0, Timeout, "untrusted certificate refused");
        Assert.Equal(0, ForwarderOf(refused).GetProperty("events_forwarded").GetInt64());
        Assert.Equal(100, (await core.HealthAsync()).GetProperty("ingest").GetProperty("accepted").GetInt64());
    }

    [Fact]
    public async Task OtlpUpstreamWithApiKey_HeaderSentOnEveryCall_WrongKeyCountedAsUnauthenticated()
    {
        await using var receiver = await OtlpReceiverProcess.StartAsync("--require-header", "authorization=Bearer k-123");
        using var keyed = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "keyed"), "--upstream-url", receiver.Endpoint.ToString(), "--upstream-kind", "otlp", "--upstream-headers", "authorization=Bearer k-123");
        using var wrong = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "wrong"), "--upstream-url", receiver.Endpoint.ToString(), "--upstream-kind", "otlp", "--upstream-headers", "authorization=Bearer nope", "--upstream-max-backoff-ms", "300");

        Assert.Equal(50, await EventStreamer.SendAsync(keyed.GrpcUri, "keyed-source", 1, 50));
        Assert.Equal(50, await EventStreamer.SendAsync(wrong.GrpcUri, "wrong-source", 1, 50));

        await keyed.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() == 50, Timeout, "delivered with the key");
        var refused = await wrong.WaitForHealthAsync(
            h => ForwarderOf(h).GetProperty("failures").TryGetProperty("unauthenticated", out var count) && count.GetInt64() > 0, Timeout, "wrong key refused");
        Assert.Equal(0, ForwarderOf(refused).GetProperty("events_forwarded").GetInt64());
        Assert.Equal(50, receiver.ReadRecords().Count);
        Assert.DoesNotContain("k-123", keyed.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("nope", wrong.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OtlpTlsUpstream_TrustsReceiversCaAndPresentsClientCertificate_Delivered_OtherCaOrNoCertificateRefused()
    {
        var (receiverCert, receiverKey) = await WriteCertificateAsync("receiver");
        var (clientCert, clientKey) = await WriteCertificateAsync("edge-client");
        var (otherCa, _) = await WriteCertificateAsync("other");
        await using var receiver = await OtlpReceiverProcess.StartAsync("--tls-cert", receiverCert, "--tls-key", receiverKey, "--tls-client-ca", clientCert);
        string[] otlp = ["--upstream-url", receiver.Endpoint.ToString(), "--upstream-kind", "otlp", "--upstream-max-backoff-ms", "300"];
        string[] client = ["--upstream-client-certificate", clientCert, "--upstream-client-key", clientKey];
        using var mutual = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "mutual"), [.. otlp, "--upstream-ca-certificate", receiverCert, .. client]);
        using var anonymous = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "anonymous"), [.. otlp, "--upstream-ca-certificate", receiverCert]);
        using var distrusting = await CollectorProcess.StartAsync(Path.Combine(_data.Path, "distrusting"), [.. otlp, "--upstream-ca-certificate", otherCa, .. client]);

        Assert.Equal(40, await EventStreamer.SendAsync(mutual.GrpcUri, "mutual-source", 1, 40));
        Assert.Equal(40, await EventStreamer.SendAsync(anonymous.GrpcUri, "anonymous-source", 1, 40));
        Assert.Equal(40, await EventStreamer.SendAsync(distrusting.GrpcUri, "distrusting-source", 1, 40));

        await mutual.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() == 40, Timeout, "delivered over mTLS");
        foreach (var (edge, what) in new[] { (anonymous, "no client certificate refused"), (distrusting, "untrusted receiver certificate refused") })
        {
            // Both are the connection's failures, as they were with the hand-written client.
            var refused = await edge.WaitForHealthAsync(
                h => ForwarderOf(h).GetProperty("failures").TryGetProperty("transport", out var count) && count.GetInt64() > 0, Timeout, what);
            Assert.Equal(0, ForwarderOf(refused).GetProperty("events_forwarded").GetInt64());
        }

        Assert.Equal(40, receiver.ReadRecords().Count);
        Assert.All(receiver.ReadRecords(), r => Assert.Equal("mutual-source", r.GetProperty("attributes").GetProperty("telemetry.source.id").GetString()));
    }

    private async Task<(string Certificate, string Key)> WriteCertificateAsync(string name)
    {
        using var certificate = Ingest.TlsTests.CreateSelfSigned();
        var certPath = Path.Combine(_data.Path, name + ".crt");
        var keyPath = Path.Combine(_data.Path, name + ".key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        using var key = System.Security.Cryptography.X509Certificates.ECDsaCertificateExtensions.GetECDsaPrivateKey(certificate)!;
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
