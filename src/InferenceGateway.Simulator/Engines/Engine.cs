namespace InferenceGateway.Simulator.Engines;

/// <summary>
/// A vLLM-style serving engine as a deterministic state machine on virtual time, independent of HTTP and clocks.
/// Drive it with <see cref="Submit"/>, then repeatedly <see cref="BeginStep"/> (forms a batch and returns how long
/// it takes) and <see cref="EndStep"/> (applies the batch at the step's end and reports events). Between the two,
/// <see cref="Submit"/> and <see cref="Cancel"/> may be called (arrivals join the next step).
/// Each step: every running sequence gets its next chunk (prefill, up to the token budget) or one decode token,
/// preempting the newest running sequences when KV blocks run out (their KV is freed and recomputed later); then,
/// if nothing was preempted, waiting requests are admitted in FIFO order while slots, token budget and KV blocks
/// allow, skipping requests whose LoRA adapter cannot get a slot. Not thread-safe.
/// </summary>
public sealed class Engine
{
    private readonly EngineOptions _options;
    private readonly EngineProfile _profile;
    private readonly KvBlockManager _kv;
    private readonly List<EngineRequest> _running;
    private readonly Dictionary<string, int> _adapterIds = new(StringComparer.Ordinal);
    private readonly List<string> _adapterNames = [string.Empty];
    private readonly int[] _slotAdapter;
    private readonly long[] _slotLastUsed;
    private readonly LatencyHistogram _ttft = new(LatencyHistogram.TimeToFirstTokenBounds);
    private readonly LatencyHistogram _e2e = new(LatencyHistogram.RequestLatencyBounds);
    private readonly LatencyHistogram _queueTime = new(LatencyHistogram.RequestLatencyBounds);
    private int[] _runningPerAdapter = new int[8];
    private int[] _waitingPerAdapter = new int[8];
    private EngineRequest? _waitHead;
    private EngineRequest? _waitTail;
    private int _waitingCount;
    private bool _inStep;
    private TimeSpan _now;
    private TimeSpan _stepStart;
    private TimeSpan _stepEnd;
    private long _promptTokens;
    private long _generationTokens;
    private long _prefixQueries;
    private long _prefixHits;
    private long _finished;
    private long _cancelled;
    private long _rejected;
    private long _preemptions;
    private long _steps;

    public Engine(EngineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options;
        _profile = options.Profile;
        _kv = new KvBlockManager(options.KvCacheBlocks);
        _running = new List<EngineRequest>(options.MaxNumSeqs);
        _slotAdapter = new int[Math.Max(options.MaxLoras, 0)];
        _slotLastUsed = new long[_slotAdapter.Length];
    }

    public EngineOptions Options => _options;

    /// <summary>The virtual time of the last step's end (or of the last step start while one is in flight).</summary>
    public TimeSpan Now => _now;

    public bool InStep => _inStep;

    public int WaitingCount => _waitingCount;

    public int RunningCount => _running.Count;

    public bool HasWork => _running.Count > 0 || _waitingCount > 0;

    public double KvCacheUsage => (double)_kv.UsedCount / _kv.Total;

    public EngineCounters Counters => new(
        _promptTokens, _generationTokens, _prefixQueries, _prefixHits, _finished, _cancelled, _rejected, _preemptions, _steps);

    /// <summary>Queues a request that arrived at virtual time <paramref name="now"/>.</summary>
    public SubmitResult Submit(EngineRequest request, TimeSpan now)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Status != EngineRequestStatus.Created)
        {
            throw new InvalidOperationException("A request can be submitted once.");
        }

        request.ArrivalTime = now;
        var result = Check(request);
        if (result != SubmitResult.Accepted)
        {
            request.Status = EngineRequestStatus.Rejected;
            _rejected++;
            return result;
        }

        request.AdapterId = AdapterId(request.Adapter);
        request.Blocks = new int[CeilBlocks(request.PromptTokens + request.OutputTokens)];
        request.Status = EngineRequestStatus.Waiting;
        EnqueueWaiting(request, atFront: false);
        return SubmitResult.Accepted;
    }

    /// <summary>Withdraws a request (client gone): frees its slot and KV. False if it already ended.</summary>
    public bool Cancel(EngineRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        switch (request.Status)
        {
            case EngineRequestStatus.Waiting:
                RemoveWaiting(request);
                MarkCancelled(request);
                return true;
            case EngineRequestStatus.Running when request.CancelRequested:
                return false;
            case EngineRequestStatus.Running when _inStep:
                // The batch is in flight: drop the request when the step ends.
                request.CancelRequested = true;
                return true;
            case EngineRequestStatus.Running:
                _running.Remove(request);
                ReleaseRunning(request);
                MarkCancelled(request);
                return true;
            default:
                return false;
        }
    }

    /// <summary>
    /// Forms the next batch at virtual time <paramref name="now"/> (clamped to <see cref="Now"/>) and returns its
    /// duration, or null when there is nothing to do. Must be followed by <see cref="EndStep"/>.
    /// </summary>
    public TimeSpan? BeginStep(TimeSpan now)
    {
        if (_inStep)
        {
            throw new InvalidOperationException("A step is already in flight.");
        }

        if (now < _now)
        {
            now = _now;
        }

        _now = now;
        var budget = _options.MaxNumBatchedTokens;
        long prefillTokens = 0;
        long prefillContext = 0;
        var decodeSequences = 0;
        long decodeContext = 0;
        var loraLoads = 0;
        var scheduled = 0;
        var preempted = false;

        for (var i = 0; i < _running.Count && budget > 0; i++)
        {
            var request = _running[i];
            var tokens = Math.Min(request.TotalTokens - request.Computed, budget);
            var neededBlocks = CeilBlocks(request.Computed + tokens) - request.BlockCount;
            var selfPreempted = false;
            while (neededBlocks > _kv.FreeCount)
            {
                // Out of KV: recompute-preempt the lowest-priority (newest) running sequence, as vLLM does.
                var victim = _running[^1];
                _running.RemoveAt(_running.Count - 1);
                Preempt(victim);
                preempted = true;
                if (ReferenceEquals(victim, request))
                {
                    selfPreempted = true;
                    break;
                }
            }

            if (selfPreempted)
            {
                break;
            }

            AllocateBlocks(request, neededBlocks);
            Schedule(request, tokens, ref prefillTokens, ref prefillContext, ref decodeSequences, ref decodeContext);
            budget -= tokens;
            scheduled++;
        }

        if (!preempted || scheduled == 0)
        {
            AdmitWaiting(ref budget, ref scheduled, ref prefillTokens, ref prefillContext, ref loraLoads);
        }

        if (scheduled == 0)
        {
            return null;
        }

        var seconds = _profile.StepSeconds(prefillTokens, prefillContext, decodeSequences, decodeContext, loraLoads);
        var duration = TimeSpan.FromTicks(Math.Max(1, (long)Math.Round(seconds * TimeSpan.TicksPerSecond)));
        _inStep = true;
        _stepStart = now;
        _stepEnd = now + duration;
        _steps++;
        return duration;
    }

    /// <summary>Applies the batch formed by <see cref="BeginStep"/> at its end time and reports the events.</summary>
    public void EndStep(IEngineEventSink sink)
    {
        ArgumentNullException.ThrowIfNull(sink);
        if (!_inStep)
        {
            throw new InvalidOperationException("No step in flight.");
        }

        _inStep = false;
        _now = _stepEnd;
        var write = 0;
        var count = _running.Count;
        for (var i = 0; i < count; i++)
        {
            var request = _running[i];
            if (request.CancelRequested)
            {
                ReleaseRunning(request);
                MarkCancelled(request);
                continue;
            }

            if (request.AdmittedPending)
            {
                request.AdmittedPending = false;
                sink.OnEvent(new EngineEvent(EngineEventKind.Admitted, request, _stepStart, request.CachedTokens));
            }

            var tokens = request.ScheduledTokens;
            request.ScheduledTokens = 0;
            if (tokens > 0)
            {
                request.Computed += tokens;
                RegisterPromptBlocks(request);
                if (request.Computed == request.TotalTokens && Sample(request, sink))
                {
                    continue;
                }
            }

            _running[write++] = request;
        }

        _running.RemoveRange(write, count - write);
    }

    /// <summary>The reported load now (allocates; call per scrape, not per step).</summary>
    public EngineSnapshot Snapshot()
    {
        var running = new List<string>();
        var waiting = new List<string>();
        for (var id = 1; id < _adapterNames.Count; id++)
        {
            if (_runningPerAdapter[id] > 0)
            {
                running.Add(_adapterNames[id]);
            }

            if (_waitingPerAdapter[id] > 0)
            {
                waiting.Add(_adapterNames[id]);
            }
        }

        var loaded = new List<string>();
        foreach (var id in _slotAdapter)
        {
            if (id > 0)
            {
                loaded.Add(_adapterNames[id]);
            }
        }

        return new EngineSnapshot(
            _now,
            _waitingCount,
            _running.Count,
            KvCacheUsage,
            _kv.UsedCount,
            _kv.Total,
            _kv.CachedCount,
            _options.BlockSize,
            _options.MaxLoras,
            running,
            waiting,
            loaded,
            Counters,
            _ttft.Snapshot(),
            _e2e.Snapshot(),
            _queueTime.Snapshot());
    }

    private SubmitResult Check(EngineRequest request)
    {
        if ((long)request.PromptTokens + request.OutputTokens > _options.MaxModelLen)
        {
            return SubmitResult.ContextTooLong;
        }

        if (CeilBlocks(request.PromptTokens + request.OutputTokens) > _kv.Total)
        {
            return SubmitResult.ExceedsKvCache;
        }

        return _waitingCount >= _options.MaxWaitingQueueLength ? SubmitResult.QueueFull : SubmitResult.Accepted;
    }

    private void AdmitWaiting(ref int budget, ref int scheduled, ref long prefillTokens, ref long prefillContext, ref int loraLoads)
    {
        var blockSize = _options.BlockSize;
        while (_running.Count < _options.MaxNumSeqs && budget > 0 && _waitHead is not null)
        {
            // FIFO, skipping requests whose adapter can get no slot: requests of loaded adapters go first then.
            var candidate = _waitHead;
            while (candidate is not null && !AdapterAdmissible(candidate.AdapterId))
            {
                candidate = candidate.Next;
            }

            if (candidate is null)
            {
                return;
            }

            // Prefix cache: the longest run of cached full prompt blocks (the last token is always computed).
            var maxHits = Math.Min(candidate.PromptBlockHashes.Length, (candidate.TotalTokens - 1) / blockSize);
            var hits = 0;
            var freeHits = 0;
            while (hits < maxHits && _kv.TryGetCached(candidate.PromptBlockHashes[hits], out var block))
            {
                candidate.Blocks[hits++] = block;
                if (_kv.IsFree(block))
                {
                    freeHits++;
                }
            }

            var computed = hits * blockSize;
            var tokens = Math.Min(candidate.TotalTokens - computed, budget);
            var newBlocks = CeilBlocks(computed + tokens) - hits;
            if (newBlocks > _kv.FreeCount - freeHits)
            {
                // Not enough KV memory: the request (and everything behind it) waits.
                return;
            }

            RemoveWaiting(candidate);
            if (candidate.AdapterId > 0 && LoadAdapter(candidate.AdapterId))
            {
                loraLoads++;
            }

            for (var k = 0; k < hits; k++)
            {
                _kv.Touch(candidate.Blocks[k]);
            }

            candidate.BlockCount = hits;
            candidate.HashedBlocks = hits;
            candidate.Computed = computed;
            AllocateBlocks(candidate, newBlocks);
            if (candidate.ScheduledTime is null)
            {
                candidate.ScheduledTime = _now;
                candidate.AdmittedPending = true;
                candidate.CachedTokens = computed;
                _queueTime.Record(_now - candidate.ArrivalTime);
                _prefixQueries += candidate.PromptTokens;
                _prefixHits += computed;
            }

            candidate.Status = EngineRequestStatus.Running;
            _running.Add(candidate);
            _runningPerAdapter[candidate.AdapterId]++;
            var decodeSequences = 0;
            long decodeContext = 0;
            Schedule(candidate, tokens, ref prefillTokens, ref prefillContext, ref decodeSequences, ref decodeContext);
            budget -= tokens;
            scheduled++;
        }
    }

    private static void Schedule(EngineRequest request, int tokens, ref long prefillTokens, ref long prefillContext, ref int decodeSequences, ref long decodeContext)
    {
        request.ScheduledTokens = tokens;
        if (tokens == 1 && request.GeneratedTokens > 0 && request.Computed == request.TotalTokens - 1)
        {
            decodeSequences++;
            decodeContext += request.TotalTokens;
        }
        else
        {
            prefillTokens += tokens;
            prefillContext += (long)tokens * (request.Computed + (tokens / 2));
        }
    }

    /// <summary>A token was produced; true when the request finished and left the batch.</summary>
    private bool Sample(EngineRequest request, IEngineEventSink sink)
    {
        var index = request.GeneratedTokens;
        request.GeneratedTokens = index + 1;
        request.TotalTokens++;
        _generationTokens++;
        if (index == 0)
        {
            request.FirstTokenTime = _now;
            _ttft.Record(_now - request.ArrivalTime);
            _promptTokens += request.PromptTokens;
            sink.OnEvent(new EngineEvent(EngineEventKind.FirstToken, request, _now, 0));
        }
        else
        {
            sink.OnEvent(new EngineEvent(EngineEventKind.Token, request, _now, index));
        }

        if (request.GeneratedTokens < request.OutputTokens)
        {
            return false;
        }

        ReleaseRunning(request);
        request.Status = EngineRequestStatus.Finished;
        request.FinishedTime = _now;
        _e2e.Record(_now - request.ArrivalTime);
        _finished++;
        sink.OnEvent(new EngineEvent(EngineEventKind.Finished, request, _now, request.GeneratedTokens));
        return true;
    }

    private void RegisterPromptBlocks(EngineRequest request)
    {
        var full = Math.Min(Math.Min(request.Computed, request.PromptTokens) / _options.BlockSize, request.PromptBlockHashes.Length);
        for (var k = request.HashedBlocks; k < full; k++)
        {
            _kv.Register(request.Blocks[k], request.PromptBlockHashes[k]);
        }

        if (full > request.HashedBlocks)
        {
            request.HashedBlocks = full;
        }
    }

    private void AllocateBlocks(EngineRequest request, int count)
    {
        for (var k = 0; k < count; k++)
        {
            request.Blocks[request.BlockCount++] = _kv.Allocate();
        }
    }

    private void Preempt(EngineRequest request)
    {
        ReleaseRunning(request);
        request.Computed = 0;
        request.HashedBlocks = 0;
        request.ScheduledTokens = 0;
        request.Preemptions++;
        request.Status = EngineRequestStatus.Waiting;
        _preemptions++;
        EnqueueWaiting(request, atFront: true);
    }

    /// <summary>Frees a running request's KV (tail blocks first, so they are evicted first) and its adapter use.</summary>
    private void ReleaseRunning(EngineRequest request)
    {
        for (var k = request.BlockCount - 1; k >= 0; k--)
        {
            _kv.Release(request.Blocks[k]);
        }

        request.BlockCount = 0;
        _runningPerAdapter[request.AdapterId]--;
    }

    private void MarkCancelled(EngineRequest request)
    {
        request.Status = EngineRequestStatus.Cancelled;
        request.CancelRequested = false;
        request.FinishedTime = _now;
        _cancelled++;
    }

    private bool AdapterAdmissible(int adapterId)
    {
        if (adapterId == 0)
        {
            return true;
        }

        for (var s = 0; s < _slotAdapter.Length; s++)
        {
            var resident = _slotAdapter[s];
            if (resident == adapterId || resident == 0 || _runningPerAdapter[resident] == 0)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Puts the adapter in a slot (evicting the least recently used idle one); true if it had to load.</summary>
    private bool LoadAdapter(int adapterId)
    {
        var victim = -1;
        for (var s = 0; s < _slotAdapter.Length; s++)
        {
            var resident = _slotAdapter[s];
            if (resident == adapterId)
            {
                _slotLastUsed[s] = _steps;
                return false;
            }

            if ((resident == 0 || _runningPerAdapter[resident] == 0) && (victim < 0 || _slotLastUsed[s] < _slotLastUsed[victim]))
            {
                victim = s;
            }
        }

        if (victim < 0)
        {
            throw new InvalidOperationException("No LoRA slot (admission must check first).");
        }

        _slotAdapter[victim] = adapterId;
        _slotLastUsed[victim] = _steps;
        return true;
    }

    private int AdapterId(string? adapter)
    {
        if (adapter is null)
        {
            return 0;
        }

        if (_adapterIds.TryGetValue(adapter, out var id))
        {
            return id;
        }

        if (_slotAdapter.Length == 0)
        {
            throw new InvalidOperationException("This engine has max-loras 0 and cannot serve LoRA adapters.");
        }

        id = _adapterNames.Count;
        _adapterNames.Add(adapter);
        _adapterIds.Add(adapter, id);
        if (id >= _runningPerAdapter.Length)
        {
            Array.Resize(ref _runningPerAdapter, _runningPerAdapter.Length * 2);
            Array.Resize(ref _waitingPerAdapter, _waitingPerAdapter.Length * 2);
        }

        return id;
    }

    private void EnqueueWaiting(EngineRequest request, bool atFront)
    {
        request.Prev = null;
        request.Next = null;
        if (_waitHead is null)
        {
            _waitHead = request;
            _waitTail = request;
        }
        else if (atFront)
        {
            request.Next = _waitHead;
            _waitHead.Prev = request;
            _waitHead = request;
        }
        else
        {
            request.Prev = _waitTail;
            _waitTail!.Next = request;
            _waitTail = request;
        }

        _waitingCount++;
        _waitingPerAdapter[request.AdapterId]++;
    }

    private void RemoveWaiting(EngineRequest request)
    {
        if (request.Prev is null)
        {
            _waitHead = request.Next;
        }
        else
        {
            request.Prev.Next = request.Next;
        }

        if (request.Next is null)
        {
            _waitTail = request.Prev;
        }
        else
        {
            request.Next.Prev = request.Prev;
        }

        request.Prev = null;
        request.Next = null;
        _waitingCount--;
        _waitingPerAdapter[request.AdapterId]--;
    }

    private int CeilBlocks(int tokens) => (tokens + _options.BlockSize - 1) / _options.BlockSize;
}
