using System.Collections.Frozen;
using InferenceGateway.Core.Prefix;

namespace InferenceGateway.Core.Scheduling;

/// <summary>
/// The endpoint picker: runs one profile (filters, weighted scorers, picker) over the candidates and returns the
/// primary and fallbacks, or 503 when there is no candidate and 429 when the filters shed the request.
/// </summary>
internal sealed class Scheduler : IScheduler, ICacheFeedback
{
    private readonly Random _random;

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
    /// The slack covers what is not an eviction: engines cache whole blocks and never a prompt's last token, and
    /// the index counts tokens as bytes / 4. The cut is conservative: the first missing block was placed no
    /// earlier than the deepest matched one, so older entries (which the engine's LRU dropped first) go, newer stay.
    /// </remarks>
    public void OnUsage(CacheExpectation expectation, int promptTokens, int cachedPromptTokens)
    {
        if (promptTokens <= 0 || expectation.PlacedAt <= 0 || string.IsNullOrEmpty(expectation.Address))
        {
            return;
        }

        var expected = expectation.CachedFraction * promptTokens;
        var slack = Math.Max(2.0 * PrefixIndex.Options.DefaultBlockSizeTokens, 0.02 * promptTokens);
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
}
