using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Server;

namespace InferenceGateway.Bench.Tests;

public class HttpModeTests
{
    private static Task<SimulatorServer> StartServerAsync() => SimulatorServer.StartAsync(
        new SimulatorOptions
        {
            Port = 0,
            Model = "base-model",
            Mode = GenerationMode.Random,
            Engine = EngineOptions.FromProfile(EngineProfile.Test) with { MaxNumSeqs = 16 },
            TimeScale = 0.2,
        },
        TimeProvider.System);

    [Fact]
    public async Task RunHttpAsync_SharedPrefixAgainstSimulator_CompletesWithUsageAndCacheHits()
    {
        await using var server = await StartServerAsync();
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var options = new BenchOptions
        {
            Mode = BenchMode.Http,
            Target = server.BaseAddress,
            WorkloadName = "tiny",
            Workload = new WorkloadSpec { Type = WorkloadTypes.SharedPrefix, NumGroups = 2, NumPromptsPerGroup = 3, SystemPromptLen = 200, QuestionLen = 20, OutputLen = 8 },
            Rates = [10],
            Duration = 2,
            MaxConcurrency = 8,
            RequestTimeout = TimeSpan.FromSeconds(60),
        };

        var records = await BenchRunner.RunHttpAsync(options, client, TimeProvider.System, null, CancellationToken.None);

        var all = Assert.Single(records);
        Assert.True(all.Requests >= 5, $"only {all.Requests} requests planned");
        Assert.Equal(all.Requests, all.Completed);
        Assert.Equal("target", all.Strategy);
        Assert.True(all.TtftP50Ms > 0);
        Assert.True(all.TpotP50Ms > 0);
        Assert.True(all.ItlP50Ms > 0);
        Assert.True(all.E2eP90Ms >= all.TtftP90Ms);
        Assert.Equal(8.0 * all.Completed, all.OutputTokensPerSecond * (all.Completed / all.RequestsPerSecond), 6);
        // 6 distinct prompts in 2 groups, sent repeatedly: the simulator's prefix cache must report hits.
        Assert.True(all.PrefixCacheHitRate > 0.3, $"cache hit rate {all.PrefixCacheHitRate}");
    }

    [Fact]
    public async Task RunHttpAsync_MultiTurnChat_UsesChatEndpoint()
    {
        await using var server = await StartServerAsync();
        using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
        var options = new BenchOptions
        {
            Mode = BenchMode.Http,
            Target = server.BaseAddress,
            WorkloadName = "chat",
            Workload = new WorkloadSpec { Type = WorkloadTypes.MultiTurn, ConcurrentSessions = 2, TurnsPerSession = 3, SystemPromptLen = 100, QuestionLen = 10, OutputLen = 5 },
            Rates = [8],
            Duration = 1.5,
            RequestTimeout = TimeSpan.FromSeconds(60),
        };

        var records = await BenchRunner.RunHttpAsync(options, client, TimeProvider.System, null, CancellationToken.None);

        var all = Assert.Single(records);
        Assert.True(all.Requests >= 3);
        Assert.Equal(all.Requests, all.Completed);
        Assert.True(all.PrefixCacheHitRate > 0, "later turns re-send earlier turns");
    }

    [Fact]
    public void ParseChunk_CompletionChatAndUsage_ReadsTextAndTokens()
    {
        var completion = Bench.Http.HttpLoadRunner.ParseChunk("{\"choices\":[{\"index\":0,\"text\":\" hi\"}]}"u8);
        var chat = Bench.Http.HttpLoadRunner.ParseChunk("{\"choices\":[{\"index\":0,\"delta\":{\"content\":\"yo\"}}]}"u8);
        var usage = Bench.Http.HttpLoadRunner.ParseChunk("{\"choices\":[],\"usage\":{\"prompt_tokens\":10,\"completion_tokens\":4,\"total_tokens\":14,\"prompt_tokens_details\":{\"cached_tokens\":8}}}"u8);

        Assert.Equal(" hi", completion.Text);
        Assert.Equal("yo", chat.Text);
        Assert.Equal((null, 10, 4, 8), usage);
    }

    [Fact]
    public void BuildBody_Completion_StreamsWithUsageAndFixedLength()
    {
        var item = PromptItem.Completion(" a b", 7);

        var json = System.Text.Json.JsonDocument.Parse(Bench.Http.HttpLoadRunner.BuildBody(item, "m")).RootElement;

        Assert.Equal("m", json.GetProperty("model").GetString());
        Assert.Equal(" a b", json.GetProperty("prompt").GetString());
        Assert.Equal(7, json.GetProperty("max_tokens").GetInt32());
        Assert.True(json.GetProperty("ignore_eos").GetBoolean());
        Assert.True(json.GetProperty("stream").GetBoolean());
        Assert.True(json.GetProperty("stream_options").GetProperty("include_usage").GetBoolean());
    }
}
