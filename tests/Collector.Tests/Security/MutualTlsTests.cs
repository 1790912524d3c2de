using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Collector.Tests.Infrastructure;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;
using static Collector.Tests.Forwarder.EdgeToCoreTests;

namespace Collector.Tests.Security;

/// <summary>Edge to core over mTLS: the core takes only clients whose certificate its CA signed.</summary>
public sealed class MutualTlsTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task EdgeWithCertificateFromCoresCa_EventsArrive_NoCertificateOrOtherCaRefused()
    {
        using var fleetCa = CreateCa("CN=fleet CA");
        using var otherCa = CreateCa("CN=other CA");
        using var edgeCertificate = CreateClient(fleetCa, "CN=edge-1");
        using var strangerCertificate = CreateClient(otherCa, "CN=stranger");
        using var serverCertificate = Ingest.TlsTests.CreateSelfSigned();
        var (serverCert, serverKey) = await WritePemAsync(serverCertificate, "core");
        var (edgeCert, edgeKey) = await WritePemAsync(edgeCertificate, "edge");
        var caPath = Path.Combine(_data.Path, "fleet-ca.crt");
        await File.WriteAllTextAsync(caPath, fleetCa.ExportCertificatePem());

        var corePort = FreePort.Next();
        var coreUrl = $"https://127.0.0.1:{corePort}";
        using var core = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "core"), corePort, FreePort.Next(), "--node-id", "core-1", "--grpc-url", coreUrl, "--tls-certificate", serverCert, "--tls-key", serverKey, "--tls-client-ca", caPath);
        using var edge = await CollectorProcess.StartAsync(
            Path.Combine(_data.Path, "edge"), "--node-id", "edge-1", "--upstream-url", coreUrl, "--upstream-ca-certificate", serverCert, "--upstream-client-certificate", edgeCert, "--upstream-client-key", edgeKey);

        Assert.Equal(100, await EventStreamer.SendAsync(edge.GrpcUri, "mtls-source", 1, 100));
        await edge.WaitForHealthAsync(h => ForwarderOf(h).GetProperty("events_forwarded").GetInt64() == 100, Timeout, "delivered over mTLS");

        await Assert.ThrowsAnyAsync<Exception>(() => SendDirectAsync(coreUrl, serverCertificate, clientCertificate: null));
        await Assert.ThrowsAnyAsync<Exception>(() => SendDirectAsync(coreUrl, serverCertificate, strangerCertificate));
        Assert.Equal(100, (await core.HealthAsync()).GetProperty("ingest").GetProperty("accepted").GetInt64());
    }

    private static async Task SendDirectAsync(string url, X509Certificate2 server, X509Certificate2? clientCertificate)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(5) };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, _) =>
            presented is not null && presented.GetCertHashString() == server.GetCertHashString();
        if (clientCertificate is not null)
        {
            handler.SslOptions.ClientCertificates = [clientCertificate];
        }

        using var channel = GrpcChannel.ForAddress(url, new GrpcChannelOptions { HttpHandler = handler });
        await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch("intruder", 1, 10), deadline: DateTime.UtcNow.AddSeconds(10));
    }

    private static X509Certificate2 CreateCa(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, critical: true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
    }

    private static X509Certificate2 CreateClient(X509Certificate2 ca, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.2")], critical: false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, includeKeyIdentifier: true, includeIssuerAndSerial: false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var signed = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(10), serial);
        return signed.CopyWithPrivateKey(key);
    }

    private async Task<(string Certificate, string Key)> WritePemAsync(X509Certificate2 certificate, string name)
    {
        var certPath = Path.Combine(_data.Path, name + ".crt");
        var keyPath = Path.Combine(_data.Path, name + ".key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        return (certPath, keyPath);
    }
}
