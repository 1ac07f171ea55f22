using System.Collections.Frozen;
using BenchmarkDotNet.Attributes;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Perf;

/// <summary>Block hashing of a 32 KB prompt alone (the 256-block cap and the whole prompt), and one index match.</summary>
[MemoryDiagnoser]
[MedianColumn]
public class PrefixHashBenchmarks
{
    private readonly ulong[] _hashes256 = new ulong[256];
    private readonly ulong[] _hashesAll = new ulong[1024];
    private byte[] _prompt = [];
    private ulong _seed;
    private PrefixCacheIndex _index = null!;
    private EndpointCandidate[] _candidates = [];
    private int[] _group = [];
    private int[] _matched = [];

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _prompt = new byte[32_000];
        random.NextBytes(_prompt);
        _seed = PrefixHasher.ModelSeed("llama");

        _index = new PrefixCacheIndex(new PrefixCacheOptions());
        _candidates = new EndpointCandidate[64];
        for (var i = 0; i < _candidates.Length; i++)
        {
            var endpoint = new Endpoint($"10.0.{i}.1:8000", $"pod-{i}", "default", "vllm", FrozenDictionary<string, string>.Empty);
            _candidates[i] = new EndpointCandidate(endpoint, null, 0, 0);
        }

        // Every endpoint holds the prompt's blocks: the worst case, a full-length walk for all 64.
        var count = PrefixHasher.ComputeBlockHashes(_seed, _prompt, 64, _hashes256);
        foreach (var candidate in _candidates)
        {
            _index.Record(_hashes256.AsSpan(0, count), candidate.Endpoint.Address, 31_250);
        }

        _group = Enumerable.Range(0, _candidates.Length).ToArray();
        _matched = new int[_candidates.Length];
    }

    /// <summary>What a pick hashes: the first 256 blocks of 64 bytes (16 KB).</summary>
    [Benchmark(Baseline = true)]
    public int Hash_256Blocks() => PrefixHasher.ComputeBlockHashes(_seed, _prompt, 64, _hashes256);

    /// <summary>The whole 32 KB prompt (500 blocks), for bytes per second.</summary>
    [Benchmark]
    public int Hash_WholePrompt() => PrefixHasher.ComputeBlockHashes(_seed, _prompt, 64, _hashesAll);

    /// <summary>Longest-prefix match of 256 blocks against 64 endpoints that all hold them.</summary>
    [Benchmark]
    public int Match_64EndpointsAllHit()
    {
        _index.Match(_hashes256, _candidates, _group, _matched);
        return _matched[0];
    }
}
