using System.Text;
using Grpc.Core;
using Grpc.Health.V1;
using HealthClient = Grpc.Health.V1.Health.HealthClient;
using InferenceGateway.TestSupport.ExtProc;

namespace InferenceGateway.ExtProc.Tests;

public sealed class HealthAndTlsTests
{
    private static readonly string[] ReadinessServices = ["", "readiness", "inference-extension", "envoy.service.ext_proc.v3.ExternalProcessor"];

    private static async Task WaitForStatusAsync(HealthClient client, string service, HealthCheckResponse.Types.ServingStatus expected)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(30);
        HealthCheckResponse.Types.ServingStatus last = default;
        while (DateTimeOffset.UtcNow < deadline)
        {
            last = (await client.CheckAsync(new HealthCheckRequest { Service = service })).Status;
            if (last == expected)
            {
                return;
            }

            await Task.Delay(20);
        }

        Assert.Fail($"Health of '{service}' stayed {last}, expected {expected}.");
    }

    [Fact]
    public async Task Health_NotReadyThenReady_ReportsNotServingThenServing()
    {
        await using var host = await PickerHost.StartAsync();
        host.Ready = false;
        using var healthClient = new EnvoyExtProcClient(host.Server.HealthPort);
        foreach (var service in ReadinessServices)
        {
            await WaitForStatusAsync(healthClient.Health, service, HealthCheckResponse.Types.ServingStatus.NotServing);
        }

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, (await healthClient.Health.CheckAsync(new HealthCheckRequest { Service = "liveness" })).Status);

        host.Ready = true;

        foreach (var service in ReadinessServices)
        {
            await WaitForStatusAsync(healthClient.Health, service, HealthCheckResponse.Types.ServingStatus.Serving);
        }

        // Also served on the ext_proc port.
        await WaitForStatusAsync(host.Client.Health, "envoy.service.ext_proc.v3.ExternalProcessor", HealthCheckResponse.Types.ServingStatus.Serving);
    }

    [Fact]
    public async Task HealthPort_ExtProcCall_IsRefused()
    {
        await using var host = await PickerHost.StartAsync();
        using var healthClient = new EnvoyExtProcClient(host.Server.HealthPort);
        using var session = healthClient.Open();

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            await session.SendAsync(ExtProcMessages.RequestHeadersMessage(ExtProcMessages.RequestHeaders("/v1/models", "GET"), endOfStream: true));
            await session.ReadAsync();
        });

        Assert.NotEqual(StatusCode.OK, error.StatusCode);
        Assert.Empty(host.Router.Inputs);
    }

    [Fact]
    public async Task Tls_SelfSignedCertificate_ServesExtProcToClientAcceptingAnyCertificate()
    {
        await using var host = await PickerHost.StartAsync(tls: true);
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), [Encoding.UTF8.GetBytes("{\"model\":\"m\"}")]);

        Assert.True(host.Server.IsTls);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.Headers["x-gateway-destination-endpoint"]);
    }

    [Fact]
    public async Task Tls_CertificateFolderWithPemFiles_IsServed()
    {
        var folder = Directory.CreateTempSubdirectory("epp-cert-");
        try
        {
            using var key = System.Security.Cryptography.ECDsa.Create();
            var request = new System.Security.Cryptography.X509Certificates.CertificateRequest("CN=epp-from-folder", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(1));
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "tls.crt"), certificate.ExportCertificatePem());
            await File.WriteAllTextAsync(Path.Combine(folder.FullName, "tls.key"), key.ExportPkcs8PrivateKeyPem());
            string? seenSubject = null;
            await using var host = await PickerHost.StartAsync(tls: true, certificatePath: folder.FullName);
            using var handler = new SocketsHttpHandler();
            handler.SslOptions.RemoteCertificateValidationCallback = (_, cert, _, _) =>
            {
                seenSubject = cert?.Subject;
                return true;
            };
            using var http = new HttpClient(handler);

            using var response = await http.SendAsync(new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{host.Server.GrpcPort}/") { Version = new Version(2, 0), VersionPolicy = HttpVersionPolicy.RequestVersionExact });

            Assert.Equal("CN=epp-from-folder", seenSubject);
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Tls_PlaintextClient_CannotTalkToTlsPort()
    {
        await using var host = await PickerHost.StartAsync(tls: true);
        using var plain = new EnvoyExtProcClient(host.Server.GrpcPort, tls: false);

        await Assert.ThrowsAsync<RpcException>(async () => await plain.Health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(20)));
    }
}
