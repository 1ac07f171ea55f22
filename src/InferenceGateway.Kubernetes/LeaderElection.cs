using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

/// <summary>Whether this replica may write status (the leader), and when that changes.</summary>
public interface ILeadership
{
    bool IsLeader { get; }

    /// <summary>Raised with the new value when this replica gains or loses leadership.</summary>
    event Action<bool>? LeadershipChanged;
}

/// <summary>A single replica (leader election off): always the leader.</summary>
public sealed class SingleReplicaLeadership : ILeadership
{
    public bool IsLeader => true;

    public event Action<bool>? LeadershipChanged
    {
        add { }
        remove { }
    }
}

/// <summary>
/// Leader election on a coordination.k8s.io/v1 Lease with KubernetesClient's LeaderElector: the holder renews the
/// lease every retry period; when it stops renewing (crash, stop, partition) another replica takes the lease once
/// it has expired. Every replica keeps its informers and datastore and serves picks; only the leader writes status.
/// </summary>
public sealed class LeaseLeadership : BackgroundService, ILeadership
{
    private readonly KubernetesSourceOptions _options;
    private readonly KubernetesApiClient _api;
    private readonly ILogger<LeaseLeadership> _logger;
    private readonly IEventRecorder _events;
    private volatile bool _isLeader;

    /// <param name="events">Receives a Normal "LeaderElection" event on the Lease when this replica starts or stops leading.</param>
    internal LeaseLeadership(KubernetesSourceOptions options, KubernetesApiClient api, ILogger<LeaseLeadership> logger, IEventRecorder? events = null)
    {
        _options = options;
        _api = api;
        _logger = logger;
        _events = options.EmitEvents && events is not null ? events : NullEventRecorder.Instance;
    }

    /// <summary>The reason of the events about this replica's leadership (client-go's leader election uses the same).</summary>
    internal const string LeaderElectionReason = "LeaderElection";

    public bool IsLeader => _isLeader;

    public event Action<bool>? LeadershipChanged;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var election = _options.LeaderElection;
        var leaseLock = new LeaseLock(_api.Typed, _options.EffectiveLeaseNamespace, _options.EffectiveLeaseName, election.Identity);
        var config = new LeaderElectionConfig(leaseLock)
        {
            LeaseDuration = election.LeaseDuration,
            RenewDeadline = election.RenewDeadline,
            RetryPeriod = election.RetryPeriod,
        };
        using var elector = new LeaderElector(config);
        elector.OnStartedLeading += () => SetLeader(true);
        elector.OnStoppedLeading += () => SetLeader(false);
        elector.OnNewLeader += leader => KubernetesLog.NewLeader(_logger, _options.EffectiveLeaseNamespace, _options.EffectiveLeaseName, leader);
        elector.OnError += e => KubernetesLog.LeaderElectionError(_logger, e.Message);
        try
        {
            await elector.RunAndTryToHoldLeadershipForeverAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            SetLeader(false);
        }
    }

    private void SetLeader(bool value)
    {
        if (_isLeader == value)
        {
            return;
        }

        _isLeader = value;
        KubernetesLog.LeadershipChanged(_logger, _options.LeaderElection.Identity, value);
        var lease = new EventReference("coordination.k8s.io/v1", "Lease", _options.EffectiveLeaseNamespace, _options.EffectiveLeaseName, null);
        if (!value)
        {
            // What this replica decided while leading and has not sent yet is stale now (the next leader reports from
            // the objects); only the election's own events still go out, this one included.
            _events.DropQueued(lease);
        }

        _events.Normal(lease, LeaderElectionReason, value ? "Acquire" : "Release",
            value ? $"{_options.LeaderElection.Identity} became leader" : $"{_options.LeaderElection.Identity} stopped leading");
        LeadershipChanged?.Invoke(value);
    }
}
