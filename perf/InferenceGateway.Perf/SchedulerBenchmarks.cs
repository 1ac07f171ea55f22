using System.Collections.Frozen;
using System.Text;
using BenchmarkDotNet.Attributes;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;

namespace InferenceGateway.Perf;

/// <summary>
/// One pick over N endpoints with varied metrics and a warm prefix index: with an 8,000-token (~32 KB) prompt
/// (hashing + index match + scoring + picking) and without a prompt (scoring + picking only).
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class SchedulerBenchmarks
{
    private Scheduler _default = null!;
    private Scheduler _reference = null!;
    private Scheduler _prefillCost = null!;
    private Scheduler _seedTree = null!;
    private EndpointCandidate[] _candidates = [];
    private SchedulingRequest _longPrompt = null!;
    private SchedulingRequest _noPrompt = null!;

    [Params(64, 512)]
    public int Endpoints { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var random = new Random(1);
        _candidates = PrefixIndexBenchmarks.Candidates(Endpoints, random, 20_000);

        _default = Create(BuiltInProfiles.Default);
        _reference = Create(BuiltInProfiles.ReferenceDefault);
        _prefillCost = Create(BuiltInProfiles.PrefillCost);
        _seedTree = Create(BuiltInProfiles.SeedTree);

        // 32 KB prompt: a 24 KB shared system prompt + an 8 KB question.
        var system = Text(random, 24_000);
        _longPrompt = Request(system + Text(random, 8_000));
        _noPrompt = Request(string.Empty);

        // Warm the index: 40 groups sharing the system prompt's first half, spread over the endpoints.
        foreach (var scheduler in new[] { _default, _reference, _prefillCost })
        {
            for (var g = 0; g < 40; g++)
            {
                scheduler.Schedule(Request(system[..12_000] + Text(random, 20_000)), _candidates);
            }

            scheduler.Schedule(_longPrompt, _candidates);
        }
    }

    [Benchmark(Baseline = true)]
    public SchedulingResult DefaultProfile_8kTokenPrompt() => _default.Schedule(_longPrompt, _candidates);

    [Benchmark]
    public SchedulingResult DefaultProfile_NoPrompt() => _default.Schedule(_noPrompt, _candidates);

    [Benchmark]
    public SchedulingResult PrefillCost_8kTokenPrompt() => _prefillCost.Schedule(_longPrompt, _candidates);

    [Benchmark]
    public SchedulingResult ReferenceDefault_8kTokenPrompt() => _reference.Schedule(_longPrompt, _candidates);

    [Benchmark]
    public SchedulingResult SeedTree_NoPrompt() => _seedTree.Schedule(_noPrompt, _candidates);

    private static Scheduler Create(string profile) =>
        SchedulerBuilder.Build(new SchedulerOptions { Profile = profile }, new Random(2));

    internal static SchedulingRequest Request(string prompt) =>
        new("bench", "llama", CriticalityBand.Default, Encoding.UTF8.GetBytes(prompt), prompt.Length / 4, 256, null);

    internal static string Text(Random random, int length)
    {
        var chars = new char[length];
        for (var i = 0; i < length; i++)
        {
            chars[i] = (char)('a' + random.Next(26));
        }

        return new string(chars);
    }
}
