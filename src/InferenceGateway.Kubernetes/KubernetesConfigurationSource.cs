using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha2;
using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

/// <summary>
/// Keeps the datastore in step with the cluster: informers (list + watch) on the served InferencePool (of the
/// group/version <see cref="KubernetesSourceOptions.PoolGroup"/> and <see cref="KubernetesSourceOptions.PoolVersion"/>
/// select), the InferenceModels of that version in its namespace (none for v1), the InferenceObjectives and
/// InferenceModelRewrites (x-k8s.io v1alpha2; optional: a missing CRD is tolerated) for the v1alpha2 and v1 eras,
/// and the pods matching the pool's selector (restarted with the new selector when it changes). In pool-less mode
/// (<see cref="KubernetesSourceOptions.EndpointSelector"/>) no pool is read: a synthetic v1 pool carries the selector
/// and ports. Each burst of changes rebuilds the snapshot once with <see cref="SnapshotBuilder"/> and publishes it
/// when its content changed. For the seed's v1alpha1 resources, while this replica is the leader, it then writes
/// the Accepted (models) and Ready (pool) conditions through the status subresource, but only those that differ from
/// what the objects already say. A v1 pool's status.parents belongs to the gateways and is never written. The leader
/// also reports transitions of those decisions (any pool version) as Events through <see cref="ConditionEvents"/>.
/// </summary>
public sealed class KubernetesConfigurationSource : BackgroundService
{
    private readonly KubernetesSourceOptions _options;
    private readonly KubernetesApiClient _api;
    private readonly InMemoryDatastore _datastore;
    private readonly ILeadership _leadership;
    private readonly TimeProvider _time;
    private readonly ILogger<KubernetesConfigurationSource> _logger;
    private readonly ConditionEvents? _events;
    private readonly Channel<bool> _signals = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Dictionary<string, string?> _pendingWrites = new(StringComparer.Ordinal);
    private readonly IResourceInformer? _pools;
    private readonly IResourceInformer? _models;
    private readonly IResourceInformer? _objectives;
    private readonly IResourceInformer? _rewrites;
    private readonly Api.V1.InferencePool? _synthetic;
    private readonly bool _writesStatus;
    private ResourceInformer<Pod>? _pods;
    private CancellationTokenSource? _podsStop;
    private Task _podsTask = Task.CompletedTask;
    private string? _podSelector;
    private string _lastErrors = "";
    private ITimer? _retryTimer;
    private int _reconcileCount;
    private long _signalSequence;
    private long _reconciledSequence;
    private int _leadershipChanges;
    private int _leadershipChangesSeen;

    internal KubernetesConfigurationSource(
        KubernetesSourceOptions options,
        KubernetesApiClient api,
        InMemoryDatastore datastore,
        ILeadership leadership,
        TimeProvider time,
        ILogger<KubernetesConfigurationSource> logger,
        IEventRecorder? events = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _api = api;
        _datastore = datastore;
        _leadership = leadership;
        _time = time;
        _logger = logger;
        _events = options.EmitEvents && events is not null ? new ConditionEvents(events) : null;
        var ns = Uri.EscapeDataString(options.PoolNamespace);
        var version = options.EffectivePoolVersion;
        var group = $"apis/{options.PoolGroup}/{version}/namespaces/{ns}";
        if (options.IsPoolless)
        {
            _synthetic = SyntheticPool(options);
        }
        else
        {
            var byName = $"metadata.name={options.PoolName}";
            _pools = version switch
            {
                "v1alpha1" => NewInformer<Api.V1Alpha1.InferencePool>($"{group}/inferencepools", null, byName),
                "v1alpha2" => NewInformer<InferencePool>($"{group}/inferencepools", null, byName),
                _ => NewInformer<Api.V1.InferencePool>($"{group}/inferencepools", null, byName),
            };
            _models = version switch
            {
                "v1alpha1" => NewInformer<Api.V1Alpha1.InferenceModel>($"{group}/inferencemodels", null, null),
                // The v1alpha2 era moved to InferenceObjective; a cluster may no longer have this CRD.
                "v1alpha2" => NewInformer<InferenceModel>($"{group}/inferencemodels", null, null, optional: true),
                _ => null, // v1 has no InferenceModel
            };
        }

        if (version != "v1alpha1" || options.IsPoolless)
        {
            var objectives = $"apis/{InferenceObjective.Group}/{InferenceObjective.Version}/namespaces/{ns}";
            _objectives = NewInformer<InferenceObjective>($"{objectives}/inferenceobjectives", null, null, optional: true);
            _rewrites = NewInformer<InferenceModelRewrite>($"{objectives}/inferencemodelrewrites", null, null, optional: true);
        }

        _writesStatus = options.WriteStatus && !options.IsPoolless && version == "v1alpha1";
    }

    private IEnumerable<IResourceInformer> FixedInformers()
    {
        foreach (var informer in new[] { _pools, _models, _objectives, _rewrites })
        {
            if (informer is not null)
            {
                yield return informer;
            }
        }
    }

    /// <summary>True once the pool, model and pod informers have listed and the first snapshot was built (readiness).</summary>
    public bool IsSynced => _synced.Task.IsCompleted;

    /// <summary>Completes at the initial sync (see <see cref="IsSynced"/>).</summary>
    public Task Synced => _synced.Task;

    /// <summary>Lists made so far by the pool, model and pod informers (re-lists happen only after 410 Gone).</summary>
    internal (int Pools, int Models, int Pods) ListCounts => (_pools?.ListCount ?? 0, _models?.ListCount ?? 0, _pods?.ListCount ?? 0);

    /// <summary>Completed reconcile passes (rebuild + status check); tests wait on it instead of sleeping.</summary>
    internal int ReconcileCount => Volatile.Read(ref _reconcileCount);

    /// <summary>Change signals raised so far (informer events, bookmarks, leadership).</summary>
    internal long SignalSequence => Interlocked.Read(ref _signalSequence);

    /// <summary>The <see cref="SignalSequence"/> the last completed pass had seen when it started.</summary>
    internal long ReconciledSequence => Interlocked.Read(ref _reconciledSequence);

    /// <summary>The newest resourceVersion each running informer has seen.</summary>
    internal string?[] ObservedResourceVersions =>
        [.. FixedInformers().Where(i => !i.IsMissing).Select(i => i.LastResourceVersion), .. _pods is { } pods ? [pods.LastResourceVersion] : Array.Empty<string?>()];

    /// <summary>True while the InferenceObjective / InferenceModelRewrite CRDs answer 404 (null: not watched).</summary>
    internal (bool? Objectives, bool? Rewrites) MissingResources => (_objectives?.IsMissing, _rewrites?.IsMissing);

    /// <summary>The label selector the pod informer watches with (null: none yet).</summary>
    internal string? PodSelector => Volatile.Read(ref _podSelector);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _leadership.LeadershipChanged += OnLeadershipChanged;
        var informers = FixedInformers().Select(i => i.RunAsync(stoppingToken)).ToArray();
        if (_synthetic is not null)
        {
            Signal(); // nothing to list but pods: start them now
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var signal = _signals.Reader.WaitToReadAsync(stoppingToken).AsTask();
                var first = await Task.WhenAny([signal, .. informers, _podsTask.IsCompleted ? signal : _podsTask]).ConfigureAwait(false);
                if (first != signal && first.IsFaulted)
                {
                    await first.ConfigureAwait(false); // an informer bug: stop the host loudly
                }

                await signal.ConfigureAwait(false);
                if (_options.CoalesceDelay > TimeSpan.Zero)
                {
                    await Task.Delay(_options.CoalesceDelay, _time, stoppingToken).ConfigureAwait(false);
                }

                while (_signals.Reader.TryRead(out _))
                {
                }

                await ReconcileAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _leadership.LeadershipChanged -= OnLeadershipChanged;
            _retryTimer?.Dispose();
            await StopPodInformerAsync().ConfigureAwait(false);
            await Task.WhenAll(informers).ConfigureAwait(false);
        }
    }

    private ResourceInformer<T> NewInformer<T>(string path, string? labelSelector, string? fieldSelector, bool optional = false) where T : KubernetesObject =>
        new(_api, path, labelSelector, fieldSelector, Signal, _time, _options.InitialReconnectDelay, _options.MaxReconnectDelay, _logger, optional);

    /// <summary>The pool of pool-less mode: a v1 pool (any model name passes through) over the endpoint selector.</summary>
    private static Api.V1.InferencePool SyntheticPool(KubernetesSourceOptions options) => new()
    {
        ApiVersion = Api.V1.InferencePool.GroupVersion,
        Kind = Api.V1.InferencePool.KindName,
        Metadata = new ObjectMeta { Name = options.EffectivePoolName, Namespace = options.PoolNamespace },
        Spec = new Api.V1.InferencePoolSpec
        {
            Selector = new Api.V1.LabelSelector { MatchLabels = LabelSelectors.ParseEquality(options.EndpointSelector!) },
            TargetPorts = [.. options.EndpointTargetPorts.Select(p => new Api.V1.Port { Number = p })],
        },
    };

    private void Signal()
    {
        Interlocked.Increment(ref _signalSequence);
        _signals.Writer.TryWrite(true);
    }

    private void OnLeadershipChanged(bool isLeader)
    {
        Interlocked.Increment(ref _leadershipChanges); // the next pass forgets the transitions it tracked
        if (isLeader)
        {
            Signal(); // a new leader checks every status at once
        }
    }

    private async Task ReconcileAsync(CancellationToken cancellationToken)
    {
        var sequence = Interlocked.Read(ref _signalSequence);
        IReadOnlyList<KubernetesObject> pools = _synthetic is not null ? [_synthetic] : _pools!.Objects();
        KubernetesObject? pool = null;
        foreach (var candidate in pools)
        {
            if (candidate.Metadata.Name == _options.EffectivePoolName)
            {
                pool = candidate;
            }
        }

        await EnsurePodInformerAsync(LabelSelectors.Format(SelectorOf(pool)), cancellationToken).ConfigureAwait(false);
        if (FixedInformers().Any(i => !i.HasSynced) || _pods is { HasSynced: false })
        {
            Interlocked.Increment(ref _reconcileCount);
            Interlocked.Exchange(ref _reconciledSequence, sequence);
            return; // keep serving the previous snapshot until every informer has listed
        }

        var models = _models?.Objects() ?? [];
        var pods = _pods?.Items() ?? [];
        var inputs = SnapshotInputs.FromResources([.. pools, .. models, .. _objectives?.Objects() ?? [], .. _rewrites?.Objects() ?? [], .. pods]);
        var build = SnapshotBuilder.Build(inputs, new PoolSelection(_options.EffectivePoolName, _options.PoolNamespace)
        {
            Group = _synthetic is null ? _options.PoolGroup : KubernetesSourceOptions.StandardGroup,
        });
        var errors = string.Join("; ", build.Errors);
        if (errors != _lastErrors)
        {
            _lastErrors = errors;
            foreach (var error in build.Errors)
            {
                KubernetesLog.PoolNotServed(_logger, error);
            }
        }

        var snapshot = build.Snapshot ?? DatastoreSnapshot.Empty;
        if (!SnapshotContent.Same(_datastore.Current, snapshot))
        {
            Publish(snapshot);
        }

        _synced.TrySetResult();

        // The leader's decisions are computed once per pass and feed both the Events and the status write.
        DesiredConditions? desired = null;
        if (_events is not null)
        {
            var changes = Volatile.Read(ref _leadershipChanges);
            if (changes != _leadershipChangesSeen)
            {
                // Leadership went away (and maybe came back) since the last pass: another replica may have reported
                // transitions meanwhile, so start again from what the objects say.
                _leadershipChangesSeen = changes;
                _events.Reset();
            }

            if (_leadership.IsLeader)
            {
                desired = Desired(pool, models, build);
                ReportTransitions(_events, pool, desired);
            }
            else
            {
                _events.Reset();
            }
        }

        if (_writesStatus && _leadership.IsLeader)
        {
            desired ??= Desired(pool, models, build);
            await WriteStatusAsync(pool as Api.V1Alpha1.InferencePool, desired, cancellationToken).ConfigureAwait(false);
        }

        Interlocked.Increment(ref _reconcileCount);
        Interlocked.Exchange(ref _reconciledSequence, sequence);
    }

    private void Publish(DatastoreSnapshot snapshot)
    {
        try
        {
            var published = _datastore.Publish(snapshot);
            KubernetesLog.SnapshotPublished(_logger, $"{_options.PoolNamespace}/{_options.EffectivePoolName}", snapshot.HasPool,
                snapshot.Endpoints.Length, snapshot.Models.Count, snapshot.Conflicts.Length, published.Version);
        }
        catch (AggregateException e)
        {
            // The snapshot is in force; a failing subscriber is its own bug.
            KubernetesLog.ChangedHandlerFailed(_logger, e);
        }
    }

    private static IReadOnlyDictionary<string, string>? SelectorOf(KubernetesObject? pool) => pool switch
    {
        Api.V1Alpha1.InferencePool p => p.Spec.Selector,
        InferencePool p => p.Spec.Selector,
        Api.V1.InferencePool p => p.Spec.Selector?.MatchLabels,
        _ => null,
    };

    private async Task EnsurePodInformerAsync(string? selector, CancellationToken cancellationToken)
    {
        if (selector == _podSelector)
        {
            return;
        }

        await StopPodInformerAsync().ConfigureAwait(false);
        Volatile.Write(ref _podSelector, selector);
        if (selector is null)
        {
            return; // an empty selector selects nothing
        }

        KubernetesLog.PodSelectorChanged(_logger, $"{_options.PoolNamespace}/{_options.EffectivePoolName}", selector);
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var informer = NewInformer<Pod>($"api/v1/namespaces/{Uri.EscapeDataString(_options.PoolNamespace)}/pods", selector, null);
        _pods = informer;
        _podsStop = stop;
        _podsTask = informer.RunAsync(stop.Token);
    }

    private async Task StopPodInformerAsync()
    {
        var stop = _podsStop;
        if (stop is null)
        {
            return;
        }

        await stop.CancelAsync().ConfigureAwait(false);
        await _podsTask.ConfigureAwait(false);
        stop.Dispose();
        _podsStop = null;
        _pods = null;
        _podsTask = Task.CompletedTask;
    }

    /// <summary>The conditions of this pass; a synthetic (pool-less) pool is no object, so it gets none.</summary>
    private DesiredConditions Desired(KubernetesObject? pool, IReadOnlyList<KubernetesObject> models, SnapshotBuildResult build) =>
        StatusConditions.Desired(_synthetic is null ? pool : null, models, build);

    /// <summary>
    /// Events for the leader's decisions that changed: the pool's readiness (NoReadyEndpoints, InvalidPool, Ready) and
    /// each model's acceptance (ModelNameConflict and the other rejection reasons, Accepted), for every pool version.
    /// </summary>
    private static void ReportTransitions(ConditionEvents events, KubernetesObject? pool, DesiredConditions desired)
    {
        var poolRef = pool switch
        {
            Api.V1Alpha1.InferencePool p => EventReference.To(p, Api.V1Alpha1.InferencePool.GroupVersion, Api.V1Alpha1.InferencePool.KindName),
            InferencePool p => EventReference.To(p, InferencePool.GroupVersion, InferencePool.KindName),
            Api.V1.InferencePool p => EventReference.To(p, Api.V1.InferencePool.GroupVersion, Api.V1.InferencePool.KindName),
            _ => null,
        };
        if (poolRef is not null && desired.Pool is { } ready)
        {
            events.Observe(poolRef, ready, (pool as Api.V1Alpha1.InferencePool)?.Status?.Conditions);
        }

        foreach (var (model, accepted) in desired.Models)
        {
            switch (model)
            {
                case Api.V1Alpha1.InferenceModel m:
                    events.Observe(EventReference.To(m, Api.V1Alpha1.InferenceModel.GroupVersion, Api.V1Alpha1.InferenceModel.KindName), accepted, m.Status?.Conditions);
                    break;
                case InferenceModel m:
                    events.Observe(EventReference.To(m, InferenceModel.GroupVersion, InferenceModel.KindName), accepted, m.Status?.Conditions);
                    break;
            }
        }

        events.Complete();
    }

    private async Task WriteStatusAsync(Api.V1Alpha1.InferencePool? pool, DesiredConditions desired, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var group = $"apis/{Api.V1Alpha1.InferencePool.Group}/{Api.V1Alpha1.InferencePool.Version}/namespaces/{Uri.EscapeDataString(_options.PoolNamespace)}";
        foreach (var (model, accepted) in desired.Models)
        {
            if (model is Api.V1Alpha1.InferenceModel m)
            {
                await WriteConditionsAsync($"{group}/inferencemodels/{Uri.EscapeDataString(m.Metadata.Name ?? "")}",
                    m.Metadata.ResourceVersion, StatusConditions.Merge(m.Status?.Conditions, accepted, now), cancellationToken).ConfigureAwait(false);
            }
        }

        if (pool is not null && desired.Pool is { } ready)
        {
            await WriteConditionsAsync($"{group}/inferencepools/{Uri.EscapeDataString(pool.Metadata.Name ?? "")}",
                pool.Metadata.ResourceVersion, StatusConditions.Merge(pool.Status?.Conditions, ready, now), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task WriteConditionsAsync(string path, string? seenVersion, List<Condition>? conditions, CancellationToken cancellationToken)
    {
        if (conditions is null)
        {
            _pendingWrites.Remove(path);
            return; // the object already says this
        }

        if (_pendingWrites.TryGetValue(path, out var writtenOver) && writtenOver == seenVersion)
        {
            return; // our last write to this object has not come back through the watch yet
        }

        var patch = new JsonObject
        {
            ["status"] = new JsonObject { ["conditions"] = JsonSerializer.SerializeToNode(conditions, KubernetesApiClient.Json) },
        };
        try
        {
            await _api.PatchStatusAsync(path, patch.ToJsonString(), cancellationToken).ConfigureAwait(false);
            _pendingWrites[path] = seenVersion;
            KubernetesLog.StatusWritten(_logger, path, conditions[^1].Type, conditions[^1].Status, conditions[^1].Reason);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // Retried by the next change, or after a delay if nothing changes; a 404 means the object went away.
            _pendingWrites.Remove(path);
            KubernetesLog.StatusWriteFailed(_logger, path, e.Message);
            _retryTimer?.Dispose();
            _retryTimer = _time.CreateTimer(_ => Signal(), null, _options.InitialReconnectDelay, Timeout.InfiniteTimeSpan);
        }
    }
}
