using System.Collections.Frozen;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Core.Tests.Prefix;

/// <summary>Candidates and lookups the <see cref="PrefixCacheIndex"/> tests share.</summary>
internal static class PrefixIndexTestData
{
    /// <summary>A candidate named after its address, no metrics, nothing in flight.</summary>
    public static EndpointCandidate Candidate(string address) =>
        new(new Endpoint(address, address, "ns", "vllm", FrozenDictionary<string, string>.Empty), null, 0, 0);

    /// <summary>Leading blocks of <paramref name="hashes"/> each address holds, in the order given.</summary>
    public static int[] Match(PrefixCacheIndex index, ulong[] hashes, params string[] addresses)
    {
        var candidates = addresses.Select(Candidate).ToArray();
        var matched = new int[addresses.Length];
        index.Match(hashes, candidates, Enumerable.Range(0, addresses.Length).ToArray(), matched);
        return matched;
    }
}
