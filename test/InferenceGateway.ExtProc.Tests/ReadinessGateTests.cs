using System.Net;
using Grpc.Health.V1;
using InferenceGateway.Core.Routing;
using InferenceGateway.ExtProc.Health;
using InferenceGateway.ExtProc.Hosting;
using InferenceGateway.ExtProc.Metrics;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace InferenceGateway.ExtProc.Tests;

/// <summary>A readiness gate (leader election) closes only the `readiness` service.</summary>
public sealed class ReadinessGateTests
{
    [Fact]
    public async Task ReadinessGate_ClosedThenOpen_OnlyReadinessFollowsGate()
    {
        var leader = false;
        var server = EndpointPickerServer.Create(
            new EndpointPickerServerOptions { ListenAddress = IPAddress.Loopback, GrpcPort = 0, HealthPort = 0 },
            options => options.HealthRefreshInterval = TimeSpan.FromMilliseconds(50),
            services =>
            {
                services.AddLogging(logging => logging.ClearProviders());
                services.AddSingleton<IInferenceRouter>(new FakeInferenceRouter());
                services.AddSingleton<IPickerReadiness>(new DelegatePickerReadiness(() => true));
                services.AddSingleton<IPickerReadinessGate>(new LeaderGate(() => Volatile.Read(ref leader)));
                services.AddSingleton(new PickerMetrics(Prometheus.Metrics.NewCustomRegistry()));
            });
        await using (server)
        {
            await server.StartAsync();
            using var client = new EnvoyExtProcClient(server.HealthPort);
            async Task<ServingStatus> Check(string service) => (await client.Health.CheckAsync(new HealthCheckRequest { Service = service })).Status;

            Assert.Equal(ServingStatus.NotServing, await Check("readiness"));
            foreach (var service in new[] { "", "liveness", "inference-extension", "envoy.service.ext_proc.v3.ExternalProcessor" })
            {
                Assert.Equal(ServingStatus.Serving, await Check(service));
            }

            Volatile.Write(ref leader, true);
            await Wait.UntilAsync(async () => await Check("readiness") == ServingStatus.Serving, "readiness serves once the gate opens");

            Volatile.Write(ref leader, false);
            await Wait.UntilAsync(async () => await Check("readiness") == ServingStatus.NotServing, "readiness stops when the gate closes");
            Assert.Equal(ServingStatus.Serving, await Check("liveness"));
            await server.StopAsync();
        }
    }

    private sealed class LeaderGate(Func<bool> isLeader) : IPickerReadinessGate
    {
        public string Name => "leader";

        public bool IsOpen => isLeader();
    }
}
