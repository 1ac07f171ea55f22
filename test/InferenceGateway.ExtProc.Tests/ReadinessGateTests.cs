using Grpc.Health.V1;
using InferenceGateway.ExtProc.Health;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using Microsoft.Extensions.DependencyInjection;
using ServingStatus = Grpc.Health.V1.HealthCheckResponse.Types.ServingStatus;

namespace InferenceGateway.ExtProc.Tests;

/// <summary>A readiness gate (leader election) closes only the `readiness` service.</summary>
public sealed class ReadinessGateTests
{
    private static readonly string[] FollowReadiness = ["", "inference-extension", "envoy.service.ext_proc.v3.ExternalProcessor"];

    [Fact]
    public async Task ReadinessGate_ClosedThenOpen_OnlyReadinessFollowsGate()
    {
        var leader = false;
        await using var host = await PickerHost.StartAsync(
            services: s => s.AddSingleton<IPickerReadinessGate>(new LeaderGate(() => Volatile.Read(ref leader))));
        using var client = new EnvoyExtProcClient(host.Server.HealthPort);
        async Task<ServingStatus> Check(string service) => (await client.Health.CheckAsync(new HealthCheckRequest { Service = service })).Status;

        Assert.Equal(ServingStatus.NotServing, await Check("readiness"));
        Assert.Equal(ServingStatus.Serving, await Check("liveness"));
        foreach (var service in FollowReadiness)
        {
            Assert.Equal(ServingStatus.Serving, await Check(service));
        }

        Volatile.Write(ref leader, true);
        await Wait.UntilAsync(async () => await Check("readiness") == ServingStatus.Serving, "readiness serves once the gate opens");
        foreach (var service in FollowReadiness)
        {
            Assert.Equal(ServingStatus.Serving, await Check(service));
        }

        Volatile.Write(ref leader, false);
        await Wait.UntilAsync(async () => await Check("readiness") == ServingStatus.NotServing, "readiness stops when the gate closes");
        Assert.Equal(ServingStatus.Serving, await Check("liveness"));
    }

    private sealed class LeaderGate(Func<bool> isLeader) : IPickerReadinessGate
    {
        public string Name => "leader";

        public bool IsOpen => isLeader();
    }
}
