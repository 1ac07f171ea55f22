using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Prefix;

namespace InferenceGateway.Core.Scheduling;

/// <summary>
/// Per-request scratch shared by the plugins of one pick: the candidates, their effective load (scraped metrics
/// corrected by this picker's in-flight counts), the prompt's block hashes and prefix matches (computed once, on
/// first use), and the buffers the pipeline works in. Reused per thread, so a pick allocates nothing but its result.
/// </summary>
/// <remarks>
/// Effective load. The scrape is up to one interval old; the router's in-flight count I is current. The server's
/// own count W + R includes our requests that were in flight at scrape time, so only the excess
/// E = max(0, I - (W + R)) is new work it has not reported yet. E is added to every load signal (waiting, running)
/// and, when the KV capacity is known, to KV usage (E requests of average in-flight size). A burst inside one
/// scrape interval therefore raises the load of each endpoint it lands on and spreads instead of herding.
/// </remarks>
internal sealed class SchedulingCycle
{
    [ThreadStatic]
    private static SchedulingCycle? _threadCycle;

    private const int HashSlots = 4;

    private EndpointCandidate[] _candidates = new EndpointCandidate[16];
    private bool[] _known = new bool[16];
    private double[] _waiting = new double[16];
    private double[] _running = new double[16];
    private double[] _kv = new double[16];
    private double[] _excess = new double[16];

    private PrefixCacheIndex? _prefixIndex;
    private bool _prefixComputed;
    private int[] _matchedBlocks = new int[16];
    private int[] _totalBlocks = new int[16];
    private long[] _lastPlaced = new long[16];
    private int[] _blockTokens = new int[16];
    private int[] _group = new int[16];
    private int[] _indexedBlocks = new int[16];
    private bool _indexedComputed;
    private bool _seedComputed;
    private ulong _seed;
    private readonly int[] _hashBlockTokens = new int[HashSlots];
    private readonly int[] _hashCounts = new int[HashSlots];
    private readonly ulong[][] _hashes = new ulong[HashSlots][];
    private int _hashSlotsUsed;
    private int _hashEvictNext;

    private int[] _subset = new int[16];
    private double[] _totals = new double[16];
    private double[] _scores = new double[16];
    private double[] _primaryKeys = new double[16];
    private double[] _secondaryKeys = new double[16];
    private int[] _ordered = new int[8];
    private readonly List<int[]> _indexStack = [];
    private int _indexDepth;

    public SchedulingRequest Request { get; private set; } = null!;

    public int Count { get; private set; }

    public Random Random { get; private set; } = Random.Shared;

    /// <summary>Estimated prompt tokens (the request's estimate, else prompt bytes / 4).</summary>
    public double PromptTokens { get; private set; }

    public ReadOnlySpan<EndpointCandidate> Candidates => _candidates.AsSpan(0, Count);

    public static SchedulingCycle Rent()
    {
        var cycle = _threadCycle ?? new SchedulingCycle();
        _threadCycle = null;
        return cycle;
    }

    public static void Return(SchedulingCycle cycle)
    {
        cycle.Reset();
        _threadCycle = cycle;
    }

    public void Initialize(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates, PrefixCacheIndex? prefixIndex, Random random)
    {
        Request = request;
        Random = random;
        _prefixIndex = prefixIndex;
        var n = candidates.Length;
        Count = n;
        if (_candidates.Length < n)
        {
            var size = Math.Max(n, _candidates.Length * 2);
            _candidates = new EndpointCandidate[size];
            _known = new bool[size];
            _waiting = new double[size];
            _running = new double[size];
            _kv = new double[size];
            _excess = new double[size];
            _matchedBlocks = new int[size];
            _totalBlocks = new int[size];
            _lastPlaced = new long[size];
            _blockTokens = new int[size];
            _group = new int[size];
            _indexedBlocks = new int[size];
            _subset = new int[size];
            _totals = new double[size];
            _scores = new double[size];
            _primaryKeys = new double[size];
            _secondaryKeys = new double[size];
        }

        candidates.CopyTo(_candidates);
        PromptTokens = request.EstimatedPromptTokens > 0
            ? request.EstimatedPromptTokens
            : Math.Ceiling(request.PromptBytes.Length / (double)PrefixHasher.BytesPerToken);

        for (var i = 0; i < n; i++)
        {
            ref readonly var candidate = ref _candidates[i];
            var inFlight = Math.Max(0, candidate.InFlightRequests);
            var metrics = candidate.Metrics;
            if (metrics is null)
            {
                _known[i] = false;
                _waiting[i] = 0;
                _running[i] = 0;
                _kv[i] = 0;
                _excess[i] = inFlight;
                continue;
            }

            var waiting = Math.Max(0, metrics.WaitingRequests);
            var running = Math.Max(0, metrics.RunningRequests);
            var excess = Math.Max(0, inFlight - (waiting + running));
            var kv = Math.Clamp(double.IsNaN(metrics.KvCacheUsage) ? 1 : metrics.KvCacheUsage, 0, 1);
            if (excess > 0 && metrics.NumBlocks is > 0 && metrics.BlockSize is > 0)
            {
                var capacityTokens = (double)metrics.NumBlocks.Value * metrics.BlockSize.Value;
                var excessTokens = candidate.InFlightTokens * (double)excess / inFlight;
                kv = Math.Min(1, kv + (excessTokens / capacityTokens));
            }

            _known[i] = true;
            _waiting[i] = waiting + excess;
            _running[i] = running + excess;
            _kv[i] = kv;
            _excess[i] = excess;
        }
    }

    public ref readonly EndpointCandidate Candidate(int index) => ref _candidates[index];

    /// <summary>False when the endpoint's metrics are unknown or stale: never treat it as idle.</summary>
    public bool HasMetrics(int index) => _known[index];

    public EndpointMetrics? Metrics(int index) => _candidates[index].Metrics;

    /// <summary>Scraped waiting requests plus the unreported excess of in-flight requests.</summary>
    public double EffectiveWaiting(int index) => _waiting[index];

    /// <summary>Scraped running requests plus the unreported excess of in-flight requests.</summary>
    public double EffectiveRunning(int index) => _running[index];

    /// <summary>Scraped KV usage in [0, 1] plus the estimated KV of unreported in-flight requests.</summary>
    public double EffectiveKvUsage(int index) => _kv[index];

    /// <summary>In-flight requests this picker sent that the last scrape cannot have counted.</summary>
    public double ExcessInFlight(int index) => _excess[index];

    /// <summary>Prompt blocks the index lists for the endpoint in all (its believed cache footprint); 0 without an index.</summary>
    public int IndexedBlocks(int index)
    {
        if (!_indexedComputed)
        {
            _indexedComputed = true;
            if (_prefixIndex is null)
            {
                _indexedBlocks.AsSpan(0, Count).Clear();
            }
            else
            {
                // One lock for all candidates rather than one per candidate.
                _prefixIndex.CountFor(Candidates, _indexedBlocks);
            }
        }

        return _indexedBlocks[index];
    }

    /// <summary>KV block size (tokens) the endpoint's matches are counted in.</summary>
    public int BlockTokens(int index)
    {
        EnsurePrefixMatches();
        return _blockTokens[index];
    }

    /// <summary>Leading prompt blocks the endpoint probably holds (computes all matches on first use).</summary>
    public int MatchedBlocks(int index)
    {
        EnsurePrefixMatches();
        return _matchedBlocks[index];
    }

    /// <summary>
    /// When this picker last placed the endpoint's deepest matched block there (a logical clock, larger is more
    /// recent; 0 without a match). Among endpoints matching equally far, the latest is the prefix's current home.
    /// </summary>
    public long PrefixLastPlaced(int index)
    {
        EnsurePrefixMatches();
        return _lastPlaced[index];
    }

    /// <summary>Full prompt blocks at the endpoint's block size (capped at the per-request maximum).</summary>
    public int TotalBlocks(int index)
    {
        EnsurePrefixMatches();
        return _totalBlocks[index];
    }

    /// <summary>Estimated prompt tokens the endpoint has to prefill: the prompt minus its cached prefix.</summary>
    public double UncachedPromptTokens(int index)
    {
        EnsurePrefixMatches();
        return _matchedBlocks[index] == 0 || Request.PromptBytes.IsEmpty ? PromptTokens : PromptTokens * (1 - CachedFraction(index));
    }

    /// <summary>Share of the prompt's bytes the matched blocks cover, in [0, 1] (matches must be computed).</summary>
    private double CachedFraction(int index) =>
        Math.Min(1.0, (double)_matchedBlocks[index] * _blockTokens[index] * PrefixHasher.BytesPerToken / Request.PromptBytes.Length);

    /// <summary>Scratch of <paramref name="length"/> candidate indices owned by the caller until <see cref="PopIndices"/>.</summary>
    public Span<int> PushIndices(int length)
    {
        if (_indexDepth == _indexStack.Count)
        {
            _indexStack.Add(new int[Math.Max(length, _candidates.Length)]);
        }

        if (_indexStack[_indexDepth].Length < length)
        {
            _indexStack[_indexDepth] = new int[Math.Max(length, _candidates.Length)];
        }

        return _indexStack[_indexDepth++].AsSpan(0, length);
    }

    public void PopIndices() => _indexDepth--;

    internal Span<int> SubsetBuffer(int length) => _subset.AsSpan(0, length);

    internal Span<double> TotalsBuffer(int length) => _totals.AsSpan(0, length);

    internal Span<double> ScoresBuffer(int length) => _scores.AsSpan(0, length);

    /// <summary>Two key buffers for pickers (primary key, random tie-break).</summary>
    internal Span<double> PrimaryKeys(int length) => _primaryKeys.AsSpan(0, length);

    internal Span<double> SecondaryKeys(int length) => _secondaryKeys.AsSpan(0, length);

    internal Span<int> OrderedBuffer(int length)
    {
        if (_ordered.Length < length)
        {
            _ordered = new int[length];
        }

        return _ordered.AsSpan(0, length);
    }

    /// <summary>What the index matched on a candidate, for the response's cached tokens to confirm; null without a match.</summary>
    internal CacheExpectation? CacheExpectationFor(int index)
    {
        if (!_prefixComputed || _matchedBlocks[index] == 0)
        {
            return null;
        }

        return new CacheExpectation(_candidates[index].Endpoint.Address, CachedFraction(index), _lastPlaced[index], _blockTokens[index]);
    }

    /// <summary>After the pick: the primary endpoint will hold this prompt's blocks.</summary>
    internal void RecordPrimary(int index)
    {
        if (!_prefixComputed || _prefixIndex is null || Request.PromptBytes.IsEmpty)
        {
            return;
        }

        var hashes = GetHashes(_blockTokens[index]);
        if (hashes.IsEmpty)
        {
            return;
        }

        var capacity = _candidates[index].Metrics?.NumBlocks is > 0 and var blocks
            ? blocks
            : _prefixIndex.Options.DefaultCapacityPerEndpoint;
        _prefixIndex.Record(hashes, _candidates[index].Endpoint.Address, capacity);
    }

    private void EnsurePrefixMatches()
    {
        if (_prefixComputed)
        {
            return;
        }

        _prefixComputed = true;
        var n = Count;
        var defaultBlockTokens = _prefixIndex?.Options.DefaultBlockSizeTokens ?? 16;
        for (var i = 0; i < n; i++)
        {
            _matchedBlocks[i] = 0;
            _totalBlocks[i] = 0;
            _lastPlaced[i] = 0;
            _blockTokens[i] = _candidates[i].Metrics?.BlockSize is > 0 and var size ? size : defaultBlockTokens;
        }

        if (_prefixIndex is null || Request.PromptBytes.IsEmpty)
        {
            return;
        }

        // Usually one block size for the whole pool; group the candidates by it so each group is one walk.
        for (var i = 0; i < n; i++)
        {
            var blockTokens = _blockTokens[i];
            var seen = false;
            for (var j = 0; j < i; j++)
            {
                if (_blockTokens[j] == blockTokens)
                {
                    seen = true;
                    break;
                }
            }

            if (seen)
            {
                continue;
            }

            var members = 0;
            for (var j = i; j < n; j++)
            {
                if (_blockTokens[j] == blockTokens)
                {
                    _group[members++] = j;
                }
            }

            var hashes = GetHashes(blockTokens);
            for (var m = 0; m < members; m++)
            {
                _totalBlocks[_group[m]] = hashes.Length;
            }

            _prefixIndex.Match(hashes, Candidates, _group.AsSpan(0, members), _matchedBlocks, _lastPlaced);
        }
    }

    private ReadOnlySpan<ulong> GetHashes(int blockTokens)
    {
        for (var s = 0; s < _hashSlotsUsed; s++)
        {
            if (_hashBlockTokens[s] == blockTokens)
            {
                return _hashes[s].AsSpan(0, _hashCounts[s]);
            }
        }

        if (!_seedComputed)
        {
            _seed = PrefixHasher.ModelSeed(Request.TargetModel);
            _seedComputed = true;
        }

        int slot;
        if (_hashSlotsUsed < HashSlots)
        {
            slot = _hashSlotsUsed++;
        }
        else
        {
            slot = _hashEvictNext;
            _hashEvictNext = (_hashEvictNext + 1) % HashSlots;
        }

        var maxBlocks = _prefixIndex!.Options.MaxBlocksPerRequest;
        if (_hashes[slot] is null || _hashes[slot].Length < maxBlocks)
        {
            _hashes[slot] = new ulong[maxBlocks];
        }

        var blockBytes = blockTokens * PrefixHasher.BytesPerToken;
        _hashBlockTokens[slot] = blockTokens;
        _hashCounts[slot] = PrefixHasher.ComputeBlockHashes(_seed, Request.PromptBytes.Span, blockBytes, _hashes[slot].AsSpan(0, maxBlocks));
        return _hashes[slot].AsSpan(0, _hashCounts[slot]);
    }

    private void Reset()
    {
        Array.Clear(_candidates, 0, Count);
        Request = null!;
        _prefixIndex = null;
        _prefixComputed = false;
        _indexedComputed = false;
        _seedComputed = false;
        _hashSlotsUsed = 0;
        _hashEvictNext = 0;
        _indexDepth = 0;
        Count = 0;
    }
}
