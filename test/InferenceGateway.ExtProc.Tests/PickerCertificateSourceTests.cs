using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using InferenceGateway.ExtProc.Hosting;
using InferenceGateway.TestSupport;

namespace InferenceGateway.ExtProc.Tests;

/// <summary>The ext_proc port's certificate: loading, self-signed names, and reload without a restart.</summary>
public sealed class PickerCertificateSourceTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("epp-cert-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static (string Cert, string Key) Pem(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        return (certificate.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }

    private void Write((string Cert, string Key) pem)
    {
        File.WriteAllText(Path.Combine(_folder.FullName, "tls.crt"), pem.Cert);
        File.WriteAllText(Path.Combine(_folder.FullName, "tls.key"), pem.Key);
    }

    [Fact]
    public void TryReload_NewPair_ReplacesCurrent()
    {
        Write(Pem("first"));
        using var source = PickerCertificateSource.Create(_folder.FullName, IPAddress.Loopback, TimeProvider.System);

        Write(Pem("second"));
        var changed = source.TryReload();

        Assert.True(changed);
        Assert.Equal("CN=second", source.Current.Subject);
        Assert.True(source.Current.HasPrivateKey);
    }

    [Fact]
    public void TryReload_UnchangedFiles_KeepsTheSameInstance()
    {
        Write(Pem("first"));
        using var source = PickerCertificateSource.Create(_folder.FullName, IPAddress.Loopback, TimeProvider.System);
        var before = source.Current;

        Assert.False(source.TryReload());
        Assert.Same(before, source.Current);
    }

    [Fact]
    public void TryReload_HalfWrittenPair_KeepsPreviousUntilTheKeyArrives()
    {
        Write(Pem("first"));
        using var source = PickerCertificateSource.Create(_folder.FullName, IPAddress.Loopback, TimeProvider.System);
        var second = Pem("second");

        File.WriteAllText(Path.Combine(_folder.FullName, "tls.crt"), second.Cert);
        var afterCertOnly = source.TryReload();
        File.WriteAllText(Path.Combine(_folder.FullName, "tls.key"), second.Key);
        var afterKey = source.TryReload();

        Assert.False(afterCertOnly);
        Assert.True(afterKey);
        Assert.Equal("CN=second", source.Current.Subject);
    }

    [Fact]
    public void Create_FolderWithoutPair_ThrowsWithTheFileNames()
    {
        var error = Assert.Throws<InvalidOperationException>(() => PickerCertificateSource.Create(_folder.FullName, IPAddress.Loopback, TimeProvider.System));

        Assert.Contains("tls.crt", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Create_GarbagePem_ThrowsInvalidOperation()
    {
        Write(("not a certificate", "not a key"));

        Assert.Throws<InvalidOperationException>(() => PickerCertificateSource.Create(_folder.FullName, IPAddress.Loopback, TimeProvider.System));
    }

    [Fact]
    public void Create_SelfSigned_NamesLocalhostHostLoopbackAndBoundAddress()
    {
        using var source = PickerCertificateSource.Create(null, IPAddress.Parse("127.0.0.7"), TimeProvider.System);

        var names = source.Current.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.Contains(IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.Contains(IPAddress.Parse("127.0.0.7"), names.EnumerateIPAddresses());
        Assert.True(source.Current.HasPrivateKey);
    }

    [Fact]
    public async Task Server_CertReloadEnabled_WatcherPutsNewCertificateInForce()
    {
        Write(Pem("first"));
        await using var host = await PickerHost.StartAsync(tls: true, certificatePath: _folder.FullName, services: null, reload: true);

        Write(Pem("second"));

        await Wait.UntilAsync(() => host.Server.ServerCertificate?.Subject == "CN=second", "the server took the rewritten certificate");
    }
}
