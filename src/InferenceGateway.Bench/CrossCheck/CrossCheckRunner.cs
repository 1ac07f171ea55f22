using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Scheduling;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>Settings of `bench --mode crosscheck` beyond the shared <see cref="BenchOptions"/>.</summary>
internal sealed class CrossCheckOptions
{
    /// <summary>
    /// serve's metric scrape interval (Core's <c>MetricsOptions.Interval</c>, not a serve flag); the simulation
    /// scrapes at this interval divided by the time scale, i.e. as often in model time.
    /// </summary>
    public static readonly TimeSpan GatewayScrapeInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The sims' <c>--time-scale</c>: wall seconds per model second (2 = half speed, less CPU per wall second).</summary>
    public double TimeScale { get; init; } = 1;

    /// <summary>Relative difference below which two strategies count as tied (see <see cref="RankingComparer"/>).</summary>
    public double Tolerance { get; init; } = 0.25;

    /// <summary>
    /// TTFT p90 differences below this (ms of model time) are ties: what the HTTP path, the proxy and a shared machine
    /// add to every request through serve, and the simulation leaves out.
    /// </summary>
    public double TtftFloorMs { get; init; } = 100;

    /// <summary>
    /// Simulated runs in all: the measured seed plus seeds +1, +2, ... The simulation only claims an order of two
    /// strategies when every seed gives it (see <see cref="RankingComparer"/>).
    /// </summary>
    public int SimulationSeeds { get; init; } = 5;

    /// <summary>An EndpointPickerConfig passed to serve (and used by the simulation) for strategies it defines.</summary>
    public string? SchedulerConfigPath { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>Both sides of a cross-check and their comparison. <see cref="Http"/> is in model time.</summary>
internal sealed record CrossCheckResult(
    IReadOnlyList<SummaryRecord> Simulated,
    IReadOnlyList<IReadOnlyList<SummaryRecord>> SimulatedOtherSeeds,
    IReadOnlyList<SummaryRecord> HttpWallClock,
    IReadOnlyList<SummaryRecord> Http,
    IReadOnlyList<RankingComparison> Comparisons)
{
    public bool Agrees
    {
        get
        {
            foreach (var comparison in Comparisons)
            {
                if (!comparison.Agrees)
                {
                    return false;
                }
            }

            return Comparisons.Count > 0;
        }
    }
}

/// <summary>
/// `bench --mode crosscheck`: the same seeded plan (a) through `serve` in front of real `sim` processes, one fresh
/// cluster per strategy, measured by the http-mode client, and (b) in the discrete-event simulation with the same
/// engine, servers and strategies; then both rankings side by side.
/// </summary>
internal static class CrossCheckRunner
{
    public static async Task<CrossCheckResult> RunAsync(
        BenchOptions options,
        CrossCheckOptions crossCheck,
        ISchedulerFactory factory,
        CliLauncher cli,
        HttpClient client,
        TimeProvider time,
        IBenchProgress? progress,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(crossCheck);
        ArgumentNullException.ThrowIfNull(factory);
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        if (!(crossCheck.TimeScale > 0) || double.IsInfinity(crossCheck.TimeScale))
        {
            throw new ArgumentException("--time-scale must be positive in crosscheck mode (the sims must run on the wall clock)");
        }

        // serve knows profiles by their exact name; the factory's spelling is the canonical one.
        var strategies = new List<string>(options.Strategies.Count);
        foreach (var name in options.Strategies)
        {
            strategies.Add(Canonical(factory.Names, name)
                ?? throw new ArgumentException($"unknown strategy '{name}' (available: {string.Join(", ", factory.Names)})"));
        }

        var model = options.Model ?? "model";
        var simulateOptions = options.Clone();
        simulateOptions.Strategies = strategies;
        simulateOptions.Model = model;
        simulateOptions.Mode = BenchMode.Simulate;
        simulateOptions.ScrapeInterval = CrossCheckOptions.GatewayScrapeInterval / crossCheck.TimeScale;
        var plans = simulateOptions.BuildPlans();
        var simulated = await Task.Run(() => BenchRunner.RunSimulation(simulateOptions, factory, progress), cancellationToken).ConfigureAwait(false);
        var otherSeeds = new List<IReadOnlyList<SummaryRecord>>();
        for (var k = 1; k < crossCheck.SimulationSeeds; k++)
        {
            var other = simulateOptions.Clone();
            other.Seed = unchecked(options.Seed + (ulong)k);
            otherSeeds.Add(await Task.Run(() => BenchRunner.RunSimulation(other, factory, null), cancellationToken).ConfigureAwait(false));
        }

        var wallPlans = new List<Workloads.LoadPlan>(plans.Count);
        foreach (var plan in plans)
        {
            wallPlans.Add(TimeScaling.ToWallClock(plan, crossCheck.TimeScale));
        }

        var adapters = CrossCheckSetup.Adapters(options.Workload);
        var wall = new List<SummaryRecord>();
        foreach (var strategy in strategies)
        {
            var task = $"{strategy}: {options.Servers} sims + serve";
            progress?.Start(task);
            var spec = new LocalClusterSpec
            {
                Servers = options.Servers,
                Engine = options.Engine,
                Model = model,
                Adapters = adapters,
                TimeScale = crossCheck.TimeScale,
                Strategy = strategy,
                SchedulerConfigPath = crossCheck.SchedulerConfigPath is { } path ? Path.GetFullPath(path) : null,
                Directory = Path.Combine(options.OutputDirectory, "logs", strategy),
                StartTimeout = crossCheck.StartTimeout,
                Settle = crossCheck.Settle,
            };
            var cluster = await LocalCluster.StartAsync(spec, cli, client, time, cancellationToken).ConfigureAwait(false);
            await using (cluster.ConfigureAwait(false))
            {
                await WarmUpAsync(cluster.GatewayUrl, model, options.Servers, client, time, cancellationToken).ConfigureAwait(false);
                progress?.Done(task, "gateway " + cluster.GatewayUrl);
                var httpOptions = options.Clone();
                httpOptions.Strategies = [strategy];
                httpOptions.Model = model;
                httpOptions.Mode = BenchMode.Http;
                httpOptions.Target = cluster.GatewayUrl;
                httpOptions.Label = strategy;
                wall.AddRange(await BenchRunner.RunHttpAsync(httpOptions, wallPlans, client, time, progress, cancellationToken).ConfigureAwait(false));
            }
        }

        var http = new List<SummaryRecord>(wall.Count);
        foreach (var record in wall)
        {
            http.Add(TimeScaling.ToModelTime(record, crossCheck.TimeScale));
        }

        return new CrossCheckResult(simulated, otherSeeds, wall, http, RankingComparer.Compare(simulated, http, crossCheck.Tolerance, crossCheck.TtftFloorMs, otherSeeds));
    }

    /// <summary>
    /// A few short requests through the fresh gateway before the measured run, so that run does not pay for the
    /// processes' JIT and first connections (the simulation has no such cold start). The prompts are shorter than one
    /// KV block, so they leave no prefix-cache entry behind; a failure here means the setup is broken.
    /// </summary>
    private static async Task WarmUpAsync(Uri gateway, string model, int servers, HttpClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        var count = 4 * servers;
        var requests = new Workloads.PlannedRequest[count];
        for (var i = 0; i < count; i++)
        {
            var prompt = " warm up " + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            requests[i] = new Workloads.PlannedRequest(i, TimeSpan.FromMilliseconds(20 * i), 0, Workloads.PromptItem.Completion(prompt, 4));
        }

        var plan = new Workloads.LoadPlan("warm-up", [new Workloads.StageSpec { Rate = 50, Duration = count / 50.0 }], requests);
        var runner = new Http.HttpLoadRunner(client, gateway, model, count, TimeSpan.FromSeconds(60), time);
        var result = await runner.RunAsync(plan, null, cancellationToken).ConfigureAwait(false);
        foreach (var request in result.Requests)
        {
            if (!request.Succeeded)
            {
                throw new CrossCheckException($"a warm-up request through {gateway} failed: {request.StatusCode} {request.Error}");
            }
        }
    }

    private static string? Canonical(IReadOnlyList<string> names, string name)
    {
        foreach (var known in names)
        {
            if (string.Equals(known, name, StringComparison.OrdinalIgnoreCase))
            {
                return known;
            }
        }

        return null;
    }
}
