using System.Globalization;

namespace InferenceGateway.Bench.Workloads;

/// <summary>One load stage: Poisson/gamma arrivals at <see cref="Rate"/> requests/s for <see cref="Duration"/> seconds.</summary>
internal sealed class StageSpec
{
    public double Rate { get; set; }

    public double Duration { get; set; }

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Rate}/{Duration}s");
}

/// <summary>
/// Every workload parameter (flags or a YAML file with snake_case keys). Lengths are in tokens of the simulator's
/// approximate tokenizer. Only the fields of the chosen <see cref="Type"/> matter.
/// </summary>
internal sealed class WorkloadSpec
{
    /// <summary>shared_prefix | sharegpt | multi_turn | lora_mix.</summary>
    public string Type { get; set; } = WorkloadTypes.SharedPrefix;

    // shared_prefix (inference-perf's parameters); multi_turn reuses system_prompt_len, question_len, output_len.
    public int NumGroups { get; set; } = 10;

    public int NumPromptsPerGroup { get; set; } = 10;

    public int SystemPromptLen { get; set; } = 100;

    public int QuestionLen { get; set; } = 50;

    public int OutputLen { get; set; } = 50;

    // sharegpt and lora_mix: log-normal lengths (median, sigma of the log), clamped to [min, max].
    public double PromptLenMedian { get; set; } = 128;

    public double PromptLenSigma { get; set; } = 1.0;

    public double OutputLenMedian { get; set; } = 128;

    public double OutputLenSigma { get; set; } = 0.9;

    public int MinLen { get; set; } = 4;

    public int MaxPromptLen { get; set; } = 4096;

    public int MaxOutputLen { get; set; } = 1024;

    // multi_turn
    public int TurnsPerSession { get; set; } = 5;

    public int ConcurrentSessions { get; set; } = 16;

    // lora_mix
    public int NumAdapters { get; set; } = 16;

    public double ZipfExponent { get; set; } = 1.0;

    /// <summary>Arrival process: poisson | gamma.</summary>
    public string Arrival { get; set; } = "poisson";

    /// <summary>Gamma shape (1 = Poisson; below 1 burstier, above 1 smoother).</summary>
    public double Burstiness { get; set; } = 1.0;

    /// <summary>Load stages; a `--rate` list replaces them by one stage per rate (each run separately).</summary>
    public List<StageSpec> Stages { get; set; } = [];

    public WorkloadSpec Clone()
    {
        var copy = (WorkloadSpec)MemberwiseClone();
        copy.Stages = [.. Stages.Select(s => new StageSpec { Rate = s.Rate, Duration = s.Duration })];
        return copy;
    }

    public void Validate()
    {
        if (!WorkloadTypes.All.Contains(Type))
        {
            throw new ArgumentException($"unknown workload type '{Type}' (known: {string.Join(", ", WorkloadTypes.All)})");
        }

        Positive(NumGroups, "num_groups");
        Positive(NumPromptsPerGroup, "num_prompts_per_group");
        Positive(SystemPromptLen + QuestionLen, "system_prompt_len + question_len");
        Positive(OutputLen, "output_len");
        Positive(TurnsPerSession, "turns_per_session");
        Positive(ConcurrentSessions, "concurrent_sessions");
        Positive(NumAdapters, "num_adapters");
        Positive(MinLen, "min_len");
        if (SystemPromptLen < 0 || QuestionLen < 0 || PromptLenMedian <= 0 || OutputLenMedian <= 0 || PromptLenSigma < 0 || OutputLenSigma < 0 || ZipfExponent < 0)
        {
            throw new ArgumentException("lengths, medians, sigmas and the Zipf exponent must not be negative");
        }

        if (Arrival is not ("poisson" or "gamma"))
        {
            throw new ArgumentException($"unknown arrival process '{Arrival}' (poisson | gamma)");
        }

        if (Burstiness <= 0)
        {
            throw new ArgumentException("burstiness must be > 0");
        }

        foreach (var stage in Stages)
        {
            if (stage.Rate <= 0 || stage.Duration <= 0 || double.IsInfinity(stage.Rate))
            {
                throw new ArgumentException($"stage {stage}: rate and duration must be positive and finite");
            }
        }
    }

    private static void Positive(int value, string name)
    {
        if (value < 1)
        {
            throw new ArgumentException($"{name} must be >= 1");
        }
    }
}

internal static class WorkloadTypes
{
    public const string SharedPrefix = "shared_prefix";
    public const string ShareGpt = "sharegpt";
    public const string MultiTurn = "multi_turn";
    public const string LoraMix = "lora_mix";

    public static IReadOnlyList<string> All { get; } = [SharedPrefix, ShareGpt, MultiTurn, LoraMix];
}
