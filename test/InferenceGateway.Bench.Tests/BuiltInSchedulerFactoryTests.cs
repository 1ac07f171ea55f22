using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Bench.Tests;

public class BuiltInSchedulerFactoryTests
{
    private static readonly string[] Profiles = ["round-robin", "random", "least-request", "seed-tree", "reference-default", "prefill-cost", "default"];

    private static SchedulerContext Context() => new(new VirtualTimeProvider(), new Random(1), [], 16, 1024);

    [Fact]
    public void Names_AreTheBuiltInProfiles()
    {
        Assert.Equal(Profiles, BuiltInSchedulerFactory.Instance.Names);
    }

    [Theory]
    [InlineData("round-robin")]
    [InlineData("random")]
    [InlineData("least-request")]
    [InlineData("seed-tree")]
    [InlineData("reference-default")]
    [InlineData("prefill-cost")]
    [InlineData("default")]
    public void Create_BuiltInName_BuildsThatProfile(string name)
    {
        var scheduler = BuiltInSchedulerFactory.Instance.Create(name, Context());

        var built = Assert.IsType<InferenceGateway.Core.Scheduling.Scheduler>(Assert.IsType<CacheFeedbackAdapter>(scheduler).Inner);
        Assert.Equal(name, built.Profile.Name);
        Assert.Equal(16, built.PrefixIndex.Options.DefaultBlockSizeTokens);
        Assert.Equal(1024, built.PrefixIndex.Options.DefaultCapacityPerEndpoint);
    }

    [Fact]
    public void Create_UnknownName_ReturnsNull()
    {
        Assert.Null(BuiltInSchedulerFactory.Instance.Create("no-such-profile", Context()));
    }

    [Fact]
    public void Create_ConfigProfile_IsAnExtraStrategy()
    {
        const string yaml = """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: EndpointPickerConfig
            plugins:
            - type: queue-scorer
            - type: max-score-picker
            schedulingProfiles:
            - name: queue-only
              plugins: [{pluginRef: queue-scorer}, {pluginRef: max-score-picker}]
            """;
        var factory = new BuiltInSchedulerFactory(yaml);

        var scheduler = factory.Create("queue-only", Context());

        Assert.Equal([.. Profiles, "queue-only"], factory.Names);
        Assert.Equal("queue-only", Assert.IsType<InferenceGateway.Core.Scheduling.Scheduler>(Assert.IsType<CacheFeedbackAdapter>(scheduler).Inner).Profile.Name);
    }

    [Fact]
    public void RunSimulation_SharedPrefix_DefaultBeatsRandomOnTtftP90()
    {
        // Long shared system prompts and more load than random placement can serve: routing to the endpoint that
        // holds the group's prefix saves most of every prefill, random placement recomputes it on most requests.
        var options = new BenchOptions
        {
            WorkloadName = "shared-prefix-test",
            Workload = new WorkloadSpec
            {
                Type = WorkloadTypes.SharedPrefix,
                NumGroups = 16,
                NumPromptsPerGroup = 8,
                SystemPromptLen = 6_000,
                QuestionLen = 100,
                OutputLen = 50,
                Stages = [new() { Rate = 30, Duration = 4 }],
            },
            Strategies = ["random", "default"],
            Servers = 4,
            Engine = EngineOptions.FromProfile(EngineProfile.Qwen3_32B_H100x2),
            Seed = 11,
        };

        var records = BenchRunner.RunSimulation(options, BuiltInSchedulerFactory.Instance);

        var random = records.Single(r => r.Strategy == "random" && r.Stage is null);
        var ours = records.Single(r => r.Strategy == "default" && r.Stage is null);
        Assert.Equal(0, ours.Failed);
        Assert.True(ours.PrefixCacheHitRate > random.PrefixCacheHitRate, $"hit rate: default {ours.PrefixCacheHitRate:F3}, random {random.PrefixCacheHitRate:F3}");
        Assert.True(ours.TtftP90Ms * 1.5 <= random.TtftP90Ms, $"TTFT p90: default {ours.TtftP90Ms:F1} ms, random {random.TtftP90Ms:F1} ms");
    }

    [Fact]
    public void RunSimulation_DefaultAndReferenceSameSeed_SameSummary()
    {
        // The stateful default scorer (running averages) and the prefix index are built fresh per run.
        var options = new BenchOptions
        {
            WorkloadName = "shared-prefix-determinism",
            Workload = new WorkloadSpec
            {
                Type = WorkloadTypes.SharedPrefix,
                NumGroups = 8,
                NumPromptsPerGroup = 4,
                SystemPromptLen = 2_000,
                QuestionLen = 100,
                OutputLen = 40,
                Stages = [new() { Rate = 20, Duration = 3 }],
            },
            Strategies = ["reference-default", "default"],
            Servers = 4,
            Engine = EngineOptions.FromProfile(EngineProfile.Qwen3_32B_H100x2),
            Seed = 3,
        };

        var first = BenchRunner.RunSimulation(options, BuiltInSchedulerFactory.Instance);
        var second = BenchRunner.RunSimulation(options, BuiltInSchedulerFactory.Instance);

        Assert.Equal(first, second);
    }
}
