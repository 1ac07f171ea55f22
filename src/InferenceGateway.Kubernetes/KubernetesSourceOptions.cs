namespace InferenceGateway.Kubernetes;

/// <summary>Which pool the picker serves, how it reaches the API server, and how it behaves with several replicas.</summary>
public sealed class KubernetesSourceOptions
{
    /// <summary>The InferencePool to serve (--pool-name). Required.</summary>
    public string PoolName { get; set; } = "";

    /// <summary>Namespace of the pool, its models and pods (--pool-namespace).</summary>
    public string PoolNamespace { get; set; } = "default";

    /// <summary>A kubeconfig file (--kubeconfig); null uses the in-cluster service account.</summary>
    public string? KubeconfigPath { get; set; }

    /// <summary>Context of <see cref="KubeconfigPath"/>; null uses its current-context.</summary>
    public string? KubeconfigContext { get; set; }

    /// <summary>Quiet time after a change before the snapshot is rebuilt, so a burst of events rebuilds once.</summary>
    public TimeSpan CoalesceDelay { get; set; } = TimeSpan.FromMilliseconds(100);

    /// <summary>First delay before reconnecting a failed list or watch; doubles per failure up to <see cref="MaxReconnectDelay"/>.</summary>
    public TimeSpan InitialReconnectDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxReconnectDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Write the Accepted/Ready conditions (only the leader writes). Off: read-only picker.</summary>
    public bool WriteStatus { get; set; } = true;

    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>The namespace the lease lives in: <see cref="LeaderElectionOptions.LeaseNamespace"/> or the pool's.</summary>
    public string EffectiveLeaseNamespace => LeaderElection.LeaseNamespace ?? PoolNamespace;

    /// <summary>The lease name: <see cref="LeaderElectionOptions.LeaseName"/> or "&lt;pool&gt;-epp-leader".</summary>
    public string EffectiveLeaseName => LeaderElection.LeaseName ?? $"{PoolName}-epp-leader";

    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(PoolName))
        {
            throw new ArgumentException("the pool name (--pool-name) is required", nameof(PoolName));
        }

        if (string.IsNullOrWhiteSpace(PoolNamespace))
        {
            throw new ArgumentException("the pool namespace must not be empty", nameof(PoolNamespace));
        }

        if (CoalesceDelay < TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(CoalesceDelay), CoalesceDelay, "must not be negative");
        }

        if (InitialReconnectDelay <= TimeSpan.Zero || MaxReconnectDelay < InitialReconnectDelay)
        {
            throw new ArgumentOutOfRangeException(nameof(InitialReconnectDelay), InitialReconnectDelay,
                "the initial reconnect delay must be positive and at most the maximum reconnect delay");
        }

        LeaderElection.Validate();
    }
}

/// <summary>Leader election on a coordination.k8s.io/v1 Lease: only the leader writes status; every replica serves picks.</summary>
public sealed class LeaderElectionOptions
{
    /// <summary>Off: this replica always writes status (a single replica).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Default: "&lt;pool&gt;-epp-leader".</summary>
    public string? LeaseName { get; set; }

    /// <summary>Default: the pool namespace.</summary>
    public string? LeaseNamespace { get; set; }

    /// <summary>This replica's holder identity. Default: the POD_NAME environment variable, else the host name.</summary>
    public string Identity { get; set; } = Environment.GetEnvironmentVariable("POD_NAME") is { Length: > 0 } pod ? pod : Environment.MachineName;

    /// <summary>How long a lease stays valid without renewal; others take over after it.</summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The leader gives up when it could not renew for this long.</summary>
    public TimeSpan RenewDeadline { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Interval between attempts to acquire or renew.</summary>
    public TimeSpan RetryPeriod { get; set; } = TimeSpan.FromSeconds(2);

    public void Validate()
    {
        if (!Enabled)
        {
            return;
        }

        if (string.IsNullOrWhiteSpace(Identity))
        {
            throw new ArgumentException("the leader election identity must not be empty", nameof(Identity));
        }

        if (RetryPeriod <= TimeSpan.Zero || RenewDeadline <= RetryPeriod || LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentOutOfRangeException(nameof(LeaseDuration), LeaseDuration,
                "leader election needs 0 < retry period < renew deadline < lease duration");
        }
    }
}
