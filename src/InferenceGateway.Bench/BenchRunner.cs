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
    public static IReadOnlyList<SummaryRecord> RunSimulation(BenchOptions options, ISchedulerFactory factory, IBenchProgress? progress = null)
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

        var plans = options.BuildPlans();
        var simulation = new SimulationOptions
        {
            Servers = options.Servers,
            Engine = options.Engine,
            ScrapeInterval = options.ScrapeInterval,
            Model = options.Model ?? "model",
            MaxConcurrency = options.MaxConcurrency > 0 ? options.MaxConcurrency : null,
        };
        var records = new List<SummaryRecord>();
        foreach (var plan in plans)
        {
            foreach (var strategy in options.Strategies)
            {
                var task = $"{strategy} {plan.Label}";
                progress?.Start(task);
                var cluster = new ClusterSimulation(simulation);
                var time = new VirtualTimeProvider();
                var seed = unchecked((int)PseudoText.Derive(options.Seed, 11));
                var context = new SchedulerContext(time, new Random(seed), cluster.Endpoints, options.Engine.BlockSize, options.Engine.KvCacheBlocks);
                var scheduler = factory.Create(strategy, context) ?? throw new ArgumentException($"unknown strategy '{strategy}'");
                var result = cluster.Run(plan, scheduler, time, seed, progress is null ? null : f => progress.Update(task, f));
                var added = Summarise(records, strategy, options.WorkloadName, plan, result.Requests, result.Gaps, result.Windows, result.ClusterLoad, result.Preemptions);
                progress?.Done(task, Describe(added));
            }
        }

        return records;
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

            var added = Summarise(records, options.Label, options.WorkloadName, plan, run.Requests, gaps, run.Windows, null, null);
            progress?.Done(task, Describe(added));
        }

        return records;
    }

    private static SummaryRecord Summarise(
        List<SummaryRecord> records,
        string strategy,
        string workload,
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
                records.Add(WithLoad(summary, load?[s], null));
            }
        }

        var all = WithLoad(Summaries.Build(strategy, workload, plan.Label, null, plan.OfferedRate, plan.Duration.TotalSeconds, requests, gaps[^1].Values), load?[^1], preemptions);
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
