using System.Net;

namespace InferenceGateway.ExtProc.Hosting;

/// <summary>Where the picker listens. Port 0 binds a free port (read it back from the started server).</summary>
public sealed class EndpointPickerServerOptions
{
    public IPAddress ListenAddress { get; set; } = IPAddress.Any;

    /// <summary>ext_proc (and gRPC health) port; the reference picker uses 9002.</summary>
    public int GrpcPort { get; set; } = 9002;

    /// <summary>gRPC health-only port; the reference picker uses 9003.</summary>
    public int HealthPort { get; set; } = 9003;

    /// <summary>Serve ext_proc over TLS (h2 via ALPN) instead of h2c.</summary>
    public bool SecureServing { get; set; }

    /// <summary>With <see cref="SecureServing"/>: a folder holding tls.crt and tls.key (PEM); null = self-signed.</summary>
    public string? CertificatePath { get; set; }

    /// <summary>With <see cref="CertificatePath"/>: serve a changed tls.crt/tls.key pair without a restart.</summary>
    public bool EnableCertificateReload { get; set; }

    /// <summary>How often the certificate folder is re-read as a safety net behind the file-system watcher.</summary>
    public TimeSpan CertificatePollInterval { get; set; } = TimeSpan.FromSeconds(2);
}
