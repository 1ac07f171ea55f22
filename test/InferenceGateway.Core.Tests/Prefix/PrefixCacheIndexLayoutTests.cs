using InferenceGateway.Core.Prefix;
using static InferenceGateway.Core.Tests.Prefix.PrefixIndexTestData;

namespace InferenceGateway.Core.Tests.Prefix;

/// <summary>
/// The places the index's storage could go wrong: holder chains (nodes of one hash on several endpoints, unlinked
/// from the head, middle or tail), many endpoints sharing hashes, capacity shrinking, and the hash table's probe
/// runs (colliding keys, wrap-around at the table's end, growth).
/// </summary>
public class PrefixCacheIndexLayoutTests
{
    [Theory]
    [InlineData("a")] // the first holder recorded: the chain's tail
    [InlineData("b")] // the middle of the chain
    [InlineData("c")] // the last recorded: the chain's head
    public void Evict_OneHolderOfThree_OthersKeepTheBlock(string evicted)
    {
        // Arrange: block 1 on a, b and c (one chain of three nodes), each endpoint with room for one block.
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1], "a", 1);
        index.Record([1], "b", 1);
        index.Record([1], "c", 1);

        // Act: a new block on one endpoint evicts its node of block 1.
        index.Record([2], evicted, 1);

        // Assert
        var expected = new[] { "a", "b", "c" }.Select(a => a == evicted ? 0 : 1).ToArray();
        Assert.Equal(expected, Match(index, [1], "a", "b", "c"));
        Assert.Equal(new[] { 1 }, Match(index, [2], evicted));
        Assert.Equal(3, index.EntryCount);
    }

    [Fact]
    public void Evict_HoldersInEveryOrder_ChainStaysConsistent()
    {
        // Evict the holders of block 1 one by one, in an order that hits head, middle and tail, and re-add one.
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        string[] holders = ["a", "b", "c", "d", "e"];
        foreach (var holder in holders)
        {
            index.Record([1], holder, 1);
        }

        string[] order = ["c", "e", "a", "d"];
        for (var i = 0; i < order.Length; i++)
        {
            index.Record([100 + (ulong)i], order[i], 1);
            var expected = holders.Select(h => order.Take(i + 1).Contains(h) ? 0 : 1).ToArray();
            Assert.Equal(expected, Match(index, [1], holders));
        }

        index.Record([1], "c", 1);
        Assert.Equal(new[] { 0, 1, 1, 0, 0 }, Match(index, [1], holders));
        index.Record([200], "b", 1);
        Assert.Equal(new[] { 0, 0, 1, 0, 0 }, Match(index, [1], holders));
        index.Record([201], "c", 1);
        Assert.Equal(new[] { 0, 0, 0, 0, 0 }, Match(index, [1], holders));
        Assert.Equal(5, index.EntryCount);
    }

    [Fact]
    public void Record_SixtyFourEndpointsShareAPrefix_EachEvictsOnlyItsOwn()
    {
        // Arrange: 64 endpoints hold the same 32-block prefix (chains of 64 holders per hash).
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var addresses = Enumerable.Range(0, 64).Select(i => $"e{i}").ToArray();
        var prefix = Enumerable.Range(1, 32).Select(i => (ulong)i).ToArray();
        foreach (var address in addresses)
        {
            index.Record(prefix, address, 32);
        }

        // Act: every other endpoint records 8 new blocks, pushing out the prefix's last 8 blocks there.
        for (var e = 0; e < addresses.Length; e += 2)
        {
            index.Record(Enumerable.Range(0, 8).Select(i => (ulong)(1_000 + (e * 8) + i)).ToArray(), addresses[e], 32);
        }

        // Assert
        var matched = Match(index, prefix, addresses);
        for (var e = 0; e < addresses.Length; e++)
        {
            Assert.Equal(e % 2 == 0 ? 24 : 32, matched[e]);
        }

        Assert.Equal(64 * 32, index.EntryCount);
    }

    [Fact]
    public void Record_CapacityShrinks_NextNewBlockEvictsDownToIt()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], "a", 10);

        index.Record([11], "a", 3);

        // The ten earlier blocks were inserted last to first, so 1 and 2 are the most recent of them.
        Assert.Equal(3, index.CountFor("a"));
        Assert.Equal(new[] { 2 }, Match(index, [1, 2, 3], "a"));
        Assert.Equal(new[] { 1 }, Match(index, [11], "a"));
        Assert.Equal(3, index.EntryCount);
    }

    [Fact]
    public void Record_CapacityShrinksOnAHeldPrompt_KeepsEntriesUntilANewBlock()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        index.Record([1, 2, 3, 4], "a", 10);

        index.Record([1, 2], "a", 2);
        Assert.Equal(4, index.CountFor("a"));

        index.Record([1, 2, 5], "a", 2);
        Assert.Equal(2, index.CountFor("a"));
        Assert.Equal(new[] { 2 }, Match(index, [1, 2, 5], "a"));
    }

    [Fact]
    public void Record_CollidingHashesWrappingTheTable_AllFoundAndRemovedInAnyOrder()
    {
        // Hashes whose table position (multiplicative hash, top bits) is the last slot of the initial 64, so their
        // probe run wraps to the table's start; plus neighbours homed at slot 0. Evicting them one at a time from the
        // middle of the run must leave every other one findable.
        var inverse = MultiplicativeInverse(0x9E3779B97F4A7C15UL);
        var colliding = Enumerable.Range(0, 12).Select(i => ((63UL << 58) | (uint)i) * inverse).ToArray();
        var homedAtZero = Enumerable.Range(0, 4).Select(i => (ulong)i * inverse).ToArray();
        var all = colliding.Concat(homedAtZero).ToArray();
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var addresses = all.Select((_, i) => $"e{i}").ToArray();
        for (var i = 0; i < all.Length; i++)
        {
            index.Record([all[i]], addresses[i], 1);
        }

        // Evict in a scrambled order (a new unique block on the endpoint pushes its only entry out).
        var order = Enumerable.Range(0, all.Length).OrderBy(i => (i * 7) % all.Length).ToArray();
        var gone = new HashSet<int>();
        foreach (var victim in order)
        {
            index.Record([0xABCDEF00UL + (ulong)victim], addresses[victim], 1);
            gone.Add(victim);
            for (var i = 0; i < all.Length; i++)
            {
                Assert.Equal(gone.Contains(i) ? 0 : 1, Match(index, [all[i]], addresses[i])[0]);
            }
        }
    }

    [Fact]
    public void Record_ManyDistinctHashes_TableGrowsAndEverythingIsFound()
    {
        var index = new PrefixCacheIndex(new PrefixCacheOptions());
        var hashes = Enumerable.Range(0, 5_000).Select(i => (ulong)i * 31).ToArray();
        var bytesBefore = index.ApproximateBytes;

        index.Record(hashes, "a", 10_000);

        Assert.Equal(new[] { 5_000 }, Match(index, hashes, "a"));
        Assert.True(index.ApproximateBytes > bytesBefore, $"{index.ApproximateBytes} after, {bytesBefore} before");
        Assert.Equal(0, index.ForgetPlacedUpTo("a", 0));
        Assert.Equal(5_000, index.ForgetPlacedUpTo("a", long.MaxValue));
        Assert.Equal(new[] { 0 }, Match(index, hashes[..1], "a"));
        Assert.Equal(0, index.EntryCount);
    }

    private static ulong MultiplicativeInverse(ulong odd)
    {
        // Newton's iteration doubles the correct low bits each step: 3 -> 6 -> ... -> 96 >= 64.
        var inverse = odd;
        for (var i = 0; i < 5; i++)
        {
            inverse *= 2 - (odd * inverse);
        }

        return inverse;
    }
}
