using InferenceGateway.Bench.Http;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Bench.Simulation;
using InferenceGateway.Bench.Workloads;

namespace InferenceGateway.Bench;

/// <summary>Receives progress: a task per (strategy, run) and its completion fraction.</summary>
internal interface IBenchProgress
{
    void Start(string task);

    void Update(string task, double fraction);

    void Done(string task, string summary);
}

/// <summary>Runs every (strategy, load plan) pair and summarises each per stage and overall.</summary>
internal static class BenchRunner
{
    /// <summary>
    /// Runs every (strategy, plan) once per seed of <see cref="BenchOptions.RunSeeds"/> (seed, then plan, then
    /// strategy), each with a fresh cluster and scheduler, so the records of one seed equal those of a single-seed run
    /// with that seed. <paramref name="timeline"/> receives each run's samples when
    /// <see cref="BenchOptions.TimelineInterval"/> is set.
    /// </summary>
    public static IReadOnlyList<SummaryRecord> RunSimulation(BenchOptions options, ISchedulerFactory factory, IBenchProgress? progress = null, ITimelineSink? timeline = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(factory);
        foreach (var name in options.Strategies)
        {
            if (!Contains(factory.Names, name))
            {
                throw new ArgumentException($"unknown strategy '{name}' (available: {(factory.Names.Count == 0 ? "none; no scheduler factory is registered" : string.Join(", ", factory.Names))})");
            }
        }

        var simulation = new SimulationOptions
        {
            Servers = options.Servers,
            Engine = options.Engine,
            ScrapeInterval = options.ScrapeInterval,
            Model = options.Model ?? "model",
            MaxConcurrency = options.MaxConcurrency > 0 ? options.MaxConcurrency : null,
            TimelineInterval = timeline is null ? null : options.TimelineInterval,
        };
        var records = new List<SummaryRecord>();
        foreach (var runSeed in options.RunSeeds)
        {
            var seeded = options.Clone();
            seeded.Seed = runSeed;
            seeded.Seeds = [];
            // Plans are built per seed (arrivals and prompts depend on it) and dropped before the next seed's.
            foreach (var plan in seeded.BuildPlans())
            {
                foreach (var strategy in options.Strategies)
                {
                    var task = options.MultiSeed
                        ? string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{strategy} {plan.Label} seed {runSeed}")
                        : $"{strategy} {plan.Label}";
                    progress?.Start(task);
                    var cluster = new ClusterSimulation(simulation);
                    var time = new VirtualTimeProvider();
                    var seed = unchecked((int)PseudoText.Derive(runSeed, 11));
                    var context = new SchedulerContext(time, new Random(seed), cluster.Endpoints, options.Engine.BlockSize, options.Engine.KvCacheBlocks);
                    var scheduler = factory.Create(strategy, context) ?? throw new ArgumentException($"unknown strategy '{strategy}'");
                    var result = cluster.Run(plan, scheduler, time, seed, progress is null ? null : f => progress.Update(task, f));
                    var added = Summarise(records, strategy, options.WorkloadName, runSeed, plan, result.Requests, result.Gaps, result.Windows, result.ClusterLoad, result.Preemptions);
                    timeline?.Add(strategy, plan.Label, runSeed, result.Timeline);
                    progress?.Done(task, Describe(added));
                }
            }
        }

        return records;
    }

    /// <summary>
    /// Simulate mode as the CLI runs it: <see cref="RunSimulation"/>, streaming timeline.csv into the output
    /// directory when <see cref="BenchOptions.TimelineInterval"/> is set (and writing no such file otherwise).
    /// </summary>
    public static IReadOnlyList<SummaryRecord> RunSimulationWithTimeline(BenchOptions options, ISchedulerFactory factory, IBenchProgress? progress = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.TimelineInterval is null)
        {
            return RunSimulation(options, factory, progress);
        }

        using var timeline = TimelineCsvWriter.Create(options.OutputDirectory);
        return RunSimulation(options, factory, progress, timeline);
    }

    /// <summary>The report of a simulate or http run (summary.json's header fields; the seeds list only with --seeds).</summary>
    public static BenchReport Report(BenchOptions options, IReadOnlyList<SummaryRecord> records)
    {
        ArgumentNullException.ThrowIfNull(options);
        var simulate = options.Mode == BenchMode.Simulate;
        return new BenchReport(
            simulate ? "simulate" : "http",
            options.WorkloadName,
            options.Seed,
            simulate ? options.Servers : null,
            simulate ? options.Engine.Profile.Name : null,
            simulate ? options.ScrapeInterval.TotalMilliseconds : null,
            records)
        {
            Seeds = options.MultiSeed ? options.Seeds : null,
        };
    }

    public static Task<IReadOnlyList<SummaryRecord>> RunHttpAsync(BenchOptions options, HttpClient client, TimeProvider time, IBenchProgress? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        return RunHttpAsync(options, options.BuildPlans(), client, time, progress, cancellationToken);
    }

    /// <summary>Http mode over given plans (the cross-check sends the simulation's plans stretched by the time scale).</summary>
    public static async Task<IReadOnlyList<SummaryRecord>> RunHttpAsync(BenchOptions options, IReadOnlyList<LoadPlan> plans, HttpClient client, TimeProvider time, IBenchProgress? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(plans);
        if (options.Target is null)
        {
            throw new ArgumentException("--target URL is required in http mode");
        }

        var records = new List<SummaryRecord>();
        foreach (var plan in plans)
        {
            var task = $"{options.Label} {plan.Label}";
            progress?.Start(task);
            var runner = new HttpLoadRunner(client, options.Target, options.Model, options.MaxConcurrency, options.RequestTimeout, time);
            var run = await runner.RunAsync(plan, progress is null ? null : f => progress.Update(task, f), cancellationToken).ConfigureAwait(false);
            var gaps = new GapSample[plan.Stages.Count + 1];
            for (var s = 0; s < gaps.Length; s++)
            {
                gaps[s] = new GapSample(s);
            }

            foreach (var (stage, gap) in run.Gaps)
            {
                gaps[stage].Add(gap);
                gaps[^1].Add(gap);
            }

            var added = Summarise(records, options.Label, options.WorkloadName, options.Seed, plan, run.Requests, gaps, run.Windows, null, null);
            progress?.Done(task, Describe(added));
        }

        return records;
    }

    private static SummaryRecord Summarise(
        List<SummaryRecord> records,
        string strategy,
        string workload,
        ulong seed,
        LoadPlan plan,
        IReadOnlyList<RequestResult> requests,
        IReadOnlyList<GapSample> gaps,
        StageWindows windows,
        IReadOnlyList<(double MeanWaiting, double MeanKv, double P90Kv)>? load,
        long? preemptions)
    {
        if (plan.Stages.Count > 1)
        {
            var byStage = new List<RequestResult>[plan.Stages.Count];
            for (var s = 0; s < byStage.Length; s++)
            {
                byStage[s] = [];
            }

            foreach (var r in requests)
            {
                byStage[r.Stage].Add(r);
            }

            for (var s = 0; s < byStage.Length; s++)
            {
                var stage = plan.Stages[s];
                var summary = Summaries.Build(strategy, workload, plan.Label, s, stage.Rate, stage.Duration, byStage[s], gaps[s].Values);
                // Per stage, throughput is what the cluster produced inside the stage's window (requests of
                // earlier stages included), not the stage's own requests over their (overlapping) lifetimes.
                summary = summary with
                {
                    RequestsPerSecond = windows.Completed[s] / stage.Duration,
                    OutputTokensPerSecond = windows.OutputTokens[s] / stage.Duration,
                    TotalTokensPerSecond = (windows.OutputTokens[s] + windows.CompletedPromptTokens[s]) / stage.Duration,
                };
                records.Add(WithLoad(summary, load?[s], null) with { Seed = seed });
            }
        }

        var all = WithLoad(Summaries.Build(strategy, workload, plan.Label, null, plan.OfferedRate, plan.Duration.TotalSeconds, requests, gaps[^1].Values), load?[^1], preemptions) with { Seed = seed };
        records.Add(all);
        return all;
    }

    private static SummaryRecord WithLoad(SummaryRecord record, (double MeanWaiting, double MeanKv, double P90Kv)? load, long? preemptions) =>
        load is { } l ? record with { MeanWaiting = l.MeanWaiting, MeanKvUsage = l.MeanKv, P90KvUsage = l.P90Kv, Preemptions = preemptions } : record;

    private static string Describe(SummaryRecord r) => string.Create(
        System.Globalization.CultureInfo.InvariantCulture,
        $"{r.Completed}/{r.Requests} ok, TTFT p90 {r.TtftP90Ms:F0} ms, {r.OutputTokensPerSecond:F0} out tok/s, cache hit {r.PrefixCacheHitRate:P1}");

    private static bool Contains(IReadOnlyList<string> names, string name)
    {
        foreach (var n in names)
        {
            if (string.Equals(n, name, StringComparison.OrdinalIgnoreCase))
            {
                return true;
            }
        }

        return false;
    }
}
