using InferenceGateway.Core.Scheduling;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// <see cref="Scheduler.OnUsage"/> (the index learns evictions from a response's cached tokens) and the
/// <see cref="SchedulingResult.Expectation"/> it is handed back.
/// </summary>
public class CacheFeedbackTests
{
    // Block hashes recorded straight into the scheduler's index: "old" first (stamp 1), then "recent" (stamp 2).
    private static readonly ulong[] Old = [101, 102, 103, 104, 105, 106, 107, 108, 109, 110];
    private static readonly ulong[] Recent = [201, 202, 203, 204, 205];

    private static readonly string A = Ep(1).Address;
    private static readonly string B = Ep(2).Address;

    /// <summary>A scheduler whose index holds 10 old and then 5 recent blocks on endpoint 1; returns the recent blocks' stamp.</summary>
    private static (Scheduler Scheduler, long RecentStamp) Seeded()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        var index = scheduler.PrefixIndex;
        index.Record(Old, A, 1000);
        index.Record(Recent, A, 1000);
        var matched = new int[1];
        var placed = new long[1];
        index.Match(Recent, [Candidate(1, null)], [0], matched, placed);
        Assert.Equal(Recent.Length, matched[0]);
        return (scheduler, placed[0]);
    }

    /// <summary>Makes the endpoint trusted: one response that reported cached tokens and matched the expectation.</summary>
    private static void Trust(Scheduler scheduler, string address, long placedAt)
    {
        var before = scheduler.PrefixIndex.CountFor(address);
        scheduler.OnUsage(new CacheExpectation(address, 1.0, placedAt), 1000, 1000);
        Assert.Equal(before, scheduler.PrefixIndex.CountFor(address));
    }

    [Fact]
    public void OnUsage_TrustedEndpointReportsFarFewerCachedTokens_DropsEntriesPlacedUpToTheExpectation()
    {
        // Arrange
        var (scheduler, recent) = Seeded();
        Trust(scheduler, A, recent);

        // Act: the index expected the whole prompt cached, the engine served half.
        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 500);

        // Assert
        Assert.Equal(0, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_ExpectationOlderThanRecentEntries_KeepsTheNewerOnes()
    {
        var (scheduler, recent) = Seeded();
        Trust(scheduler, A, recent);

        // The expectation points at the old placement (stamp 1): only the old blocks go.
        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent - 1), 1000, 0);

        Assert.Equal(Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Theory]
    [InlineData(1000, 1.0, 1000)] // exactly as expected
    [InlineData(1000, 1.0, 970)] // within 2 blocks (32 tokens) of 1000
    [InlineData(1000, 0.5, 470)] // within 2 blocks of 500
    [InlineData(10_000, 0.5, 4810)] // within 2 % (200 tokens) of 5000, beyond 2 blocks
    [InlineData(1000, 0.5, 900)] // more than expected
    public void OnUsage_CachedTokensWithinSlack_KeepsEverything(int prompt, double fraction, int cached)
    {
        var (scheduler, recent) = Seeded();
        Trust(scheduler, A, recent);

        scheduler.OnUsage(new CacheExpectation(A, fraction, recent), prompt, cached);

        Assert.Equal(Old.Length + Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Theory]
    [InlineData(1000, 1.0, 960)] // 40 short of 1000: beyond 2 blocks
    [InlineData(1000, 0.5, 460)] // 40 short of 500
    [InlineData(10_000, 0.5, 4790)] // 210 short of 5000: beyond 2 %
    public void OnUsage_CachedTokensJustBeyondSlack_Trims(int prompt, double fraction, int cached)
    {
        var (scheduler, recent) = Seeded();
        Trust(scheduler, A, recent);

        scheduler.OnUsage(new CacheExpectation(A, fraction, recent), prompt, cached);

        Assert.Equal(0, scheduler.PrefixIndex.CountFor(A));
    }

    [Theory]
    [InlineData(1000, 880, false)] // 120 short: within two 64-token blocks
    [InlineData(1000, 860, true)] // 140 short: beyond them
    public void OnUsage_EndpointWithLargeBlocks_SlackIsTwoOfItsBlocks(int prompt, int cached, bool trims)
    {
        var (scheduler, recent) = Seeded();
        Trust(scheduler, A, recent);

        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent, BlockTokens: 64), prompt, cached);

        Assert.Equal(trims ? 0 : Old.Length + Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_EndpointNeverReportedCachedTokens_ZeroIsNotAMiss()
    {
        var (scheduler, recent) = Seeded();

        // A server that does not report prompt_tokens_details reads as 0 cached tokens every time.
        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 0);
        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 0);

        Assert.Equal(Old.Length + Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_AfterOneResponseWithCachedTokens_LaterZeroTrims()
    {
        var (scheduler, recent) = Seeded();
        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 0);
        Assert.Equal(Old.Length + Recent.Length, scheduler.PrefixIndex.CountFor(A));

        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 1000);
        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 0);

        Assert.Equal(0, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_ShortResponseThatStillReportsCachedTokens_TrimsWithoutEarlierTrust()
    {
        // A response with some cached tokens is itself proof that the endpoint reports them.
        var (scheduler, recent) = Seeded();

        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 100);

        Assert.Equal(0, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_TrustIsPerEndpoint_AnotherEndpointsReportsDoNotCount()
    {
        var (scheduler, recent) = Seeded();
        scheduler.PrefixIndex.Record([301, 302], B, 1000);
        Trust(scheduler, B, recent + 1);

        scheduler.OnUsage(new CacheExpectation(A, 1.0, recent), 1000, 0);

        Assert.Equal(Old.Length + Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_EndpointLeftThePoolAndCameBack_TrustIsForgotten()
    {
        // Arrange: A is trusted, then leaves the pool (its entries go) and comes back and is fed again.
        var scheduler = Build(BuiltInProfiles.Default);
        scheduler.OnEndpointsChanged([Ep(1), Ep(2)]);
        scheduler.PrefixIndex.Record(Old, A, 1000);
        Trust(scheduler, A, 1);
        scheduler.OnEndpointsChanged([Ep(2)]);
        Assert.Equal(0, scheduler.PrefixIndex.CountFor(A));
        scheduler.OnEndpointsChanged([Ep(1), Ep(2)]);
        scheduler.PrefixIndex.Record(Recent, A, 1000);

        // Act: a 0 from the returned endpoint (perhaps a new server that does not report cached tokens).
        scheduler.OnUsage(new CacheExpectation(A, 1.0, long.MaxValue), 1000, 0);

        // Assert
        Assert.Equal(Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void OnUsage_EndpointStaysInThePool_TrustIsKeptAcrossPoolChanges()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        scheduler.OnEndpointsChanged([Ep(1), Ep(2)]);
        scheduler.PrefixIndex.Record(Old, A, 1000);
        Trust(scheduler, A, 1);
        scheduler.OnEndpointsChanged([Ep(1)]);

        scheduler.OnUsage(new CacheExpectation(A, 1.0, long.MaxValue), 1000, 0);

        Assert.Equal(0, scheduler.PrefixIndex.CountFor(A));
    }

    [Theory]
    [InlineData(0, 5L)] // no prompt tokens reported
    [InlineData(1000, 0L)] // no placement stamp
    public void OnUsage_DegenerateInput_Ignored(int prompt, long placedAt)
    {
        var (scheduler, recent) = Seeded();
        Trust(scheduler, A, recent);

        scheduler.OnUsage(new CacheExpectation(A, 1.0, placedAt), prompt, 0);

        Assert.Equal(Old.Length + Recent.Length, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Schedule_FirstPlacementOfAPrompt_HasNoExpectation()
    {
        var scheduler = Build(BuiltInProfiles.Default);

        var result = scheduler.Schedule(Request(prompt: Text(5, 2592)), [Candidate(1, Scrape())]);

        Assert.Null(result.Rejection);
        Assert.Null(result.Expectation);
    }

    [Fact]
    public void Schedule_RepeatOnTheSameEndpoint_ExpectsTheMatchedShareFromTheEarlierPlacement()
    {
        // Arrange: 40 full blocks of 16 tokens (64 bytes each) and a 32-byte tail that is never a block.
        var scheduler = Build(BuiltInProfiles.Default);
        var prompt = Text(5, 2592);
        var first = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);
        Assert.Null(first.Expectation);

        // Act
        var second = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);
        var third = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);

        // Assert
        var expectation = Assert.NotNull(second.Expectation);
        Assert.Equal(A, expectation.Address);
        Assert.Equal(2560.0 / 2592, expectation.CachedFraction, 6);
        Assert.True(expectation.PlacedAt > 0, $"placed at {expectation.PlacedAt}");
        var later = Assert.NotNull(third.Expectation);
        Assert.True(later.PlacedAt > expectation.PlacedAt, $"the second placement restamps the blocks: {later.PlacedAt} vs {expectation.PlacedAt}");
    }

    [Fact]
    public void Schedule_EndpointReportsItsBlockSize_ExpectationCarriesIt()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        var prompt = Text(5, 4096);
        scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape(blockSize: 32, numBlocks: 1000))]);

        var repeat = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape(blockSize: 32, numBlocks: 1000))]);

        Assert.Equal(32, Assert.NotNull(repeat.Expectation).BlockTokens);
    }

    [Fact]
    public void Schedule_PromptSharingHalfItsBlocks_ExpectsThatHalf()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        var prompt = Text(5, 2560);
        scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);

        var result = scheduler.Schedule(Request(prompt: prompt[..1280] + Text(6, 1280)), [Candidate(1, Scrape())]);

        var expectation = Assert.NotNull(result.Expectation);
        Assert.Equal(0.5, expectation.CachedFraction, 6);
    }

    [Fact]
    public void Schedule_ExpectationIsReadBeforeThisPlacement_FeedbackKeepsWhatWasPlacedSince()
    {
        // Arrange: P on endpoint 1, then Q there, then P again: P's expectation points at P's first placement.
        var scheduler = Build(BuiltInProfiles.Default);
        var p = Text(5, 2560);
        var q = Text(7, 2560);
        scheduler.Schedule(Request(prompt: p), [Candidate(1, Scrape())]);
        scheduler.Schedule(Request(prompt: q), [Candidate(1, Scrape())]);
        var repeat = scheduler.Schedule(Request(prompt: p), [Candidate(1, Scrape())]);
        var expectation = Assert.NotNull(repeat.Expectation);
        Assert.Equal(80, scheduler.PrefixIndex.CountFor(A));

        // Act: the engine had evicted P (trusted endpoint, 0 cached).
        Trust(scheduler, A, expectation.PlacedAt);
        scheduler.OnUsage(expectation, 640, 0);

        // Assert: nothing older than P's first placement existed, Q (placed later) and P (just placed again) stay.
        Assert.Equal(80, scheduler.PrefixIndex.CountFor(A));
    }

    [Fact]
    public void Schedule_SecondEndpointNeverHeldThePrompt_ExpectationNamesThePrimary()
    {
        // The prompt's holder is endpoint 2; with equal load it wins and the expectation names it.
        var scheduler = Build(BuiltInProfiles.Default);
        var prompt = Text(5, 2592);
        scheduler.Schedule(Request(prompt: prompt), [Candidate(2, Scrape())]);

        var result = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape()), Candidate(2, Scrape())]);

        Assert.Equal(B, result.Endpoints[0].Address);
        Assert.Equal(B, Assert.NotNull(result.Expectation).Address);
    }

    [Theory]
    [InlineData(BuiltInProfiles.Random)]
    [InlineData(BuiltInProfiles.RoundRobin)]
    [InlineData(BuiltInProfiles.LeastRequest)]
    public void Schedule_ProfileWithoutPrefixPlugin_NeverHasAnExpectation(string profile)
    {
        var scheduler = Build(profile);
        var prompt = Text(5, 2592);

        var first = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);
        var second = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);

        Assert.Null(first.Expectation);
        Assert.Null(second.Expectation);
    }

    [Fact]
    public void Schedule_ReferenceProfileWithPrefixScorer_HasAnExpectationOnARepeat()
    {
        var scheduler = Build(BuiltInProfiles.ReferenceDefault);
        var prompt = Text(5, 2592);

        scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);
        var second = scheduler.Schedule(Request(prompt: prompt), [Candidate(1, Scrape())]);

        Assert.Equal(A, Assert.NotNull(second.Expectation).Address);
    }

    [Fact]
    public void Schedule_PromptWithNoPriorPlacementAnywhere_HasNoExpectationEvenWithAFullIndex()
    {
        var scheduler = Build(BuiltInProfiles.Default);
        scheduler.PrefixIndex.Record(Old, A, 1000);

        var result = scheduler.Schedule(Request(prompt: Text(9, 2592)), [Candidate(1, Scrape())]);

        Assert.Null(result.Expectation);
    }
}
