using System.Collections.Frozen;
using System.Text;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>Builders for endpoints, metrics, candidates and requests used by the scheduling tests.</summary>
internal static class SchedulingTestData
{
    public static Endpoint Ep(int i) => FakeDatastore.CreateEndpoint($"10.0.0.{i}:8000", $"pod-{i}");

    public static EndpointMetrics Scrape(
        int waiting = 0,
        int running = 0,
        double kv = 0,
        string[]? active = null,
        string[]? waitingAdapters = null,
        int maxAdapters = 0,
        int? blockSize = null,
        int? numBlocks = null) =>
        new(
            waiting,
            running,
            kv,
            (active ?? []).ToFrozenSet(StringComparer.Ordinal),
            (waitingAdapters ?? []).ToFrozenSet(StringComparer.Ordinal),
            maxAdapters,
            blockSize,
            numBlocks,
            DateTimeOffset.UnixEpoch);

    public static EndpointCandidate Candidate(int i, EndpointMetrics? metrics, int inFlight = 0, long inFlightTokens = 0) =>
        new(Ep(i), metrics, inFlight, inFlightTokens);

    public static SchedulingRequest Request(
        string model = "m",
        CriticalityBand band = CriticalityBand.Default,
        string? prompt = null,
        string? session = null,
        int tokens = 0) =>
        new("req", model, band, Encoding.UTF8.GetBytes(prompt ?? string.Empty), tokens, null, session);

    public static Scheduler Build(string profile, int seed = 1, int maxFallbacks = 3, PrefixCacheOptions? prefix = null) =>
        SchedulerBuilder.Build(
            new SchedulerOptions { Profile = profile, MaxFallbacks = maxFallbacks, Prefix = prefix ?? new PrefixCacheOptions() },
            new Random(seed));

    public static SchedulingCycle Cycle(SchedulingRequest request, PrefixCacheIndex? index, params EndpointCandidate[] candidates)
    {
        var cycle = new SchedulingCycle();
        cycle.Initialize(request, candidates, index, new Random(7));
        return cycle;
    }

    /// <summary>Scores every candidate with one scorer.</summary>
    public static double[] Score(IScorer scorer, SchedulingRequest request, PrefixCacheIndex? index, params EndpointCandidate[] candidates)
    {
        var cycle = Cycle(request, index, candidates);
        var subset = Enumerable.Range(0, candidates.Length).ToArray();
        var scores = new double[candidates.Length];
        scorer.Score(cycle, subset, scores);
        return scores;
    }

    /// <summary>The index of the highest score (the first on a tie).</summary>
    public static int Best(double[] scores) => Array.IndexOf(scores, scores.Max());

    /// <summary>The first <paramref name="blocks"/> block hashes of <paramref name="prompt"/> for model "m", 64 bytes (16 tokens) a block.</summary>
    public static ulong[] PromptBlocks(string prompt, int blocks)
    {
        var hashes = new ulong[blocks];
        PrefixHasher.ComputeBlockHashes(PrefixHasher.ModelSeed("m"), Encoding.UTF8.GetBytes(prompt), 64, hashes);
        return hashes;
    }

    /// <summary>Endpoint indices (1-based pod numbers) surviving one filter.</summary>
    public static int[] Filter(IFilter filter, SchedulingRequest request, params EndpointCandidate[] candidates)
    {
        var cycle = Cycle(request, null, candidates);
        var subset = Enumerable.Range(0, candidates.Length).ToArray();
        var kept = filter.Filter(cycle, subset);
        return [.. subset.Take(kept).Select(i => PodNumber(candidates[i].Endpoint))];
    }

    public static int PodNumber(Endpoint endpoint) => int.Parse(endpoint.Name["pod-".Length..], System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>A prompt of <paramref name="length"/> ASCII bytes, deterministic per seed.</summary>
    public static string Text(int seed, int length)
    {
        var random = new Random(seed);
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)('a' + random.Next(26));
        }

        return new string(chars);
    }
}
