using System.Collections.Frozen;
using System.Text;
using BenchmarkDotNet.Attributes;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;

namespace InferenceGateway.Perf;

/// <summary>
/// The prefix index at realistic occupancy: every endpoint at its capacity (31,250 blocks, the default), filled
/// first with blocks of its own conversations, then with 150 shared prefixes of 2,048 blocks, each on a home
/// endpoint and a third of them also on a second one (spill); the LRU trims the oldest. Match and Record of a
/// prompt of <see cref="Blocks"/> blocks, as one pick does them under the index's lock. <see cref="Index"/> picks the
/// implementation: <c>New</c> is <see cref="PrefixCacheIndex"/>, <c>Baseline</c> the frozen copy of it before the
/// node-struct / open-addressing rewrite (<see cref="PrefixCacheIndexBaseline"/>), so both are measured in one run.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PrefixIndexBenchmarks
{
    private const int Capacity = 31_250;
    private const int SharedPrefixes = 150;
    private const int PrefixBlocks = 2_048;

    private PrefixCacheIndex? _index;
    private PrefixCacheIndexBaseline? _baseline;
    private EndpointCandidate[] _candidates = [];
    private int[] _group = [];
    private int[] _matched = [];
    private long[] _lastPlaced = [];
    private ulong[] _hit = [];
    private string _hitHome = "";
    private ulong[] _fresh = [];
    private ulong _freshCounter;
    private int _nextEndpoint;

    [Params(64, 512, 2_048)]
    public int Blocks { get; set; }

    [Params(8, 64)]
    public int Endpoints { get; set; }

    [Params("Baseline", "New")]
    public string Index { get; set; } = "New";

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _index = Index == "New" ? new PrefixCacheIndex(new PrefixCacheOptions()) : null;
        _baseline = Index == "Baseline" ? new PrefixCacheIndexBaseline(new PrefixCacheOptions()) : null;
        _candidates = Candidates(Endpoints, random, Capacity);
        var filler = new ulong[Capacity];
        foreach (var candidate in _candidates)
        {
            Fill(random, filler);
            Record(filler, candidate.Endpoint.Address);
        }

        var prefix = new ulong[PrefixBlocks];
        for (var p = 0; p < SharedPrefixes; p++)
        {
            Fill(random, prefix);
            Record(prefix, _candidates[p % Endpoints].Endpoint.Address);
            if (p % 3 == 2)
            {
                Record(prefix, _candidates[(p + 1) % Endpoints].Endpoint.Address);
            }
        }

        // The request shares the most recently placed prefix (held on two endpoints) for all its blocks: the walk
        // goes the full length, the case the lock is held longest for.
        _hit = prefix[..Blocks];
        _hitHome = _candidates[(SharedPrefixes - 1) % Endpoints].Endpoint.Address;
        _group = Enumerable.Range(0, Endpoints).ToArray();
        _matched = new int[Endpoints];
        _lastPlaced = new long[Endpoints];
        _fresh = new ulong[Blocks];
        _freshCounter = (ulong)random.NextInt64();
    }

    /// <summary>Longest-prefix match of the whole prompt against all endpoints, with recency (as a pick does it).</summary>
    [Benchmark(Baseline = true)]
    public int Match_SharedPrefix()
    {
        if (_index is not null)
        {
            _index.Match(_hit, _candidates, _group, _matched, _lastPlaced);
        }
        else
        {
            _baseline!.Match(_hit, _candidates, _group, _matched, _lastPlaced);
        }

        return _matched[(SharedPrefixes - 1) % Endpoints];
    }

    /// <summary>Recording a prompt the endpoint already holds: every block found and moved to the LRU's front.</summary>
    [Benchmark]
    public void Record_HeldPrefix() => Record(_hit, _hitHome);

    /// <summary>
    /// Recording a prompt nobody holds on an endpoint at capacity: every block inserted and one old block evicted
    /// per insert. Endpoints take turns; the fresh hashes are made here (a SplitMix64 step each, ~1 ns).
    /// </summary>
    [Benchmark]
    public void Record_NewPrompt()
    {
        var state = _freshCounter;
        for (var i = 0; i < _fresh.Length; i++)
        {
            _fresh[i] = SplitMix64(ref state);
        }

        _freshCounter = state;
        var endpoint = _nextEndpoint;
        _nextEndpoint = (endpoint + 1) % Endpoints;
        Record(_fresh, _candidates[endpoint].Endpoint.Address);
    }

    internal static EndpointCandidate[] Candidates(int count, Random random, int numBlocks)
    {
        var candidates = new EndpointCandidate[count];
        for (var i = 0; i < count; i++)
        {
            var endpoint = new Endpoint($"10.{i / 256}.{i % 256}.1:8000", $"pod-{i}", "default", "vllm", FrozenDictionary<string, string>.Empty);
            var metrics = new EndpointMetrics(
                random.Next(0, 4),
                random.Next(10, 60),
                random.NextDouble() * 0.8,
                FrozenSet<string>.Empty,
                FrozenSet<string>.Empty,
                4,
                16,
                numBlocks,
                DateTimeOffset.UnixEpoch);
            candidates[i] = new EndpointCandidate(endpoint, metrics, random.Next(0, 8), random.Next(0, 50_000));
        }

        return candidates;
    }

    internal static void Fill(Random random, Span<ulong> hashes)
    {
        for (var i = 0; i < hashes.Length; i++)
        {
            hashes[i] = (ulong)random.NextInt64();
        }
    }

    private void Record(ulong[] hashes, string address)
    {
        if (_index is not null)
        {
            _index.Record(hashes, address, Capacity);
        }
        else
        {
            _baseline!.Record(hashes, address, Capacity);
        }
    }

    private static ulong SplitMix64(ref ulong state)
    {
        var z = state += 0x9E3779B97F4A7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}

/// <summary>
/// A whole pick of the default profile over 8 and 64 endpoints whose prefix index is at the occupancy of
/// <see cref="PrefixIndexBenchmarks"/> (each endpoint at capacity; 150 earlier 7,200-token prompts placed by the
/// scheduler itself): no prompt (scoring and picking only, the baseline), a 7,200-token prompt nobody holds
/// (hash 450 blocks, a walk that stops at the first block, 450 inserts at the primary), and a 7,200-token prompt
/// whose whole prefix the index holds (hash, a 450-block walk, 450 touches at the primary).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SchedulerPrefixBenchmarks
{
    private const int Capacity = 31_250;
    private const int PromptTokens = 7_200;

    private Scheduler _scheduler = null!;
    private EndpointCandidate[] _candidates = [];
    private SchedulingRequest _noPrompt = null!;
    private SchedulingRequest _sharedPrompt = null!;
    private SchedulingRequest _newPrompt = null!;
    private byte[] _newPromptBytes = [];
    private long _newPromptCounter;

    [Params(8, 64)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _candidates = PrefixIndexBenchmarks.Candidates(Endpoints, random, Capacity);
        _scheduler = SchedulerBuilder.Build(new SchedulerOptions { Profile = BuiltInProfiles.Default }, new Random(2));

        var filler = new ulong[Capacity];
        foreach (var candidate in _candidates)
        {
            PrefixIndexBenchmarks.Fill(random, filler);
            _scheduler.PrefixIndex.Record(filler, candidate.Endpoint.Address, Capacity);
        }

        // 150 shared prompts (a 4,000-token common part each, then their own question), placed by the profile.
        for (var p = 0; p < 150; p++)
        {
            var common = Text(random, 16_000);
            _scheduler.Schedule(Request(common + Text(random, (PromptTokens * 4) - 16_000)), _candidates);
        }

        var shared = Text(random, PromptTokens * 4);
        _sharedPrompt = Request(shared);
        _scheduler.Schedule(_sharedPrompt, _candidates);
        _noPrompt = Request(string.Empty);
        _newPromptBytes = Encoding.UTF8.GetBytes(Text(random, PromptTokens * 4));
        _newPrompt = new SchedulingRequest("bench", "llama", CriticalityBand.Default, _newPromptBytes, PromptTokens, 256, null);
    }

    [Benchmark(Baseline = true)]
    public SchedulingResult Default_NoPrompt() => _scheduler.Schedule(_noPrompt, _candidates);

    /// <summary>A prompt seen for the first time: its first 8 bytes carry a counter, so every block hash is new.</summary>
    [Benchmark]
    public SchedulingResult Default_7200TokenNewPrompt()
    {
        var counter = ++_newPromptCounter;
        for (var i = 0; i < 8; i++)
        {
            _newPromptBytes[i] = (byte)('a' + ((counter >> (i * 4)) & 0xF));
        }

        return _scheduler.Schedule(_newPrompt, _candidates);
    }

    [Benchmark]
    public SchedulingResult Default_7200TokenSharedPrompt() => _scheduler.Schedule(_sharedPrompt, _candidates);

    private static SchedulingRequest Request(string prompt) => SchedulerBenchmarks.Request(prompt);

    private static string Text(Random random, int length) => SchedulerBenchmarks.Text(random, length);
}
