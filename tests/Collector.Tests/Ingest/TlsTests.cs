using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Collector.Tests.Infrastructure;
using Grpc.Net.Client;
using TelemetryCollector = Collector.Protocol.Telemetry.V1.Collector;

namespace Collector.Tests.Ingest;

/// <summary>gRPC over TLS with ALPN h2, from a PEM certificate and key.</summary>
public sealed class TlsTests : IDisposable
{
    private readonly TempDirectory _data = new();

    public void Dispose() => _data.Dispose();

    [Fact]
    public async Task Send_OverTls_AckedAndCertificateChecked()
    {
        using var certificate = CreateSelfSigned();
        var certPath = Path.Combine(_data.Path, "collector.crt");
        var keyPath = Path.Combine(_data.Path, "collector.key");
        await File.WriteAllTextAsync(certPath, certificate.ExportCertificatePem());
        using (var key = certificate.GetECDsaPrivateKey()!)
        {
            await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());
        }

        var port = FreePort.Next();
        await using var collector = await InProcessCollector.StartAsync(Path.Combine(_data.Path, "data"), new Dictionary<string, string?>
        {
            ["Collector:GrpcUrl"] = $"https://127.0.0.1:{port}",
            ["Collector:TlsCertificate"] = certPath,
            ["Collector:TlsKey"] = keyPath,
        });
        X509Certificate2? presented = null;
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, errors) =>
        {
            presented = cert is null ? null : new X509Certificate2(cert);
            return errors == SslPolicyErrors.RemoteCertificateChainErrors && cert is not null;
        };
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{port}", new GrpcChannelOptions { HttpHandler = handler });

        var ack = await new TelemetryCollector.CollectorClient(channel).SendAsync(Events.Batch("tls-source", 1, 10));

        Assert.Equal(10u, ack.Accepted);
        Assert.Equal(certificate.Thumbprint, presented?.Thumbprint);
        presented?.Dispose();
    }

    internal static X509Certificate2 CreateSelfSigned()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=127.0.0.1", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
    }
}
