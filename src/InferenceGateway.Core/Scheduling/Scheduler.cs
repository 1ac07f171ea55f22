using System.Collections.Concurrent;
using System.Collections.Frozen;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Prefix;

namespace InferenceGateway.Core.Scheduling;

/// <summary>
/// The endpoint picker: runs one profile (filters, weighted scorers, picker) over the candidates and returns the
/// primary and fallbacks, or 503 when there is no candidate and 429 when the filters shed the request.
/// </summary>
/// <remarks>
/// The only per-endpoint state is <see cref="PrefixIndex"/> (the plugins keep none keyed by endpoint): it follows the
/// pool through <see cref="OnEndpointsChanged"/>.
/// </remarks>
internal sealed class Scheduler : IScheduler, IEndpointSetObserver, ICacheFeedback
{
    private readonly Random _random;
    private readonly Lock _endpointGate = new();

    // Address -> endpoint name (pod name, "-rank-N" per extra port) as last published: a new name under a known
    // address is a new pod that took over the IP, with an empty KV cache.
    private Dictionary<string, string> _namesByAddress = new(StringComparer.Ordinal);

    // Addresses whose responses have reported a cached token: only they are trusted to report 0 as a real miss
    // (vLLM omits prompt_tokens_details unless enabled, and the usage parser reads an absent count as 0).
    private readonly ConcurrentDictionary<string, bool> _reportsCachedTokens = new(StringComparer.Ordinal);

    public Scheduler(FrozenDictionary<string, SchedulerProfile> profiles, string activeProfile, PrefixCacheIndex prefixIndex, Random random)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        if (!profiles.TryGetValue(activeProfile, out var profile))
        {
            throw new SchedulerConfigException(
                $"scheduling profile \"{activeProfile}\" is not defined; known profiles: {string.Join(", ", profiles.Keys.Order(StringComparer.Ordinal))}");
        }

        Profiles = profiles;
        Profile = profile;
        PrefixIndex = prefixIndex;
        _random = random;
    }

    public FrozenDictionary<string, SchedulerProfile> Profiles { get; }

    public SchedulerProfile Profile { get; }

    /// <summary>The approximate prefix-cache index (entry count and memory are reported from it).</summary>
    public PrefixCacheIndex PrefixIndex { get; }

    /// <summary>
    /// A response reported fewer cached tokens than the index matched on its endpoint: the engine evicted blocks
    /// the index still lists, so everything placed there no later than the deepest matched block is dropped.
    /// </summary>
    /// <remarks>
    /// An endpoint is trusted only once one of its responses reported cached tokens, so a server that does not
    /// report them at all never looks like one that evicts everything. The slack (two of the endpoint's own blocks, at
    /// least 2 % of the prompt) covers what is not an eviction: engines cache whole blocks and never a prompt's last
    /// token, and the index counts tokens as bytes / 4. The cut is conservative: the first missing block was placed no
    /// earlier than the deepest matched one, so older entries (which the engine's LRU dropped first) go, newer stay.
    /// </remarks>
    public void OnUsage(CacheExpectation expectation, int promptTokens, int cachedPromptTokens)
    {
        if (promptTokens <= 0 || expectation.PlacedAt <= 0 || string.IsNullOrEmpty(expectation.Address))
        {
            return;
        }

        if (cachedPromptTokens > 0)
        {
            _reportsCachedTokens.TryAdd(expectation.Address, true);
        }
        else if (!_reportsCachedTokens.ContainsKey(expectation.Address))
        {
            return;
        }

        var expected = expectation.CachedFraction * promptTokens;
        var blockTokens = expectation.BlockTokens > 0 ? expectation.BlockTokens : PrefixIndex.Options.DefaultBlockSizeTokens;
        var slack = Math.Max(2.0 * blockTokens, 0.02 * promptTokens);
        if (cachedPromptTokens >= expected - slack)
        {
            return;
        }

        PrefixIndex.ForgetPlacedUpTo(expectation.Address, expectation.PlacedAt);
    }

    public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (candidates.IsEmpty)
        {
            return new SchedulingResult(
                [],
                Profile.Name,
                new SchedulingRejection(503, $"No ready endpoint serves model '{request.TargetModel}': the pool has no ready endpoints."));
        }

        var cycle = SchedulingCycle.Rent();
        try
        {
            cycle.Initialize(request, candidates, PrefixIndex, _random);
            return Profile.Run(cycle);
        }
        finally
        {
            SchedulingCycle.Return(cycle);
        }
    }

    /// <summary>
    /// Drops the prefix entries of every address that is no longer in the pool, and of every address now held by
    /// an endpoint of another name (a replacement pod that reused the IP). A pod that restarts under the same name
    /// and address is caught by the readiness rule instead: it leaves the published pool while not Ready.
    /// </summary>
    public void OnEndpointsChanged(IReadOnlyCollection<Endpoint> endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        lock (_endpointGate)
        {
            var names = new Dictionary<string, string>(endpoints.Count, StringComparer.Ordinal);
            var live = new HashSet<string>(endpoints.Count, StringComparer.Ordinal);
            foreach (var endpoint in endpoints)
            {
                live.Add(endpoint.Address);
                names[endpoint.Address] = endpoint.Name;
                if (_namesByAddress.TryGetValue(endpoint.Address, out var previous)
                    && !string.Equals(previous, endpoint.Name, StringComparison.Ordinal))
                {
                    PrefixIndex.RemoveEndpoint(endpoint.Address);
                }
            }

            PrefixIndex.Retain(live);
            _namesByAddress = names;
            foreach (var address in _reportsCachedTokens.Keys)
            {
                if (!live.Contains(address))
                {
                    _reportsCachedTokens.TryRemove(address, out _);
                }
            }
        }
    }
}
