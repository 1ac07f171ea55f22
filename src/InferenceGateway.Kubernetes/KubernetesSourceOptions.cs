namespace InferenceGateway.Kubernetes;

/// <summary>Which pool the picker serves, how it reaches the API server, and how it behaves with several replicas.</summary>
public sealed class KubernetesSourceOptions
{
    /// <summary>The seed's API group (v1alpha1, v1alpha2), the default of <see cref="PoolGroup"/>.</summary>
    public const string ExperimentalGroup = "inference.networking.x-k8s.io";

    /// <summary>The group of v1 InferencePools, which today's gateways read.</summary>
    public const string StandardGroup = "inference.networking.k8s.io";

    /// <summary>The name a pool-less picker gives its synthetic pool when --pool-name is not set (metrics, lease).</summary>
    public const string DefaultPoollessName = "endpoint-selector";

    /// <summary>
    /// The InferencePool to serve (--pool-name). Required unless <see cref="EndpointSelector"/> is set; then it only
    /// names the synthetic pool.
    /// </summary>
    public string PoolName { get; set; } = "";

    /// <summary>API group of the pool to watch (--pool-group): <see cref="ExperimentalGroup"/> or <see cref="StandardGroup"/>.</summary>
    public string PoolGroup { get; set; } = ExperimentalGroup;

    /// <summary>Version of the pool (and InferenceModels) in <see cref="ExperimentalGroup"/> (--pool-version): v1alpha1 or v1alpha2. Null: v1alpha1 (or v1 in <see cref="StandardGroup"/>).</summary>
    public string? PoolVersion { get; set; }

    /// <summary>
    /// Pool-less mode (--endpoint-selector): an equality label selector ("app=vllm,tier=gpu") over the pods of
    /// <see cref="PoolNamespace"/>; no InferencePool is read, the picker serves the selected pods on
    /// <see cref="EndpointTargetPorts"/>.
    /// </summary>
    public string? EndpointSelector { get; set; }

    /// <summary>Ports of every selected pod in pool-less mode (--endpoint-target-ports), 1 to 8; each is its own endpoint.</summary>
    public List<int> EndpointTargetPorts { get; set; } = [];

    /// <summary>True in pool-less mode.</summary>
    public bool IsPoolless => !string.IsNullOrWhiteSpace(EndpointSelector);

    /// <summary>The pool version actually watched.</summary>
    public string EffectivePoolVersion => PoolVersion ?? (PoolGroup == StandardGroup ? "v1" : "v1alpha1");

    /// <summary>The served pool's name: <see cref="PoolName"/>, or <see cref="DefaultPoollessName"/> in pool-less mode.</summary>
    public string EffectivePoolName => IsPoolless && string.IsNullOrWhiteSpace(PoolName) ? DefaultPoollessName : PoolName;

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

    /// <summary>
    /// Emit events.k8s.io/v1 Events (only the leader, only on transitions) about the pool and its models, and about
    /// leader election. Needs create and patch on events.k8s.io events; without them the events are dropped.
    /// </summary>
    public bool EmitEvents { get; set; } = true;

    public LeaderElectionOptions LeaderElection { get; set; } = new();

    /// <summary>The namespace the lease lives in: <see cref="LeaderElectionOptions.LeaseNamespace"/> or the pool's.</summary>
    public string EffectiveLeaseNamespace => LeaderElection.LeaseNamespace ?? PoolNamespace;

    /// <summary>The lease name: <see cref="LeaderElectionOptions.LeaseName"/> or "&lt;pool&gt;-epp-leader".</summary>
    public string EffectiveLeaseName => LeaderElection.LeaseName ?? $"{EffectivePoolName}-epp-leader";

    public void Validate()
    {
        if (IsPoolless)
        {
            _ = LabelSelectors.ParseEquality(EndpointSelector!);
            if (EndpointTargetPorts.Count is 0 or > 8)
            {
                throw new ArgumentException("pool-less mode needs 1 to 8 target ports (--endpoint-target-ports 8000,8001)", nameof(EndpointTargetPorts));
            }

            foreach (var port in EndpointTargetPorts)
            {
                if (port is < 1 or > 65535)
                {
                    throw new ArgumentException($"--endpoint-target-ports: {port} is not a port (1..65535)", nameof(EndpointTargetPorts));
                }
            }

            if (EndpointTargetPorts.Distinct().Count() != EndpointTargetPorts.Count)
            {
                throw new ArgumentException("--endpoint-target-ports: a port is listed twice", nameof(EndpointTargetPorts));
            }
        }
        else
        {
            if (string.IsNullOrWhiteSpace(PoolName))
            {
                throw new ArgumentException("the pool name (--pool-name) is required (or --endpoint-selector for pool-less mode)", nameof(PoolName));
            }

            if (EndpointTargetPorts.Count > 0)
            {
                throw new ArgumentException("--endpoint-target-ports needs --endpoint-selector (the pool's own ports are used otherwise)", nameof(EndpointTargetPorts));
            }
        }

        switch (PoolGroup, EffectivePoolVersion)
        {
            case (ExperimentalGroup, "v1alpha1" or "v1alpha2"):
            case (StandardGroup, "v1"):
                break;
            case (ExperimentalGroup or StandardGroup, _):
                throw new ArgumentException($"--pool-version {PoolVersion} is not served for --pool-group {PoolGroup} (use v1alpha1 or v1alpha2 with {ExperimentalGroup}, v1 with {StandardGroup})", nameof(PoolVersion));
            default:
                throw new ArgumentException($"--pool-group must be {ExperimentalGroup} or {StandardGroup}, got '{PoolGroup}'", nameof(PoolGroup));
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
