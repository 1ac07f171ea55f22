using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Server;

namespace InferenceGateway.Simulator.Tests;

public class EngineTests
{
    private static EngineOptions Llama => EngineOptions.FromProfile(EngineProfile.Llama31_8B_H100);

    [Fact]
    public void BeginStep_LongerQueue_LaterRequestsHaveLongerTimeToFirstToken()
    {
        // Arrange: a burst of 20 requests at t=0 into 5 running slots.
        var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test));
        var arrivals = Enumerable.Range(0, 20).Select(i => (TimeSpan.Zero, VirtualRunner.Unique(i, 200, 50))).ToList();

        // Act
        VirtualRunner.Run(engine, arrivals);

        // Assert: time to first token never decreases with queue position, and the last waited much longer.
        var ttft = arrivals.Select(a => a.Item2.FirstTokenTime!.Value - a.Item2.ArrivalTime).ToList();
        for (var i = 1; i < ttft.Count; i++)
        {
            Assert.True(ttft[i] >= ttft[i - 1], $"TTFT of request {i} ({ttft[i]}) < request {i - 1} ({ttft[i - 1]})");
        }

        Assert.True(ttft[^1] > ttft[0] * 5, $"last {ttft[^1]} vs first {ttft[0]}");
        Assert.All(arrivals, a => Assert.Equal(EngineRequestStatus.Finished, a.Item2.Status));
    }

    [Fact]
    public void Submit_RepeatedLongPrompt_HitsPrefixCacheAndShortensTimeToFirstToken()
    {
        // Arrange
        var engine = new Engine(Llama);
        var prompt = string.Join(' ', Enumerable.Range(0, 900).Select(i => "word" + i));
        var first = VirtualRunner.FromText(1, prompt, 10);
        var second = VirtualRunner.FromText(2, prompt, 10);

        // Act: the second arrives after the first finished.
        VirtualRunner.Run(engine, [(TimeSpan.Zero, first), (TimeSpan.FromSeconds(5), second)]);

        // Assert
        Assert.Equal(0, first.CachedTokens);
        Assert.Equal((second.PromptTokens - 1) / 16 * 16, second.CachedTokens);
        var ttftFirst = first.FirstTokenTime!.Value - first.ArrivalTime;
        var ttftSecond = second.FirstTokenTime!.Value - second.ArrivalTime;
        Assert.True(ttftSecond * 3 < ttftFirst, $"cached TTFT {ttftSecond} vs uncached {ttftFirst}");
        Assert.Equal(second.CachedTokens, engine.Counters.PrefixCacheHits);
        Assert.Equal(first.PromptTokens + second.PromptTokens, engine.Counters.PrefixCacheQueries);
    }

    [Fact]
    public void Submit_DifferentAdapterSamePrompt_DoesNotShareCache()
    {
        var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test) with { MaxLoras = 2 });
        var prompt = string.Concat(Enumerable.Repeat("shared prefix text ", 40));
        var baseRequest = VirtualRunner.FromText(1, prompt, 2);
        var adapterRequest = VirtualRunner.FromText(2, prompt, 2, adapter: "a");

        VirtualRunner.Run(engine, [(TimeSpan.Zero, baseRequest), (TimeSpan.FromSeconds(1), adapterRequest)]);

        Assert.Equal(0, adapterRequest.CachedTokens);
    }

    [Fact]
    public void BeginStep_KvCacheExhausted_RequestsWaitAndUsageNearsOne()
    {
        // Arrange: 64 blocks; each request needs 20 (300 prompt + 20 output tokens), so only 3 fit at once.
        var options = EngineOptions.FromProfile(EngineProfile.Test) with { KvCacheBlocks = 64, MaxNumSeqs = 16 };
        var engine = new Engine(options);
        var arrivals = Enumerable.Range(0, 12).Select(i => (TimeSpan.Zero, VirtualRunner.Unique(i, 300, 20))).ToList();
        var maxUsage = 0.0;
        var waitedWithFreeSlots = false;

        // Act
        VirtualRunner.Run(engine, arrivals, e =>
        {
            maxUsage = Math.Max(maxUsage, e.KvCacheUsage);
            waitedWithFreeSlots |= e.WaitingCount > 0 && e.RunningCount < options.MaxNumSeqs;
        });

        // Assert
        Assert.True(waitedWithFreeSlots, "requests should wait for KV blocks, not slots");
        Assert.True(maxUsage >= 0.9, $"max KV usage {maxUsage}");
        Assert.All(arrivals, a => Assert.Equal(EngineRequestStatus.Finished, a.Item2.Status));
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
    }

    [Fact]
    public void BeginStep_DecodeOutgrowsKv_PreemptsAndRecomputesWithoutLosingTokens()
    {
        // Arrange: 4 requests of 4 prompt blocks fit at admission (16 of 24 blocks) but need 11 blocks each to finish.
        var options = EngineOptions.FromProfile(EngineProfile.Test) with { KvCacheBlocks = 24, MaxNumSeqs = 8 };
        var engine = new Engine(options);
        var arrivals = Enumerable.Range(0, 4).Select(i => (TimeSpan.Zero, VirtualRunner.Unique(i, 60, 110))).ToList();

        // Act
        var runner = VirtualRunner.Run(engine, arrivals);

        // Assert
        Assert.True(engine.Counters.Preemptions > 0, "expected preemptions");
        foreach (var (_, request) in arrivals)
        {
            Assert.Equal(EngineRequestStatus.Finished, request.Status);
            Assert.Equal(110, request.GeneratedTokens);
            var indexes = runner.Events
                .Where(e => ReferenceEquals(e.Request, request) && e.Kind is EngineEventKind.FirstToken or EngineEventKind.Token)
                .Select(e => e.Value).ToList();
            Assert.Equal(Enumerable.Range(0, 110), indexes);
        }

        Assert.Contains(arrivals, a => a.Item2.Preemptions > 0);
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
        Assert.Equal(4 * 110, engine.Counters.GenerationTokens);
    }

    [Fact]
    public void BeginStep_ManyAdapters_NeverMoreThanMaxLorasActive()
    {
        // Arrange
        var options = EngineOptions.FromProfile(EngineProfile.Test) with { MaxLoras = 2, MaxNumSeqs = 8 };
        var engine = new Engine(options);
        string[] adapters = ["a", "b", "c", "d"];
        var arrivals = Enumerable.Range(0, 40)
            .Select(i => (TimeSpan.FromMilliseconds(i), VirtualRunner.Unique(i, 50, 20, adapter: adapters[i % 4]))).ToList();
        var maxRunning = 0;
        var maxLoaded = 0;
        var sawWaitingAdapters = false;

        // Act
        VirtualRunner.Run(engine, arrivals, e =>
        {
            var snapshot = e.Snapshot();
            maxRunning = Math.Max(maxRunning, snapshot.RunningAdapters.Count);
            maxLoaded = Math.Max(maxLoaded, snapshot.LoadedAdapters.Count);
            sawWaitingAdapters |= snapshot.WaitingAdapters.Count > 0;
        });

        // Assert
        Assert.Equal(2, maxRunning);
        Assert.True(maxLoaded <= 2, $"loaded {maxLoaded}");
        Assert.True(sawWaitingAdapters);
        Assert.All(arrivals, a => Assert.Equal(EngineRequestStatus.Finished, a.Item2.Status));
    }

    [Fact]
    public void Run_RisingLoad_ThroughputSaturates()
    {
        // Output tokens/s over 30 virtual seconds of Poisson arrivals (1000 prompt / 200 output tokens, 8B on H100).
        double Throughput(double rate)
        {
            var engine = new Engine(Llama);
            var arrivals = Poisson(rate, TimeSpan.FromSeconds(30), seed: 7, i => VirtualRunner.Unique(i, 1000, 200));
            VirtualRunner.Run(engine, arrivals, stopAt: TimeSpan.FromSeconds(30));
            return engine.Counters.GenerationTokens / engine.Now.TotalSeconds;
        }

        var low = Throughput(1);
        var medium = Throughput(4);
        var high = Throughput(60);
        var extreme = Throughput(240);

        Assert.InRange(medium / low, 3.0, 5.0);
        Assert.True(high < 60 * low * 0.7, $"high {high} vs low {low}: should be well below linear");
        Assert.InRange(extreme / high, 0.8, 1.25);
    }

    [Fact]
    public void Run_SameWorkloadTwice_IdenticalEvents()
    {
        static List<string> Trace()
        {
            var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test) with { KvCacheBlocks = 48, MaxLoras = 1 });
            var arrivals = Poisson(200, TimeSpan.FromSeconds(1), seed: 3, i => VirtualRunner.Unique(i % 7, 40 + (int)(i % 5 * 30), 5 + (int)(i % 9), adapter: i % 3 == 0 ? "x" : null));
            var runner = VirtualRunner.Run(engine, arrivals);
            return runner.Events.Select(e => $"{e.Kind}:{e.Request.Id}:{e.Time.Ticks}:{e.Value}").ToList();
        }

        var first = Trace();
        var second = Trace();

        Assert.NotEmpty(first);
        Assert.Equal(first, second);
    }

    [Fact]
    public void Cancel_RunningRequest_FreesSlotAndKv()
    {
        var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test));
        var request = VirtualRunner.Unique(1, 100, 50);
        engine.Submit(request, TimeSpan.Zero);
        var sink = new VirtualRunner();
        engine.BeginStep(TimeSpan.Zero);
        engine.EndStep(sink);
        Assert.Equal(1, engine.RunningCount);
        Assert.True(engine.Snapshot().KvBlocksUsed > 0);

        var cancelled = engine.Cancel(request);

        Assert.True(cancelled);
        Assert.Equal(EngineRequestStatus.Cancelled, request.Status);
        Assert.Equal(0, engine.RunningCount);
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
        Assert.Null(engine.BeginStep(engine.Now));
    }

    [Fact]
    public void Cancel_DuringStep_DropsRequestAtStepEnd()
    {
        var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test));
        var request = VirtualRunner.Unique(1, 100, 50);
        engine.Submit(request, TimeSpan.Zero);
        var sink = new VirtualRunner();
        engine.BeginStep(TimeSpan.Zero);

        Assert.True(engine.Cancel(request));
        engine.EndStep(sink);

        Assert.DoesNotContain(sink.Events, e => e.Kind != EngineEventKind.Admitted);
        Assert.Equal(0, engine.RunningCount);
        Assert.Equal(0, engine.Snapshot().KvBlocksUsed);
    }

    [Fact]
    public void Submit_QueueFullOrTooLong_Rejected()
    {
        var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test) with { MaxWaitingQueueLength = 2 });

        Assert.Equal(SubmitResult.Accepted, engine.Submit(VirtualRunner.Unique(1, 10, 5), TimeSpan.Zero));
        Assert.Equal(SubmitResult.Accepted, engine.Submit(VirtualRunner.Unique(2, 10, 5), TimeSpan.Zero));
        Assert.Equal(SubmitResult.QueueFull, engine.Submit(VirtualRunner.Unique(3, 10, 5), TimeSpan.Zero));
        Assert.Equal(SubmitResult.ContextTooLong, engine.Submit(VirtualRunner.Unique(4, 1000, 100), TimeSpan.Zero));
        Assert.Equal(2, engine.Counters.RequestsRejected);
    }

    [Fact]
    public void StepSeconds_ProfileSanityPoints_MatchPublishedDerivations()
    {
        var llama = EngineProfile.Llama31_8B_H100;

        // A 4k-token uncached prompt: ~107 ms; 256 decoding sequences at 2k context: ~34 ms (model-servers.md).
        var prefill = llama.StepSeconds(4096, 4096L * 2048, 0, 0, 0);
        var decode = llama.StepSeconds(0, 0, 256, 256L * 2048, 0);

        Assert.InRange(prefill, 0.100, 0.112);
        Assert.InRange(decode, 0.031, 0.037);
    }

    [Fact]
    public void Snapshot_AfterRun_ReportsCountersAndHistograms()
    {
        var engine = new Engine(EngineOptions.FromProfile(EngineProfile.Test));
        var arrivals = Enumerable.Range(0, 6).Select(i => (TimeSpan.FromMilliseconds(i), VirtualRunner.Unique(i, 64, 8))).ToList();

        VirtualRunner.Run(engine, arrivals);
        var snapshot = engine.Snapshot();

        Assert.Equal(6, snapshot.Counters.RequestsFinished);
        Assert.Equal(6 * 64, snapshot.Counters.PromptTokens);
        Assert.Equal(6 * 8, snapshot.Counters.GenerationTokens);
        Assert.Equal(6, snapshot.TimeToFirstToken.Count);
        Assert.Equal(6, snapshot.E2eRequestLatency.Count);
        Assert.Equal(6, snapshot.RequestQueueTime.Count);
        Assert.Equal(16, snapshot.BlockSize);
        Assert.Equal(1024, snapshot.KvBlocksTotal);
    }

    internal static List<(TimeSpan, EngineRequest)> Poisson(double rate, TimeSpan duration, ulong seed, Func<long, EngineRequest> create)
    {
        var random = new SplitMix64(seed);
        var list = new List<(TimeSpan, EngineRequest)>();
        var t = 0.0;
        long id = 0;
        while (true)
        {
            t += -Math.Log(1 - random.NextDouble()) / rate;
            if (t >= duration.TotalSeconds)
            {
                return list;
            }

            list.Add((TimeSpan.FromSeconds(t), create(id++)));
        }
    }
}
