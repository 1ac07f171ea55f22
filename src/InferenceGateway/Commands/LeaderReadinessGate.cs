using InferenceGateway.ExtProc.Health;
using InferenceGateway.Kubernetes;

namespace InferenceGateway.Cli.Commands;

/// <summary>With leader election, only the lease holder reports `readiness` SERVING (as the reference picker does).</summary>
internal sealed class LeaderReadinessGate(ILeadership leadership) : IPickerReadinessGate
{
    public string Name => "leader-election";

    public bool IsOpen => leadership.IsLeader;
}
