using BenchmarkDotNet.Attributes;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Perf;

/// <summary>
/// What a pick pays to learn every candidate's index footprint (SchedulingCycle.IndexedBlocks), old and new in
/// the same run: one <see cref="PrefixCacheIndex.CountFor(string)"/> (one lock) per candidate, against one
/// <see cref="PrefixCacheIndex.CountFor(ReadOnlySpan{EndpointCandidate}, Span{int})"/> for all of them. The index
/// holds 1,000 blocks per endpoint; an uncontended lock, as in a single-threaded benchmark, is its cheapest case.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class PrefixCountBenchmarks
{
    private PrefixCacheIndex _index = null!;
    private EndpointCandidate[] _candidates = [];
    private int[] _counts = [];

    [Params(8, 64)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _index = new PrefixCacheIndex(new PrefixCacheOptions());
        _candidates = PrefixIndexBenchmarks.Candidates(Endpoints, random, 1_000);
        _counts = new int[Endpoints];
        var hashes = new ulong[1_000];
        foreach (var candidate in _candidates)
        {
            PrefixIndexBenchmarks.Fill(random, hashes);
            _index.Record(hashes, candidate.Endpoint.Address, hashes.Length);
        }
    }

    [Benchmark(Baseline = true)]
    public int LockPerCandidate()
    {
        for (var i = 0; i < _candidates.Length; i++)
        {
            _counts[i] = _index.CountFor(_candidates[i].Endpoint.Address);
        }

        return _counts[^1];
    }

    [Benchmark]
    public int OneLockForAll()
    {
        _index.CountFor(_candidates, _counts);
        return _counts[^1];
    }
}
