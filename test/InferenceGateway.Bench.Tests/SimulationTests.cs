using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Bench.Simulation;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Bench.Tests;

public class SimulationTests
{
    private static BenchOptions SmallOptions(params string[] strategies) => new()
    {
        WorkloadName = "small-shared-prefix",
        Workload = new WorkloadSpec
        {
            Type = WorkloadTypes.SharedPrefix,
            NumGroups = 8,
            NumPromptsPerGroup = 6,
            SystemPromptLen = 400,
            QuestionLen = 40,
            OutputLen = 30,
            Stages = [new() { Rate = 20, Duration = 5 }, new() { Rate = 40, Duration = 5 }],
        },
        Strategies = strategies,
        Servers = 4,
        Engine = EngineOptions.FromProfile(EngineProfile.Test) with { MaxNumSeqs = 16 },
        Seed = 5,
    };

    [Fact]
    public void RunSimulation_SameSeed_SameSummary()
    {
        var factory = TestSchedulers.Factory();

        var first = BenchRunner.RunSimulation(SmallOptions("random", "round-robin"), factory);
        var second = BenchRunner.RunSimulation(SmallOptions("random", "round-robin"), factory);

        Assert.Equal(first, second);
        Assert.Equal(6, first.Count); // 2 strategies x (2 stages + all)
    }

    [Fact]
    public void RunSimulation_DifferentSeed_DifferentSummary()
    {
        var factory = TestSchedulers.Factory();
        var other = SmallOptions("random");
        other.Seed = 6;

        var first = BenchRunner.RunSimulation(SmallOptions("random"), factory);
        var second = BenchRunner.RunSimulation(other, factory);

        Assert.NotEqual(first[^1].TtftP90Ms, second[^1].TtftP90Ms);
    }

    [Fact]
    public void RunSimulation_AllRequestsComplete_ExactOutputTokens()
    {
        var options = SmallOptions("round-robin");
        var plan = options.BuildPlans()[0];
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 4, Engine = options.Engine });

        var result = cluster.Run(plan, new TestRoundRobinScheduler(), new VirtualTimeProvider(), 1);

        Assert.All(result.Requests, r => Assert.True(r.Succeeded, r.Error));
        Assert.All(result.Requests, r => Assert.Equal(30, r.OutputTokens));
        Assert.All(result.Requests, r => Assert.True(r.Ttft > 0 && r.E2e >= r.Ttft));
        // Round robin: each server gets every fourth request.
        Assert.All(result.Requests, r => Assert.Equal((r.Index % 4).ToString(System.Globalization.CultureInfo.InvariantCulture), r.Endpoint));
        Assert.Equal(result.Requests.Sum(r => 29), result.Gaps[^1].Seen);
    }

    [Fact]
    public void RunSimulation_PrefixAffinity_BeatsRandomOnCacheHits()
    {
        var records = BenchRunner.RunSimulation(SmallOptions("random", "prefix"), TestSchedulers.Factory());

        var random = records.Single(r => r.Strategy == "random" && r.Stage is null);
        var prefix = records.Single(r => r.Strategy == "prefix" && r.Stage is null);
        Assert.True(prefix.PrefixCacheHitRate > random.PrefixCacheHitRate + 0.1, $"prefix {prefix.PrefixCacheHitRate} random {random.PrefixCacheHitRate}");
        Assert.True(prefix.PrefixCacheHitRate > 0.7);
    }

    [Fact]
    public void RunSimulation_Stages_ThroughputInsideEachWindowFollowsOfferedLoad()
    {
        var records = BenchRunner.RunSimulation(SmallOptions("round-robin"), TestSchedulers.Factory());

        var stage0 = records.Single(r => r.Stage == 0);
        var stage1 = records.Single(r => r.Stage == 1);
        // Not overloaded: output rate ~ offered rate x 30 tokens (Poisson counts of ~100 and ~200 requests).
        Assert.InRange(stage0.OutputTokensPerSecond, 20 * 30 * 0.65, 20 * 30 * 1.35);
        Assert.InRange(stage1.OutputTokensPerSecond, 40 * 30 * 0.65, 40 * 30 * 1.35);
        Assert.InRange(stage1.RequestsPerSecond, 40 * 0.65, 40 * 1.35);
    }

    [Fact]
    public void RunSimulation_Rejections_CountAsFailed()
    {
        var records = BenchRunner.RunSimulation(SmallOptions("reject"), TestSchedulers.Factory());

        var all = records.Single(r => r.Stage is null);
        Assert.Equal(0, all.Completed);
        Assert.Equal(all.Requests, all.Failed);
        Assert.True(double.IsNaN(all.TtftP90Ms));
    }

    [Fact]
    public void RunSimulation_UnknownStrategy_Throws()
    {
        var error = Assert.Throws<ArgumentException>(() => BenchRunner.RunSimulation(SmallOptions("nope"), TestSchedulers.Factory()));

        Assert.Contains("nope", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SchedulerSees_LaggedMetricsOnVirtualClockAndOwnInFlightCounts()
    {
        var options = SmallOptions("x");
        var plan = options.BuildPlans()[0];
        var time = new VirtualTimeProvider();
        var probe = new ProbeScheduler(time);
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 4, Engine = options.Engine, ScrapeInterval = TimeSpan.FromMilliseconds(50) });

        cluster.Run(plan, probe, time, 1);

        Assert.True(probe.Calls > 100);
        Assert.True(probe.MaxAge <= TimeSpan.FromMilliseconds(50), $"max metric age {probe.MaxAge}");
        Assert.True(probe.MaxAge > TimeSpan.Zero);
        Assert.True(probe.SawInFlight);
        Assert.True(probe.InFlightConsistent, "in-flight requests/tokens disagree");
    }

    [Fact]
    public void Run_ObserverScheduler_ToldOfEveryEndWithCachedTokens()
    {
        var options = SmallOptions("x");
        var plan = options.BuildPlans()[0];
        var observer = new ObservingScheduler();
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 4, Engine = options.Engine });

        var result = cluster.Run(plan, observer, new VirtualTimeProvider(), 1);

        Assert.Equal(plan.Requests.Count, observer.Ended.Count);
        Assert.Equal(plan.Requests.Count, observer.Ended.Distinct().Count());
        Assert.Equal(result.Requests.Sum(r => r.CachedTokens), observer.CachedTokens);
        Assert.True(observer.CachedTokens > 0);
    }

    [Fact]
    public void Run_LoraMix_AdaptersReachMetricsAndAllComplete()
    {
        var workload = new WorkloadSpec { Type = WorkloadTypes.LoraMix, NumAdapters = 6, MaxPromptLen = 500, MaxOutputLen = 100, Stages = [new() { Rate = 30, Duration = 4 }] };
        var plan = LoadPlan.Build(workload, workload.Stages, 2, "lora");
        var engine = EngineOptions.FromProfile(EngineProfile.Test) with { MaxLoras = 2, MaxNumSeqs = 16 };
        var probe = new AdapterProbe();
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 3, Engine = engine });

        var result = cluster.Run(plan, probe, new VirtualTimeProvider(), 1);

        Assert.All(result.Requests, r => Assert.True(r.Succeeded, r.Error));
        Assert.True(probe.SawAdapters, "scraped metrics never listed a running adapter");
        Assert.Equal(2, probe.MaxLoras);
    }

    [Fact]
    public void Run_WorkerLimit_NeverMoreInFlightThanTheLimitAndTheWaitIsReportedApart()
    {
        var options = SmallOptions("x");
        var plan = options.BuildPlans()[0];
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 2, Engine = options.Engine, MaxConcurrency = 3 });

        var result = cluster.Run(plan, new TestRoundRobinScheduler(), new VirtualTimeProvider(), 1);

        Assert.All(result.Requests, r => Assert.True(r.Succeeded, r.Error));
        // Sweep sends (+1) and ends (-1); an end at the same instant frees its worker before the next send.
        var events = result.Requests.SelectMany(r => new[] { (At: r.SendTime, Delta: 1), (At: r.EndTime, Delta: -1) })
            .OrderBy(e => e.At).ThenBy(e => e.Delta);
        var inFlight = 0;
        var peak = 0;
        foreach (var e in events)
        {
            inFlight += e.Delta;
            peak = Math.Max(peak, inFlight);
        }

        Assert.Equal(3, peak);
        Assert.Contains(result.Requests, r => r.ClientWait > 0);
        Assert.All(result.Requests, r => Assert.Equal(r.SendTime - r.ArrivalTime!.Value, r.ClientWait, 9));
        Assert.All(result.Requests, r => Assert.True(r.Ttft >= 0, "TTFT counts from the send, after the client-side wait"));
    }

    [Fact]
    public void Run_NoWorkerLimit_EveryRequestSentOnArrival()
    {
        var options = SmallOptions("x");
        var plan = options.BuildPlans()[0];
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 2, Engine = options.Engine });

        var result = cluster.Run(plan, new TestRoundRobinScheduler(), new VirtualTimeProvider(), 1);

        // Compared with the planned arrival itself: ClientWait alone would also read 0 were ArrivalTime never set.
        Assert.All(result.Requests, r => Assert.Equal(r.ArrivalTime, r.SendTime));
    }

    [Fact]
    public void Run_DrainLimit_UnfinishedCountAsFailed()
    {
        var options = SmallOptions("x");
        var plan = options.BuildPlans()[0];
        // One slow server, no drain time: whatever is still queued at the last arrival fails.
        var cluster = new ClusterSimulation(new SimulationOptions { Servers = 1, Engine = EngineOptions.FromProfile(EngineProfile.Test), MaxDrain = TimeSpan.Zero });

        var result = cluster.Run(plan, new TestRoundRobinScheduler(), new VirtualTimeProvider(), 1);

        var failed = result.Requests.Where(r => !r.Succeeded).ToList();
        Assert.NotEmpty(failed);
        Assert.All(failed, r => Assert.Contains("drain", r.Error, StringComparison.Ordinal));
        Assert.Contains(result.Requests, r => r.Succeeded);
    }

    private sealed class AdapterProbe : IScheduler
    {
        private int _next;

        public bool SawAdapters { get; private set; }

        public int MaxLoras { get; private set; }

        public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
        {
            Assert.StartsWith("adapter-", request.TargetModel, StringComparison.Ordinal);
            foreach (var c in candidates)
            {
                if (c.Metrics is { } m)
                {
                    SawAdapters |= m.ActiveAdapters.Count > 0;
                    MaxLoras = m.MaxActiveAdapters;
                }
            }

            return new SchedulingResult([candidates[_next++ % candidates.Length].Endpoint], "probe", null);
        }
    }

    private sealed class ObservingScheduler : IScheduler, ISchedulerObserver
    {
        private int _next;

        public List<string> Ended { get; } = [];

        public long CachedTokens { get; private set; }

        public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates) =>
            new([candidates[_next++ % candidates.Length].Endpoint], "observer", null);

        public void OnRequestEnded(string requestId, InferenceGateway.Core.Datastore.Endpoint endpoint, bool succeeded, int cachedPromptTokens)
        {
            Assert.True(succeeded);
            Ended.Add(requestId);
            CachedTokens += cachedPromptTokens;
        }
    }

    private sealed class ProbeScheduler(VirtualTimeProvider time) : IScheduler
    {
        private int _next;

        public int Calls { get; private set; }

        public TimeSpan MaxAge { get; private set; }

        public bool SawInFlight { get; private set; }

        public bool InFlightConsistent { get; private set; } = true;

        public SchedulingResult Schedule(SchedulingRequest request, ReadOnlySpan<EndpointCandidate> candidates)
        {
            Calls++;
            foreach (var c in candidates)
            {
                if (c.Metrics is { } m)
                {
                    var age = time.GetUtcNow() - m.ScrapedAt;
                    Assert.True(age >= TimeSpan.Zero);
                    MaxAge = age > MaxAge ? age : MaxAge;
                }

                SawInFlight |= c.InFlightRequests > 0;
                InFlightConsistent &= c.InFlightRequests >= 0 && c.InFlightTokens == c.InFlightRequests * 470L;
            }

            return new SchedulingResult([candidates[_next++ % candidates.Length].Endpoint], "probe", null);
        }
    }
}
