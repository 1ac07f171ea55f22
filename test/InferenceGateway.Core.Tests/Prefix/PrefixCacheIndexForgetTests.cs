using InferenceGateway.Core.Prefix;
using static InferenceGateway.Core.Tests.Prefix.PrefixIndexTestData;

namespace InferenceGateway.Core.Tests.Prefix;

/// <summary><see cref="PrefixCacheIndex.ForgetPlacedUpTo"/>: the cut by placement stamp a short cached-token count triggers.</summary>
public class PrefixCacheIndexForgetTests
{
    private static int Matched(PrefixCacheIndex index, ulong[] hashes, string address) => MatchWithStamp(index, hashes, address).Blocks;

    /// <summary>Leading blocks <paramref name="address"/> holds, and the placement stamp of the deepest of them.</summary>
    private static (int Blocks, long PlacedAt) MatchWithStamp(PrefixCacheIndex index, ulong[] hashes, string address)
    {
        var matched = new int[1];
        var placed = new long[1];
        index.Match(hashes, [Candidate(address)], [0], matched, placed);
        return (matched[0], placed[0]);
    }

    [Fact]
    public void ForgetPlacedUpTo_ThreePlacements_DropsThoseAtOrBeforeTheStampAndKeepsNewer()
    {
        // Arrange: three placements on a (stamps t1 < t2 < t3) and one on b after them all.
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3], "a", 100);
        index.Record([4, 5], "a", 100);
        index.Record([6], "a", 100);
        index.Record([1, 2], "b", 100);
        var (_, t1) = MatchWithStamp(index, [1, 2, 3], "a");
        var (_, t2) = MatchWithStamp(index, [4, 5], "a");
        var (_, t3) = MatchWithStamp(index, [6], "a");
        Assert.True(t1 > 0 && t1 < t2 && t2 < t3, $"stamps {t1}, {t2}, {t3}");

        // Act
        var dropped = index.ForgetPlacedUpTo("a", t2);

        // Assert: the first two placements (5 blocks) go, the third stays; b is untouched, though it shares blocks 1 and 2.
        Assert.Equal(5, dropped);
        Assert.Equal(1, index.CountFor("a"));
        Assert.Equal(0, Matched(index, [1, 2, 3], "a"));
        Assert.Equal(0, Matched(index, [4, 5], "a"));
        Assert.Equal(1, Matched(index, [6], "a"));
        Assert.Equal(2, index.CountFor("b"));
        Assert.Equal(2, Matched(index, [1, 2], "b"));
        Assert.Equal(3, index.EntryCount);
    }

    [Fact]
    public void ForgetPlacedUpTo_StampBeforeEveryPlacement_DropsNothing()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3], "a", 100);
        var (_, t1) = MatchWithStamp(index, [1, 2, 3], "a");

        var dropped = index.ForgetPlacedUpTo("a", t1 - 1);

        Assert.Equal(0, dropped);
        Assert.Equal(3, index.CountFor("a"));
    }

    [Fact]
    public void ForgetPlacedUpTo_BlockPlacedAgainLater_IsKeptWithItsNewStamp()
    {
        // Arrange: block 1 of the first prompt is placed again by a later request (a shared system prompt).
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3], "a", 100);
        var (_, first) = MatchWithStamp(index, [1, 2, 3], "a");
        index.Record([1, 9], "a", 100);

        // Act
        var dropped = index.ForgetPlacedUpTo("a", first);

        // Assert: blocks 2 and 3 carry only the old stamp; 1 (re-placed) and 9 are newer.
        Assert.Equal(2, dropped);
        Assert.Equal(1, Matched(index, [1, 2, 3], "a"));
        Assert.Equal(2, Matched(index, [1, 9], "a"));
    }

    [Fact]
    public void ForgetPlacedUpTo_UnknownAddress_ReturnsZeroAndKeepsOthers()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2], "a", 100);

        var dropped = index.ForgetPlacedUpTo("nobody", long.MaxValue);

        Assert.Equal(0, dropped);
        Assert.Equal(2, index.CountFor("a"));
        Assert.Equal(2, index.EntryCount);
    }

    [Fact]
    public void ForgetPlacedUpTo_Everything_LeavesAnEndpointThatLearnsAgain()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2], "a", 100);
        index.Record([3], "a", 100);

        var dropped = index.ForgetPlacedUpTo("a", long.MaxValue);
        index.Record([1, 2], "a", 100);

        Assert.Equal(3, dropped);
        Assert.Equal(2, index.CountFor("a"));
        Assert.Equal(2, Matched(index, [1, 2], "a"));
        Assert.Equal(2, index.EntryCount);
    }
}
