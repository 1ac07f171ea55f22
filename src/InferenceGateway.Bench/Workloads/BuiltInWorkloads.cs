namespace InferenceGateway.Bench.Workloads;

/// <summary>Named workloads (`--workload NAME`); flags and `--workload-file` override their fields.</summary>
internal static class BuiltInWorkloads
{
    /// <summary>Rate (requests/s) and duration (s) of the reference picker's cache benchmarks, in order.</summary>
    private static readonly (double Rate, double Duration)[] ReferenceStages =
    [
        (15, 50), (10, 20), (15, 20), (20, 38), (25, 30), (30, 25), (35, 21), (40, 38), (45, 36), (50, 30), (55, 27), (60, 25),
    ];

    public static IReadOnlyList<string> Names { get; } = ["high-cache", "low-cache", "shared-prefix", "sglang-shared-prefix", "sharegpt", "multi-turn", "lora-mix"];

    public static WorkloadSpec? Find(string name) => name.ToLowerInvariant() switch
    {
        // The reference picker's "high cache" benchmark: 150 groups x 5, system 6,000, question 1,200, output 1,000.
        "high-cache" => SharedPrefix(150, 5, 6_000, 1_200, 1_000, ReferenceStages),
        "low-cache" => SharedPrefix(150, 5, 1_200, 6_000, 1_000, ReferenceStages),
        // inference-perf's example values.
        "shared-prefix" => SharedPrefix(10, 10, 100, 50, 50, [(10, 60)]),
        // SGLang's generated-shared-prefix example.
        "sglang-shared-prefix" => SharedPrefix(64, 16, 2_048, 128, 256, [(10, 60)]),
        "sharegpt" => new WorkloadSpec { Type = WorkloadTypes.ShareGpt, Stages = Stages([(10, 60)]) },
        "multi-turn" => new WorkloadSpec { Type = WorkloadTypes.MultiTurn, SystemPromptLen = 1_000, QuestionLen = 200, OutputLen = 200, TurnsPerSession = 6, ConcurrentSessions = 32, Stages = Stages([(10, 60)]) },
        "lora-mix" => new WorkloadSpec { Type = WorkloadTypes.LoraMix, NumAdapters = 16, ZipfExponent = 1.0, Stages = Stages([(10, 60)]) },
        _ => null,
    };

    private static WorkloadSpec SharedPrefix(int groups, int perGroup, int system, int question, int output, (double, double)[] stages) => new()
    {
        Type = WorkloadTypes.SharedPrefix,
        NumGroups = groups,
        NumPromptsPerGroup = perGroup,
        SystemPromptLen = system,
        QuestionLen = question,
        OutputLen = output,
        Stages = Stages(stages),
    };

    private static List<StageSpec> Stages((double Rate, double Duration)[] stages) =>
        [.. stages.Select(s => new StageSpec { Rate = s.Rate, Duration = s.Duration })];
}
