using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace Collector.Host.Security;

/// <summary>
/// mTLS on the gRPC listener: a client must present a certificate that chains to the configured CA, judged against
/// that CA alone (not the system store). Revocation is not checked: private CAs between collectors rarely publish
/// CRLs, and a missing CRL would refuse every peer.
/// </summary>
public static class ClientCertificatePolicy
{
    private const string ClientAuthentication = "1.3.6.1.5.5.7.3.2";

    public static void Require(HttpsConnectionAdapterOptions https, string caPath)
    {
        ArgumentNullException.ThrowIfNull(https);
        var ca = X509CertificateLoader.LoadCertificateFromFile(caPath);
        https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
        https.CheckCertificateRevocation = false;
        https.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, ca);
    }

    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(certificate);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid(ClientAuthentication));
        return chain.Build(certificate);
    }
}
