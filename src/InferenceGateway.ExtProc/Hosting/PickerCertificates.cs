using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace InferenceGateway.ExtProc.Hosting;

/// <summary>The certificate the picker serves TLS with: PEM files from a folder, or a self-signed one.</summary>
internal static class PickerCertificates
{
    public static X509Certificate2 Load(string? folder, TimeProvider timeProvider)
    {
        if (folder is null)
        {
            return CreateSelfSigned(timeProvider);
        }

        var certFile = Path.Combine(folder, "tls.crt");
        var keyFile = Path.Combine(folder, "tls.key");
        if (!File.Exists(certFile) || !File.Exists(keyFile))
        {
            throw new InvalidOperationException($"The certificate folder '{folder}' must contain tls.crt and tls.key (PEM).");
        }

        return X509Certificate2.CreateFromPemFile(certFile, keyFile);
    }

    /// <summary>A self-signed server certificate, as the reference picker generates when given none.</summary>
    public static X509Certificate2 CreateSelfSigned(TimeProvider timeProvider)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=inference-gateway-epp", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(System.Net.IPAddress.Loopback);
        names.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = timeProvider.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
    }
}
