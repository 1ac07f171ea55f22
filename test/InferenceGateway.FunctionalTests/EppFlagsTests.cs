using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Grpc.Health.V1;
using InferenceGateway.Cli.Commands;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Routing;
using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InferenceGateway.FunctionalTests;

/// <summary>The reference picker's flags on the real `epp`: TLS by default, certificate reload, --config-text, -v, durations.</summary>
public sealed class EppFlagsTests
{
    private const string Endpoint = EppCluster.DeadEndpoint;
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly string[] HealthServices = ["", "inference-extension", "liveness", "readiness", "envoy.service.ext_proc.v3.ExternalProcessor"];

    /// <summary>A TLS handshake offering only h2 (as Envoy's picker cluster), accepting any certificate; returns what the server presented.</summary>
    private static async Task<(X509Certificate2 Certificate, SslApplicationProtocol Alpn)> HandshakeAsync(int port)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        await using var ssl = new SslStream(tcp.GetStream());
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            ApplicationProtocols = [SslApplicationProtocol.Http2],
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        });
        return (new X509Certificate2(ssl.RemoteCertificate!), ssl.NegotiatedApplicationProtocol);
    }

    private static void WriteCertificate(string folder, string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=" + subject, key, HashAlgorithmName.SHA256);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
        // Each file replaced atomically (write aside, then rename), as a Secret volume update does.
        var cert = Path.Combine(folder, "tls.crt.tmp");
        var keyFile = Path.Combine(folder, "tls.key.tmp");
        File.WriteAllText(cert, certificate.ExportCertificatePem());
        File.WriteAllText(keyFile, key.ExportPkcs8PrivateKeyPem());
        File.Move(cert, Path.Combine(folder, "tls.crt"), overwrite: true);
        File.Move(keyFile, Path.Combine(folder, "tls.key"), overwrite: true);
    }

    [Fact]
    public async Task Epp_DefaultSecureServing_SelfSignedTlsH2AndHealthServicesByName()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppWithDefaultTransportAsync("--config", EppCluster.WriteStaticConfig(folder));
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        var (certificate, alpn) = await HandshakeAsync(cluster.GrpcPort);
        var result = await cluster.BufferedAsync("/v1/completions", EppCluster.Completion("m"));

        Assert.True(cluster.IsTls, cluster.Epp.Output);
        Assert.Equal(SslApplicationProtocol.Http2, alpn);
        Assert.Equal(certificate.Subject, certificate.Issuer);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.Contains(Dns.GetHostName(), names.EnumerateDnsNames(), StringComparer.OrdinalIgnoreCase);
        Assert.Contains(IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.True(result.Immediate is null, result.ImmediateBody);
        Assert.Equal(Endpoint, result.Headers[EppCluster.Destination]);
        foreach (var service in HealthServices)
        {
            // The ext_proc port (TLS, where Envoy health-checks the picker cluster) and the plaintext health port.
            var onExtProcPort = await cluster.Client.Health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(20));
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, onExtProcPort.Status);
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, await cluster.HealthAsync(service));
        }
    }

    [Fact]
    public async Task Epp_SecureServingFalse_ServesH2c()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", EppCluster.WriteStaticConfig(folder), "--secure-serving=false");
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        var status = await cluster.Client.Health.CheckAsync(new HealthCheckRequest { Service = "envoy.service.ext_proc.v3.ExternalProcessor" }, deadline: DateTime.UtcNow.AddSeconds(20));

        Assert.False(cluster.IsTls);
        Assert.Contains("(h2c)", cluster.Epp.Output, StringComparison.Ordinal);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status.Status);
    }

    [Fact]
    public async Task Epp_CertificateReplacedInCertPath_NextHandshakePresentsItAndOpenConnectionKeepsWorking()
    {
        using var folder = new TempConfigFolder();
        var certs = Directory.CreateDirectory(Path.Combine(folder.Path, "certs")).FullName;
        WriteCertificate(certs, "epp-first");
        await using var cluster = await EppCluster.StartEppWithDefaultTransportAsync("--config", EppCluster.WriteStaticConfig(folder), "--cert-path", certs, "--enable-cert-reload");
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        Assert.Equal("CN=epp-first", (await HandshakeAsync(cluster.GrpcPort)).Certificate.Subject);
        // Opens the client's TLS connection with the first certificate.
        Assert.Null((await cluster.BufferedAsync("/v1/completions", EppCluster.Completion("m"))).Immediate);

        WriteCertificate(certs, "epp-second");

        var seen = "";
        await Eventually.HoldsAsync(
            async () => (seen = (await HandshakeAsync(cluster.GrpcPort)).Certificate.Subject) == "CN=epp-second",
            Timeout,
            () => $"the new certificate was never presented (last: {seen}).\n{cluster.Epp.Output}");
        var result = await cluster.BufferedAsync("/v1/completions", EppCluster.Completion("m"));
        Assert.True(result.Immediate is null, result.ImmediateBody);
    }

    [Fact]
    public async Task Epp_ConfigText_InlineProfileIsUsed()
    {
        const string Config = """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - type: max-score-picker
              parameters:
                maxNumOfEndpoints: 1
            schedulingProfiles:
            - name: inline-only
              plugins:
              - pluginRef: queue-scorer
              - pluginRef: max-score-picker
            """;
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync(
            "--config", EppCluster.WriteStaticConfig(folder, "127.0.0.1:7", "127.0.0.1:8", "127.0.0.1:9"), "--config-text", Config, "--scheduler-profile", "inline-only");
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);

        var result = await cluster.BufferedAsync("/v1/completions", EppCluster.Completion("m"));

        // The built-in default profile sends fallbacks; the inline profile's picker keeps one endpoint.
        Assert.True(result.Immediate is null, result.ImmediateBody);
        Assert.DoesNotContain(",", result.Headers[EppCluster.Destination], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Epp_InvalidConfigText_ExitsWith1AndSaysWhy()
    {
        using var folder = new TempConfigFolder();
        await using var epp = EppCluster.StartEppProcess(
            "--config", EppCluster.WriteStaticConfig(folder), "--config-text", "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\nplugins:\n- type: no-such-plugin\n");

        Assert.Equal(1, await epp.WaitForExitAsync(Timeout));
        Assert.Contains("no-such-plugin", epp.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", epp.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--grpc-port abc", "--grpc-port")]
    [InlineData("--no-such-flag", "--no-such-flag")]
    [InlineData("--metrics-staleness-threshold 2parsecs", "--metrics-staleness-threshold")]
    [InlineData("-v -1", "-v")]
    [InlineData("--log-level loud", "--log-level")]
    [InlineData("--config-file a.yaml --config-text x", "not both")]
    [InlineData("--secure-serving maybe", "maybe")]
    public async Task Epp_BadFlag_ExitsWith2AndNamesTheFlag(string args, string expected)
    {
        using var folder = new TempConfigFolder();
        await using var epp = EppCluster.StartEppProcess(["--config", EppCluster.WriteStaticConfig(folder), .. args.Split(' ')]);

        Assert.Equal(2, await epp.WaitForExitAsync(Timeout));
        Assert.Contains("epp: ", epp.Output, StringComparison.Ordinal);
        Assert.Contains(expected, epp.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Epp_AssumeFullDuplex_Envoy133SequenceWithoutProtocolConfig_DefersHeadersAndEchoesResponse()
    {
        using var folder = new TempConfigFolder();
        await using var cluster = await EppCluster.StartEppOnlyAsync("--config", EppCluster.WriteStaticConfig(folder), "--assume-full-duplex", "-v=4");
        await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
        using var session = cluster.Client.Open();
        var headers = ExtProcMessages.RequestHeaders("/v1/completions");
        var body = EppCluster.Completion("m");

        // Envoy 1.33: headers (no protocol_config), the body chunks without waiting, then the response, echoed.
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, protocol: null));
        await session.SendAsync(ExtProcMessages.RequestBodyMessage(body.AsSpan(0, 10), endOfStream: false));
        await session.SendAsync(ExtProcMessages.RequestBodyMessage(body.AsSpan(10), endOfStream: true));
        var headersAnswer = await session.ReadRequiredAsync();
        var bodyAnswer = await session.ReadRequiredAsync();
        var echoed = await EnvoyFlows.ResponseAsync(session, 200, "application/json", ["{\"usage\":"u8.ToArray(), "{\"prompt_tokens\":1,\"completion_tokens\":1}}"u8.ToArray()], fullDuplex: true);

        Assert.Equal(Envoy.Service.ExtProc.V3.ProcessingResponse.ResponseOneofCase.RequestHeaders, headersAnswer.ResponseCase);
        Assert.Contains(headersAnswer.RequestHeaders.Response.HeaderMutation.SetHeaders, h => h.Header.Key == EppCluster.Destination && h.Header.RawValue.ToStringUtf8() == Endpoint);
        Assert.True(bodyAnswer.RequestBody.Response.BodyMutation.StreamedResponse.EndOfStream);
        Assert.Equal(body, bodyAnswer.RequestBody.Response.BodyMutation.StreamedResponse.Body.ToByteArray());
        Assert.Equal("{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":1}}"u8.ToArray(), echoed);

        // -v=4 is debug: a refused request is logged (the default, warning, does not log it).
        using var refused = cluster.Client.Open();
        await EnvoyFlows.FullDuplexAsync(refused, headers, [EppCluster.Completion("unknown-model")]);
        await cluster.Epp.WaitForLineAsync("Request refused with 404", Timeout);
    }

    [Fact]
    public async Task EppHost_StalenessFlag_ReachesRouterMetricsStoreAndGauges()
    {
        using var folder = new TempConfigFolder();
        var threshold = EppCommand.ParseDuration("750ms");
        await using var host = EppHost.Create(new EppSettings
        {
            ConfigPath = EppCluster.WriteStaticConfig(folder),
            ListenAddress = IPAddress.Loopback,
            GrpcPort = 0,
            HealthPort = 0,
            MetricsPort = 0,
            MetricsStalenessThreshold = threshold,
        });
        var services = host.Server.Services;

        Assert.Equal(threshold, services.GetRequiredService<IOptions<RoutingOptions>>().Value.StalenessThreshold);
        Assert.Equal(threshold, services.GetRequiredService<IOptions<MetricsOptions>>().Value.StalenessThreshold);
        Assert.Equal(threshold, services.GetRequiredService<PoolGaugeOptions>().StalenessThreshold);
    }

    [Theory]
    [InlineData("2s", 20_000_000L)]
    [InlineData("200ms", 2_000_000L)]
    [InlineData("500ms", 5_000_000L)]
    [InlineData("1m", 600_000_000L)]
    [InlineData("1m30s", 900_000_000L)]
    [InlineData("1.5h", 54_000_000_000L)]
    [InlineData("250us", 2_500L)]
    [InlineData("250µs", 2_500L)]
    [InlineData("1ns", 1L)]
    [InlineData("3", 30_000_000L)]
    [InlineData("1.5", 15_000_000L)]
    public void ParseDuration_GoFormat_ReturnsTicks(string text, long ticks)
    {
        Assert.Equal(TimeSpan.FromTicks(ticks), EppCommand.ParseDuration(text));
    }

    [Theory]
    [InlineData("")]
    [InlineData("s")]
    [InlineData("1d")]
    [InlineData("2s3")]
    [InlineData("0ms")]
    [InlineData("0s")]
    [InlineData("-1s")]
    [InlineData("soon")]
    public void ParseDuration_NotAPositiveGoDuration_Throws(string text)
    {
        Assert.Throws<ArgumentException>(() => EppCommand.ParseDuration(text));
    }

    [Theory]
    [InlineData(null, null, Microsoft.Extensions.Logging.LogLevel.Warning)]
    [InlineData(null, 1, Microsoft.Extensions.Logging.LogLevel.Warning)]
    [InlineData(null, 2, Microsoft.Extensions.Logging.LogLevel.Information)]
    [InlineData(null, 3, Microsoft.Extensions.Logging.LogLevel.Debug)]
    [InlineData(null, 5, Microsoft.Extensions.Logging.LogLevel.Trace)]
    [InlineData("error", 2, Microsoft.Extensions.Logging.LogLevel.Information)]
    [InlineData("trace", 2, Microsoft.Extensions.Logging.LogLevel.Trace)]
    [InlineData("Information", null, Microsoft.Extensions.Logging.LogLevel.Information)]
    public void ResolveLogLevel_LogLevelAndVerbosity_MoreVerboseWins(string? logLevel, int? verbosity, Microsoft.Extensions.Logging.LogLevel expected)
    {
        Assert.Equal(expected, EppCommand.ResolveLogLevel(logLevel, verbosity));
    }
}
