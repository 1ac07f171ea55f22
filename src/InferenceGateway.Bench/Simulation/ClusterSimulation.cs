using System.Collections.Frozen;
using System.Globalization;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Bench.Simulation;

/// <summary>Sizes of a simulated cluster.</summary>
internal sealed record SimulationOptions
{
    public int Servers { get; init; } = 8;

    public required EngineOptions Engine { get; init; }

    /// <summary>How often each server's metrics are scraped (the reference picker: 50 ms).</summary>
    public TimeSpan ScrapeInterval { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Base model name (the target model of requests without an adapter).</summary>
    public string Model { get; init; } = "model";

    /// <summary>
    /// The load generator's worker limit (inference-perf's and the http mode's): at most this many requests in flight;
    /// an arrival beyond it waits at the client and is sent when a request ends. Null: open loop, every arrival is
    /// sent at once. TTFT counts from the actual send, as the field's clients measure it; the wait is reported apart.
    /// </summary>
    public int? MaxConcurrency { get; init; }

    /// <summary>After the last arrival, requests still unfinished after this much virtual time count as failed.</summary>
    public TimeSpan MaxDrain { get; init; } = TimeSpan.FromHours(1);

    /// <summary>
    /// Every this much virtual time, sample each server into <see cref="SimulationResult.Timeline"/> (`--timeline`);
    /// null: no samples. Sampling only reads state, so the run's results are the same with or without it.
    /// </summary>
    public TimeSpan? TimelineInterval { get; init; }

    public static IReadOnlyList<Endpoint> EndpointsFor(int servers)
    {
        var endpoints = new Endpoint[servers];
        for (var i = 0; i < servers; i++)
        {
            var address = string.Create(CultureInfo.InvariantCulture, $"10.0.{i / 250}.{(i % 250) + 1}:8000");
            endpoints[i] = new Endpoint(address, "sim-" + i.ToString(CultureInfo.InvariantCulture), "default", Endpoint.DefaultEngineType, FrozenDictionary<string, string>.Empty);
        }

        return endpoints;
    }
}

/// <summary>What one simulated run produced.</summary>
internal sealed class SimulationResult
{
    public required IReadOnlyList<RequestResult> Requests { get; init; }

    /// <summary>Inter-token gaps per stage (index = stage) and over the whole run (last element).</summary>
    public required IReadOnlyList<GapSample> Gaps { get; init; }

    /// <summary>Per stage and overall (last): mean waiting, mean KV usage and p90 KV usage over scrapes.</summary>
    public required IReadOnlyList<(double MeanWaiting, double MeanKv, double P90Kv)> ClusterLoad { get; init; }

    public required long Preemptions { get; init; }

    /// <summary>Tokens generated and requests completed inside each stage's time window.</summary>
    public required StageWindows Windows { get; init; }

    public required long Events { get; init; }

    public required TimeSpan VirtualEnd { get; init; }

    /// <summary>Per-server samples every <see cref="SimulationOptions.TimelineInterval"/>, by time then server; empty without it.</summary>
    public IReadOnlyList<TimelineSample> Timeline { get; init; } = [];
}

/// <summary>
/// Discrete-event simulation of a cluster: N servers each running the simulator's <see cref="Engine"/> on virtual
/// time, one scheduler placing every request. One event queue holds arrivals, step completions and scrapes.
/// The scheduler sees each server's metrics as of its last scrape (so they lag as a real scrape loop's do) and
/// its own in-flight counts (requests sent and not finished), exactly what a picker has. Single-threaded and
/// deterministic: the same plan, options and scheduler seed give the same results.
/// </summary>
internal sealed class ClusterSimulation : IEngineEventSink
{
    private const int Arrival = 0;
    private const int StepEnd = 1;
    private const int Scrape = 2;
    private const int Sample = 3;

    private readonly SimulationOptions _options;
    private readonly IReadOnlyList<Endpoint> _endpoints;
    private readonly Dictionary<string, int> _serverByAddress;
    private readonly Engine[] _engines;
    private readonly EndpointMetrics?[] _metrics;
    private readonly int[] _inFlight;
    private readonly long[] _inFlightTokens;
    private readonly EndpointCandidate[] _candidates;
    private readonly PriorityQueue<(int Kind, int Index), (long Ticks, long Seq)> _queue = new();
    private long _seq;
    private TimeSpan _now;
    private RequestState[] _states = [];
    private GapSample[] _gaps = [];
    private int _outstanding;
    private readonly Queue<PlannedRequest> _clientQueue = new();
    private StageWindows _windows = new([]);
    private ISchedulerObserver? _observer;
    private List<TimelineSample> _timeline = [];
    private EngineCounters[] _sampledCounters = [];

    public ClusterSimulation(SimulationOptions options, IReadOnlyList<Endpoint>? endpoints = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.Servers, 1);
        _options = options;
        _endpoints = endpoints ?? SimulationOptions.EndpointsFor(options.Servers);
        if (_endpoints.Count != options.Servers)
        {
            throw new ArgumentException("one endpoint per server is needed", nameof(endpoints));
        }

        _serverByAddress = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var i = 0; i < _endpoints.Count; i++)
        {
            _serverByAddress.Add(_endpoints[i].Address, i);
        }

        _engines = new Engine[options.Servers];
        for (var i = 0; i < _engines.Length; i++)
        {
            _engines[i] = new Engine(options.Engine);
        }

        _metrics = new EndpointMetrics?[options.Servers];
        _inFlight = new int[options.Servers];
        _inFlightTokens = new long[options.Servers];
        _candidates = new EndpointCandidate[options.Servers];
    }

    public IReadOnlyList<Endpoint> Endpoints => _endpoints;

    /// <summary>
    /// Runs <paramref name="plan"/> to completion. <paramref name="time"/> is the clock the scheduler reads. A
    /// scheduler that is also an <see cref="ISchedulerObserver"/> is told when each request it placed ends.
    /// </summary>
    public SimulationResult Run(LoadPlan plan, IScheduler scheduler, VirtualTimeProvider time, int seed, Action<double>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(scheduler);
        ArgumentNullException.ThrowIfNull(time);
        var requests = plan.Requests;
        _observer = scheduler as ISchedulerObserver;
        _clientQueue.Clear();
        _states = new RequestState[requests.Count];
        var stages = plan.Stages.Count;
        _gaps = new GapSample[stages + 1];
        for (var s = 0; s < stages; s++)
        {
            _gaps[s] = new GapSample(seed + s + 1, GapSample.Capacity / 8);
        }

        _gaps[stages] = new GapSample(seed);
        _windows = new StageWindows([.. plan.Stages.Select(st => st.Duration)]);
        var load = new LoadAccumulator[stages + 1];
        for (var s = 0; s <= stages; s++)
        {
            load[s] = new LoadAccumulator();
        }

        for (var i = 0; i < requests.Count; i++)
        {
            Push(requests[i].At, Arrival, i);
        }

        var interval = _options.ScrapeInterval;
        for (var s = 0; s < _engines.Length; s++)
        {
            // Staggered phases, as independent per-endpoint scrape loops would be.
            Push(TimeSpan.FromTicks(interval.Ticks * s / _engines.Length), Scrape, s);
        }

        _timeline = [];
        _sampledCounters = new EngineCounters[_engines.Length];
        for (var s = 0; s < _engines.Length; s++)
        {
            _sampledCounters[s] = _engines[s].Counters;
        }

        if (_options.TimelineInterval is { } sampleEvery)
        {
            Push(sampleEvery, Sample, 0);
        }

        var deadline = plan.Duration + _options.MaxDrain;
        var arrived = 0;
        long events = 0;
        var progressEvery = Math.Max(1, requests.Count / 200);
        while (_queue.TryDequeue(out var item, out var priority))
        {
            var at = TimeSpan.FromTicks(priority.Ticks);
            if (item.Kind == Sample)
            {
                // Samples only read state; past the drain limit they are dropped so that the run ends where it
                // would without them.
                if (at <= deadline)
                {
                    _now = at;
                    SampleServers();
                    if (arrived < requests.Count || _outstanding > 0 || _clientQueue.Count > 0)
                    {
                        Push(_now + _options.TimelineInterval!.Value, Sample, 0);
                    }
                }

                continue;
            }

            _now = at;
            if (_now > deadline)
            {
                break;
            }

            events++;
            switch (item.Kind)
            {
                case Arrival:
                    time.Now = _now;
                    if (_options.MaxConcurrency is { } cap && (_outstanding >= cap || _clientQueue.Count > 0))
                    {
                        _clientQueue.Enqueue(requests[item.Index]);
                    }
                    else
                    {
                        Dispatch(requests[item.Index], scheduler);
                    }

                    arrived++;
                    if (progress is not null && arrived % progressEvery == 0)
                    {
                        progress((double)arrived / requests.Count);
                    }

                    break;
                case StepEnd:
                    _engines[item.Index].EndStep(this);
                    StartStep(item.Index);
                    break;
                default:
                    ScrapeServer(item.Index, load, plan);
                    if (arrived < requests.Count || _outstanding > 0 || _clientQueue.Count > 0)
                    {
                        Push(_now + interval, Scrape, item.Index);
                    }

                    break;
            }

            // Freed workers send what waits at the client once the event is fully handled (never from inside an
            // engine step, whose server is not ready for a new step yet).
            if (_clientQueue.Count > 0)
            {
                time.Now = _now;
                SendWaiting(scheduler);
            }

            if (arrived == requests.Count && _outstanding == 0 && _clientQueue.Count == 0)
            {
                break;
            }
        }

        _queue.Clear();
        var results = new RequestResult[requests.Count];
        for (var i = 0; i < results.Length; i++)
        {
            results[i] = _states[i]?.ToResult(requests[i]) ?? new RequestResult
            {
                Index = i,
                Stage = requests[i].Stage,
                SendTime = requests[i].At.TotalSeconds,
                Succeeded = false,
                Error = "not sent before the drain limit",
                EndTime = _now.TotalSeconds,
            };
        }

        long preemptions = 0;
        foreach (var engine in _engines)
        {
            preemptions += engine.Counters.Preemptions;
        }

        progress?.Invoke(1.0);
        var clusterLoad = new (double, double, double)[load.Length];
        for (var s = 0; s < load.Length; s++)
        {
            clusterLoad[s] = load[s].Result();
        }

        return new SimulationResult
        {
            Requests = results,
            Gaps = _gaps,
            ClusterLoad = clusterLoad,
            Preemptions = preemptions,
            Windows = _windows,
            Events = events,
            VirtualEnd = _now,
            Timeline = _timeline,
        };
    }

    void IEngineEventSink.OnEvent(in EngineEvent engineEvent)
    {
        var state = (RequestState)engineEvent.Request.State!;
        var t = engineEvent.Time.TotalSeconds;
        switch (engineEvent.Kind)
        {
            case EngineEventKind.FirstToken:
                state.FirstToken = t;
                state.LastToken = t;
                _windows.AddTokens(t, 1);
                break;
            case EngineEventKind.Token:
                _windows.AddTokens(t, 1);
                var gap = t - state.LastToken;
                state.LastToken = t;
                _gaps[state.Stage].Add(gap);
                _gaps[^1].Add(gap);
                break;
            case EngineEventKind.Finished:
                state.End = t;
                state.Done = true;
                _windows.AddCompletion(t, engineEvent.Request.PromptTokens);
                Release(state);
                break;
            default:
                break;
        }
    }

    private void Dispatch(PlannedRequest planned, IScheduler scheduler)
    {
        var item = planned.Item;
        var state = new RequestState(planned.Stage, _now.TotalSeconds, planned.Index.ToString(CultureInfo.InvariantCulture));
        _states[planned.Index] = state;
        for (var i = 0; i < _engines.Length; i++)
        {
            _candidates[i] = new EndpointCandidate(_endpoints[i], _metrics[i], _inFlight[i], _inFlightTokens[i]);
        }

        var request = new SchedulingRequest(
            state.RequestId,
            item.Adapter ?? _options.Model,
            CriticalityBand.Default,
            item.PromptBytes,
            item.PromptTokens,
            item.OutputTokens,
            null);
        var result = scheduler.Schedule(request, _candidates);
        if (result.Rejection is { } rejection)
        {
            state.Fail(rejection.StatusCode, "scheduler: " + rejection.Message, _now.TotalSeconds);
            return;
        }

        if (result.Endpoints.IsDefaultOrEmpty || !_serverByAddress.TryGetValue(result.Endpoints[0].Address, out var server))
        {
            state.Fail(503, "scheduler returned no known endpoint", _now.TotalSeconds);
            return;
        }

        var engine = _engines[server];
        state.Server = server;
        state.Tokens = item.PromptTokens + item.OutputTokens;
        state.Engine = new EngineRequest(planned.Index, item.PromptTokens, item.BlockHashes(_options.Engine.BlockSize), item.OutputTokens, item.Adapter, state);
        var submitted = engine.Submit(state.Engine, _now);
        if (submitted != SubmitResult.Accepted)
        {
            state.Fail(submitted == SubmitResult.QueueFull ? 429 : 400, "engine: " + submitted, _now.TotalSeconds);
            _observer?.OnRequestEnded(state.RequestId, _endpoints[server], false, 0);
            return;
        }

        _inFlight[server]++;
        _inFlightTokens[server] += state.Tokens;
        _outstanding++;
        if (!engine.InStep)
        {
            StartStep(server);
        }
    }

    private void Release(RequestState state)
    {
        _inFlight[state.Server]--;
        _inFlightTokens[state.Server] -= state.Tokens;
        _outstanding--;
        _observer?.OnRequestEnded(state.RequestId, _endpoints[state.Server], true, state.Engine!.CachedTokens);
    }

    /// <summary>A worker is free: send the requests waiting at the client, oldest first, up to the limit.</summary>
    private void SendWaiting(IScheduler scheduler)
    {
        while (_clientQueue.Count > 0 && _outstanding < _options.MaxConcurrency)
        {
            // A refused request frees its worker at once, so keep going until one is in flight or none wait.
            Dispatch(_clientQueue.Dequeue(), scheduler);
        }
    }

    private void StartStep(int server)
    {
        var duration = _engines[server].BeginStep(_now);
        if (duration is { } d)
        {
            Push(_now + d, StepEnd, server);
        }
    }

    /// <summary>One timeline row per server: its state now and its admissions and preemptions since the last row.</summary>
    private void SampleServers()
    {
        for (var i = 0; i < _engines.Length; i++)
        {
            var snapshot = _engines[i].Snapshot();
            var counters = snapshot.Counters;
            var before = _sampledCounters[i];
            _sampledCounters[i] = counters;
            _timeline.Add(new TimelineSample(
                _now.TotalSeconds,
                _endpoints[i].Name,
                snapshot.WaitingRequests,
                snapshot.RunningRequests,
                _inFlight[i],
                snapshot.KvCacheUsage,
                counters.PrefixCacheQueries - before.PrefixCacheQueries,
                counters.PrefixCacheHits - before.PrefixCacheHits,
                counters.Preemptions - before.Preemptions,
                snapshot.KvBlocksCached));
        }
    }

    private void ScrapeServer(int server, LoadAccumulator[] load, LoadPlan plan)
    {
        var snapshot = _engines[server].Snapshot();
        _metrics[server] = new EndpointMetrics(
            snapshot.WaitingRequests,
            snapshot.RunningRequests,
            snapshot.KvCacheUsage,
            ToSet(snapshot.RunningAdapters),
            ToSet(snapshot.WaitingAdapters),
            snapshot.MaxLoras,
            snapshot.BlockSize,
            snapshot.KvBlocksTotal,
            VirtualTimeProvider.Epoch + _now);
        var stage = StageAt(plan, _now);
        if (stage >= 0)
        {
            load[stage].Add(snapshot.WaitingRequests, snapshot.KvCacheUsage);
        }

        load[^1].Add(snapshot.WaitingRequests, snapshot.KvCacheUsage);
    }

    private static int StageAt(LoadPlan plan, TimeSpan now)
    {
        var end = 0.0;
        var t = now.TotalSeconds;
        for (var s = 0; s < plan.Stages.Count; s++)
        {
            end += plan.Stages[s].Duration;
            if (t < end)
            {
                return s;
            }
        }

        return -1;
    }

    private static FrozenSet<string> ToSet(IReadOnlyList<string> names) =>
        names.Count == 0 ? FrozenSet<string>.Empty : names.ToFrozenSet(StringComparer.Ordinal);

    private void Push(TimeSpan at, int kind, int index) => _queue.Enqueue((kind, index), (at.Ticks, _seq++));

    private sealed class RequestState(int stage, double send, string requestId)
    {
        public string RequestId { get; } = requestId;

        public int Stage { get; } = stage;

        public double Send { get; } = send;

        public int Server { get; set; } = -1;

        public long Tokens { get; set; }

        public EngineRequest? Engine { get; set; }

        public double? FirstToken { get; set; }

        public double LastToken { get; set; }

        public double End { get; set; }

        public bool Done { get; set; }

        public int StatusCode { get; private set; }

        public string? Error { get; private set; }

        public void Fail(int statusCode, string error, double at)
        {
            StatusCode = statusCode;
            Error = error;
            End = at;
            Done = true;
        }

        public RequestResult ToResult(PlannedRequest planned)
        {
            var ok = Done && Error is null;
            return new RequestResult
            {
                Index = planned.Index,
                Stage = Stage,
                SendTime = Send,
                ArrivalTime = planned.At.TotalSeconds,
                Succeeded = ok,
                StatusCode = ok ? 200 : StatusCode,
                Error = Done ? Error : "unfinished at the drain limit",
                FirstTokenTime = FirstToken,
                EndTime = Done ? End : Math.Max(LastToken, Send),
                PromptTokens = planned.Item.PromptTokens,
                CachedTokens = Engine?.CachedTokens ?? 0,
                OutputTokens = Engine?.GeneratedTokens ?? 0,
                Endpoint = Server >= 0 ? Server.ToString(CultureInfo.InvariantCulture) : null,
            };
        }
    }

    private sealed class LoadAccumulator
    {
        private readonly List<double> _kv = [];
        private double _waiting;

        public void Add(int waiting, double kv)
        {
            _waiting += waiting;
            _kv.Add(kv);
        }

        public (double MeanWaiting, double MeanKv, double P90Kv) Result()
        {
            if (_kv.Count == 0)
            {
                return (double.NaN, double.NaN, double.NaN);
            }

            var span = System.Runtime.InteropServices.CollectionsMarshal.AsSpan(_kv);
            var mean = Percentiles.Mean(span);
            var p90 = Percentiles.Compute(span, 90)[0];
            return (_waiting / _kv.Count, mean, p90);
        }
    }
}
