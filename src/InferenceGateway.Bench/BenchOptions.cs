using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Bench;

internal enum BenchMode
{
    Simulate,
    Http,

    /// <summary>Each strategy through `serve` in front of real `sim` processes, and the same in the simulation.</summary>
    CrossCheck,
}

/// <summary>Everything a benchmark run needs (the CLI binds flags onto it).</summary>
internal sealed class BenchOptions
{
    public BenchMode Mode { get; set; } = BenchMode.Simulate;

    /// <summary>Name of the workload (built-in name or "custom" for a file).</summary>
    public string WorkloadName { get; set; } = "high-cache";

    public WorkloadSpec Workload { get; set; } = BuiltInWorkloads.Find("high-cache")!;

    /// <summary>Each rate runs separately as one stage of <see cref="Duration"/>; empty = the workload's stages.</summary>
    public IReadOnlyList<double> Rates { get; set; } = [];

    /// <summary>Duration of each `--rate` run in seconds.</summary>
    public double Duration { get; set; } = 60;

    public IReadOnlyList<string> Strategies { get; set; } = DefaultStrategies;

    public static IReadOnlyList<string> DefaultStrategies { get; } = ["round-robin", "random", "least-request", "seed-tree", "reference-default", "default"];

    public ulong Seed { get; set; } = 42;

    /// <summary>
    /// `--seeds` (simulate mode): every (strategy, plan) runs once per seed, each run exactly as a single-seed run with
    /// that <see cref="Seed"/>. Empty: one run with <see cref="Seed"/>.
    /// </summary>
    public IReadOnlyList<ulong> Seeds { get; set; } = [];

    /// <summary>True when `--seeds` was given (multi-seed reporting), even with a single seed.</summary>
    public bool MultiSeed => Seeds.Count > 0;

    /// <summary>The seeds to run: <see cref="Seeds"/>, or <see cref="Seed"/> alone.</summary>
    public IReadOnlyList<ulong> RunSeeds => Seeds.Count > 0 ? Seeds : [Seed];

    /// <summary>`--timeline` (simulate mode): per-server samples every this much virtual time; null = none.</summary>
    public TimeSpan? TimelineInterval { get; set; }

    public string OutputDirectory { get; set; } = "bench-results";

    // simulate mode
    public int Servers { get; set; } = 8;

    public EngineOptions Engine { get; set; } = EngineOptions.FromProfile(EngineProfile.Qwen3_32B_H100x2);

    public TimeSpan ScrapeInterval { get; set; } = TimeSpan.FromMilliseconds(50);

    /// <summary>Base model name; null in http mode = the first id of the target's /v1/models.</summary>
    public string? Model { get; set; }

    // http mode
    public Uri? Target { get; set; }

    /// <summary>Label of the http-mode results (what runs behind the target).</summary>
    public string Label { get; set; } = "target";

    /// <summary>Concurrent requests at most (http mode); arrivals beyond it wait for a free worker.</summary>
    public int MaxConcurrency { get; set; } = 256;

    /// <summary>Per-request limit (http mode); the run stops by itself after the last arrival plus this.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Smallest `--timeline` interval in seconds: finer sampling only multiplies rows.</summary>
    public const double MinTimelineSeconds = 0.01;

    /// <summary>
    /// Binds `--seeds` and `--timeline` (both simulate mode only) after <see cref="Mode"/> and <see cref="Seed"/>;
    /// <paramref name="seedGiven"/> says whether `--seed` was on the command line (the two exclude each other).
    /// With seeds, <see cref="Seed"/> becomes the first of them.
    /// </summary>
    public void ApplySeedsAndTimeline(string? seeds, bool seedGiven, double? timelineSeconds)
    {
        if (seeds is not null)
        {
            if (Mode != BenchMode.Simulate)
            {
                throw new ArgumentException("--seeds is only for --mode simulate (crosscheck has --simulation-seeds)");
            }

            if (seedGiven)
            {
                throw new ArgumentException("give either --seed or --seeds, not both");
            }

            Seeds = SeedList.Parse(seeds);
            Seed = Seeds[0];
        }

        if (timelineSeconds is { } every)
        {
            if (Mode != BenchMode.Simulate)
            {
                throw new ArgumentException("--timeline is only for --mode simulate");
            }

            if (!(every >= MinTimelineSeconds) || double.IsInfinity(every))
            {
                throw new ArgumentException(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"--timeline must be a finite number of seconds >= {MinTimelineSeconds}"));
            }

            TimelineInterval = TimeSpan.FromSeconds(every);
        }
    }

    /// <summary>A shallow copy for a run derived from this one (the workload and engine objects are shared).</summary>
    public BenchOptions Clone() => (BenchOptions)MemberwiseClone();

    /// <summary>The load plans of this run: one per `--rate`, or one from the workload's stages.</summary>
    public IReadOnlyList<LoadPlan> BuildPlans()
    {
        Workload.Validate();
        if (Rates.Count == 0)
        {
            if (Workload.Stages.Count == 0)
            {
                throw new ArgumentException("the workload has no stages: give --rate (and --duration) or stages in --workload-file");
            }

            return [LoadPlan.Build(Workload, Workload.Stages, Seed, "stages")];
        }

        var plans = new List<LoadPlan>(Rates.Count);
        foreach (var rate in Rates)
        {
            if (rate <= 0 || double.IsInfinity(rate) || Duration <= 0)
            {
                throw new ArgumentException("--rate values and --duration must be positive and finite");
            }

            var stages = new List<StageSpec> { new() { Rate = rate, Duration = Duration } };
            plans.Add(LoadPlan.Build(Workload, stages, Seed, "rate=" + rate.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        }

        return plans;
    }
}
