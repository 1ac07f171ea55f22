using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.ExtProc.Hosting;

/// <summary>
/// The certificate the ext_proc port serves: PEM files from a folder (<c>tls.crt</c>, <c>tls.key</c>), or a
/// self-signed one generated at start, as the reference picker does. With reload on, the folder is watched (and
/// its content re-hashed on a timer, the safety net for Kubernetes' symlink swaps and lost events); a new valid
/// pair replaces <see cref="Current"/> atomically, so the next TLS handshake presents it while open connections
/// keep theirs. A half-written or mismatched pair is reported and the previous certificate stays in force.
/// </summary>
internal sealed class PickerCertificateSource : IDisposable
{
    public const string CertificateFile = "tls.crt";
    public const string KeyFile = "tls.key";

    private readonly string? _folder;
    private readonly Lock _reloadGate = new();
    private X509Certificate2 _current;
    private byte[]? _lastSeenHash;
    private FileSystemWatcher? _watcher;
    private ITimer? _poll;
    private ILogger? _logger;
    private int _reloads;

    private PickerCertificateSource(string? folder, X509Certificate2 certificate, byte[]? hash)
    {
        _folder = folder;
        _current = certificate;
        _lastSeenHash = hash;
    }

    /// <summary>The certificate for the next handshake.</summary>
    public X509Certificate2 Current => Volatile.Read(ref _current);

    /// <summary>How many times a changed certificate was put in force (for tests and logs).</summary>
    public int Reloads => Volatile.Read(ref _reloads);

    /// <summary>
    /// Loads the folder's pair, or generates a self-signed certificate when <paramref name="folder"/> is null.
    /// Throws <see cref="InvalidOperationException"/> (with a message a person can act on) for an unusable folder.
    /// </summary>
    public static PickerCertificateSource Create(string? folder, IPAddress listenAddress, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        if (folder is null)
        {
            return new PickerCertificateSource(null, CreateSelfSigned(timeProvider, SelfSignedNames(listenAddress)), null);
        }

        if (!File.Exists(Path.Combine(folder, CertificateFile)) || !File.Exists(Path.Combine(folder, KeyFile)))
        {
            throw new InvalidOperationException($"The certificate folder '{folder}' must contain {CertificateFile} and {KeyFile} (PEM).");
        }

        if (!TryRead(folder, out var certificate, out var hash, out var error))
        {
            throw new InvalidOperationException($"The certificate in '{folder}' cannot be used: {error}");
        }

        return new PickerCertificateSource(folder, certificate!, hash);
    }

    /// <summary>Starts watching the folder (no-op for a self-signed certificate).</summary>
    public void StartReloading(TimeSpan pollInterval, TimeProvider timeProvider, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentNullException.ThrowIfNull(logger);
        if (_folder is null || _poll is not null)
        {
            return;
        }

        _logger = logger;
        try
        {
            var watcher = new FileSystemWatcher(Path.GetFullPath(_folder))
            {
                IncludeSubdirectories = false,
                NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size | NotifyFilters.CreationTime,
            };

            // Any event counts: Kubernetes swaps a "..data" symlink, not tls.crt itself. The hash tells real changes.
            watcher.Changed += OnFolderEvent;
            watcher.Created += OnFolderEvent;
            watcher.Deleted += OnFolderEvent;
            watcher.Renamed += OnFolderEvent;
            watcher.EnableRaisingEvents = true;
            _watcher = watcher;
        }
        catch (Exception ex) when (ex is IOException or ArgumentException or PlatformNotSupportedException or UnauthorizedAccessException)
        {
            ExtProcLog.CertificateWatchUnavailable(logger, _folder, ex.Message);
        }

        _poll = timeProvider.CreateTimer(static state => ((PickerCertificateSource)state!).TryReload(), this, pollInterval, pollInterval);
    }

    /// <summary>Reads the folder; puts a changed valid pair in force. True when the certificate changed.</summary>
    public bool TryReload()
    {
        if (_folder is null)
        {
            return false;
        }

        lock (_reloadGate)
        {
            string certPem;
            string keyPem;
            try
            {
                (certPem, keyPem) = ReadPair(_folder);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // Mid-swap (a file briefly missing): the next event or poll reads it again.
                return false;
            }

            var hash = Hash(certPem, keyPem);
            if (_lastSeenHash is not null && hash.AsSpan().SequenceEqual(_lastSeenHash))
            {
                return false;
            }

            // Remembered even when unusable (a half-written pair): reported once, read again on the next change.
            _lastSeenHash = hash;
            if (!TryCreate(certPem, keyPem, out var certificate, out var error))
            {
                if (_logger is not null)
                {
                    ExtProcLog.CertificateReloadFailed(_logger, _folder, error!);
                }

                return false;
            }

            // The previous certificate is not disposed: handshakes in progress may still hold it.
            Volatile.Write(ref _current, certificate!);
            Interlocked.Increment(ref _reloads);
            if (_logger is not null)
            {
                ExtProcLog.CertificateReloaded(_logger, _folder, certificate!.Subject, certificate.NotAfter);
            }

            return true;
        }
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _poll?.Dispose();
    }

    private void OnFolderEvent(object sender, FileSystemEventArgs e) => TryReload();

    private static bool TryRead(string folder, out X509Certificate2? certificate, out byte[]? hash, out string? error)
    {
        try
        {
            var (certPem, keyPem) = ReadPair(folder);
            hash = Hash(certPem, keyPem);
            return TryCreate(certPem, keyPem, out certificate, out error);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            certificate = null;
            hash = null;
            error = ex.Message;
            return false;
        }
    }

    private static (string CertPem, string KeyPem) ReadPair(string folder) =>
        (File.ReadAllText(Path.Combine(folder, CertificateFile)), File.ReadAllText(Path.Combine(folder, KeyFile)));

    private static bool TryCreate(string certPem, string keyPem, out X509Certificate2? certificate, out string? error)
    {
        try
        {
            using var loaded = X509Certificate2.CreateFromPem(certPem, keyPem);
            // Windows' SChannel needs a persisted key; re-importing from PKCS#12 works everywhere.
            certificate = X509CertificateLoader.LoadPkcs12(loaded.Export(X509ContentType.Pkcs12), null);
            error = null;
            return true;
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            certificate = null;
            error = ex.Message;
            return false;
        }
    }

    private static byte[] Hash(string certPem, string keyPem)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(certPem));
        hash.AppendData([0]);
        hash.AppendData(System.Text.Encoding.UTF8.GetBytes(keyPem));
        return hash.GetHashAndReset();
    }

    /// <summary>localhost, this host's name and the pod's (POD_NAME), the loopback addresses and the bound address.</summary>
    internal static (List<string> DnsNames, List<IPAddress> Addresses) SelfSignedNames(IPAddress listenAddress)
    {
        var dns = new List<string> { "localhost" };
        void AddName(string? name)
        {
            if (!string.IsNullOrWhiteSpace(name) && Uri.CheckHostName(name) == UriHostNameType.Dns && !dns.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                dns.Add(name);
            }
        }

        AddName(Dns.GetHostName());
        AddName(Environment.GetEnvironmentVariable("POD_NAME"));
        var addresses = new List<IPAddress> { IPAddress.Loopback, IPAddress.IPv6Loopback };
        if (!listenAddress.Equals(IPAddress.Any) && !listenAddress.Equals(IPAddress.IPv6Any) && !addresses.Contains(listenAddress))
        {
            addresses.Add(listenAddress);
        }

        return (dns, addresses);
    }

    /// <summary>A self-signed server certificate (ECDSA P-256, one year), as the reference picker generates when given none.</summary>
    public static X509Certificate2 CreateSelfSigned(TimeProvider timeProvider, (List<string> DnsNames, List<IPAddress> Addresses) names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=inference-gateway-epp", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        foreach (var name in names.DnsNames)
        {
            san.AddDnsName(name);
        }

        foreach (var address in names.Addresses)
        {
            san.AddIpAddress(address);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = timeProvider.GetUtcNow();
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(1));
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
