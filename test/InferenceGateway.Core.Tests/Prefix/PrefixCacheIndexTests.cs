using InferenceGateway.Core.Prefix;
using static InferenceGateway.Core.Tests.Prefix.PrefixIndexTestData;

namespace InferenceGateway.Core.Tests.Prefix;

public class PrefixCacheIndexTests
{
    private static ulong[] Blocks(params ulong[] hashes) => hashes;

    [Fact]
    public void Match_RecordedPrefix_LongestLeadingRun()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2, 3, 4), "a", 100);
        index.Record(Blocks(1, 2, 9), "b", 100);

        var matched = Match(index, Blocks(1, 2, 3, 5), "a", "b", "c");

        Assert.Equal(new[] { 3, 2, 0 }, matched);
    }

    [Fact]
    public void Match_WithRecency_LatestPlacementOfTheDeepestMatchedBlockIsLargest()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2, 3), "a", 100);
        index.Record(Blocks(1, 2, 3), "b", 100);
        var candidates = new[] { Candidate("a"), Candidate("b"), Candidate("c") };
        var matched = new int[3];
        var placed = new long[3];

        index.Match(Blocks(1, 2, 3), candidates, [0, 1, 2], matched, placed);
        Assert.True(placed[1] > placed[0], $"b placed {placed[1]}, a placed {placed[0]}");
        Assert.Equal(0, placed[2]);

        index.Record(Blocks(1, 2, 7), "a", 100);
        index.Match(Blocks(1, 2, 3), candidates, [0, 1, 2], matched, placed);

        // a received the shared blocks 1 and 2 again, but its deepest match (block 3) is older than b's.
        Assert.Equal(new[] { 3, 3, 0 }, matched);
        Assert.True(placed[1] > placed[0], $"b placed {placed[1]}, a placed {placed[0]}");

        index.Match(Blocks(1, 2), candidates, [0, 1, 2], matched, placed);
        Assert.True(placed[0] > placed[1], $"on the shared blocks a ({placed[0]}) is the latest, not b ({placed[1]})");
    }

    [Fact]
    public void Match_GapInRecordedBlocks_StopsAtTheGap()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 3), "a", 100);

        Assert.Equal(new[] { 1 }, Match(index, Blocks(1, 2, 3), "a"));
    }

    [Fact]
    public void Record_AtCapacity_EvictsOldestAndKeepsLeadingBlocksLongest()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2, 3), "a", 4);
        index.Record(Blocks(7, 8), "a", 4);

        Assert.Equal(4, index.CountFor("a"));
        // Blocks are inserted last to first: the oldest entry was block 3 of the first request.
        Assert.Equal(new[] { 2 }, Match(index, Blocks(1, 2, 3), "a"));
        Assert.Equal(new[] { 2 }, Match(index, Blocks(7, 8), "a"));
    }

    [Fact]
    public void Record_SameBlocksAgain_RefreshesWithoutGrowing()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2), "a", 3);
        index.Record(Blocks(5), "a", 3);
        index.Record(Blocks(1, 2), "a", 3);
        index.Record(Blocks(6), "a", 3);

        Assert.Equal(3, index.CountFor("a"));
        Assert.Equal(new[] { 2 }, Match(index, Blocks(1, 2), "a"));
        Assert.Equal(new[] { 0 }, Match(index, Blocks(5), "a"));
    }

    [Fact]
    public void Record_TotalCap_EvictsAndStaysBounded()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions { MaxTotalEntries = 5 });
        index.Record(Blocks(1, 2, 3, 4), "a", 100);
        index.Record(Blocks(11, 12, 13), "b", 100);

        Assert.Equal(5, index.EntryCount);
        Assert.Equal(new[] { 3 }, Match(index, Blocks(11, 12, 13), "b"));
        Assert.True(index.ApproximateBytes > 0);
    }

    [Fact]
    public void Record_SharedBlockOnTwoEndpoints_EvictionOnOneKeepsTheOther()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2), "a", 2);
        index.Record(Blocks(1, 2), "b", 2);
        index.Record(Blocks(3, 4), "a", 2);

        Assert.Equal(new[] { 0, 2 }, Match(index, Blocks(1, 2), "a", "b"));
    }

    [Fact]
    public void RemoveEndpoint_DropsItsEntries()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2), "a", 10);
        index.Record(Blocks(1), "b", 10);

        index.RemoveEndpoint("a");

        Assert.Equal(1, index.EntryCount);
        Assert.Equal(new[] { 0, 1 }, Match(index, Blocks(1, 2), "a", "b"));
    }

    [Fact]
    public void Retain_LiveSet_DropsDepartedEndpointsOnly()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record(Blocks(1, 2), "a", 10);
        index.Record(Blocks(1, 2, 3), "b", 10);

        index.Retain(new HashSet<string> { "b", "c" });

        Assert.Equal(1, index.EndpointCount);
        Assert.Equal(new[] { 0, 3 }, Match(index, Blocks(1, 2, 3), "a", "b"));
    }

    [Fact]
    public void CountFor_AllCandidatesAtOnce_SameAsPerEndpointIncludingUnknownAndRemoved()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions { MaxTotalEntries = 300 });
        var random = new Random(3);
        var recorded = new[] { "a", "b", "c", "d" };
        var hashes = new ulong[40];
        for (var r = 0; r < 60; r++)
        {
            for (var b = 0; b < hashes.Length; b++)
            {
                hashes[b] = (ulong)random.Next(500);
            }

            index.Record(hashes, recorded[random.Next(recorded.Length)], 50 + random.Next(60));
        }

        index.RemoveEndpoint("c");
        index.ForgetPlacedUpTo("b", 10);
        var candidates = new[] { "never", "a", "c", "b", "d", "a" }.Select(Candidate).ToArray();
        var counts = Enumerable.Repeat(-1, candidates.Length + 2).ToArray();

        index.CountFor(candidates, counts);

        var perEndpoint = candidates.Select(c => index.CountFor(c.Endpoint.Address)).ToArray();
        Assert.Equal(perEndpoint, counts[..candidates.Length]);
        Assert.Equal(0, counts[0]);
        Assert.Equal(0, counts[2]);
        Assert.True(counts[1] > 0 && counts[3] > 0 && counts[4] > 0, string.Join(",", counts));
        Assert.Equal(index.EntryCount, counts[1] + counts[3] + counts[4]);
        Assert.Equal(new[] { -1, -1 }, counts[candidates.Length..]);
    }

    [Fact]
    public void CountFor_FewerCountsThanCandidates_Throws()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());

        Assert.Throws<ArgumentException>(() => index.CountFor([Candidate("a"), Candidate("b")], new int[1]));
    }

    [Fact]
    public async Task RecordAndMatch_Concurrent_ConsistentCounts()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions { MaxTotalEntries = 1000 });
        var addresses = Enumerable.Range(0, 8).Select(i => $"e{i}").ToArray();

        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            var random = new Random(t);
            var hashes = new ulong[64];
            for (var r = 0; r < 500; r++)
            {
                var group = (ulong)random.Next(20);
                for (var b = 0; b < hashes.Length; b++)
                {
                    hashes[b] = (group * 1000) + (ulong)b;
                }

                index.Record(hashes, addresses[random.Next(addresses.Length)], 200);
                Match(index, hashes, addresses);
            }
        })));

        var total = addresses.Sum(index.CountFor);
        Assert.Equal(index.EntryCount, total);
        Assert.InRange(total, 1, 1000);
    }
}
