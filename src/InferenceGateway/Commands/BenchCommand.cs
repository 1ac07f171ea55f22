using System.CommandLine;
using System.Globalization;
using InferenceGateway.Bench;
using InferenceGateway.Bench.CrossCheck;
using InferenceGateway.Bench.Reporting;
using InferenceGateway.Bench.Scheduling;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Cli.Commands;

/// <summary>`inference-gateway bench`: load against a URL, or a discrete-event simulation of a cluster (docs/benchmarks.md).</summary>
internal static class BenchCommand
{
    /// <summary>
    /// The strategies `--mode simulate` can compare, by name: Core's built-in scheduling profiles (round-robin,
    /// random, least-request, seed-tree, reference-default, prefill-cost, default).
    /// </summary>
    internal static ISchedulerFactory SchedulerFactory() => BuiltInSchedulerFactory.Instance;

    internal static Command Create() => Create(null);

    /// <param name="fixedFactory">Strategies to use instead of the built-in profiles (tests); null: the built-in
    /// profiles plus those of --scheduler-config.</param>
    internal static Command Create(ISchedulerFactory? fixedFactory)
    {
        var schedulerConfig = new Option<string?>("--scheduler-config") { Description = "simulate mode: an EndpointPickerConfig file whose profiles become extra strategies (e.g. tunings to compare)" };
        var mode = new Option<string>("--mode") { Description = "simulate (discrete-event cluster) | http (real load against --target) | crosscheck (each strategy through serve in front of real sims, and simulated; rankings compared)", DefaultValueFactory = _ => "simulate" };
        var target = new Option<string?>("--target") { Description = "http mode: base URL of an OpenAI-compatible server or gateway" };
        var model = new Option<string?>("--model") { Description = "Model name to send (http mode default: the target's first /v1/models id)" };
        var label = new Option<string>("--label") { Description = "http mode: name of what runs behind --target, used as the strategy column", DefaultValueFactory = _ => "target" };
        var servers = new Option<int>("--servers") { Description = "simulate mode: number of simulated model servers", DefaultValueFactory = _ => 8 };
        var profile = new Option<string>("--profile") { Description = "simulate mode: engine profile: " + string.Join(", ", EngineProfile.All.Select(p => p.Name)), DefaultValueFactory = _ => EngineProfile.Qwen3_32B_H100x2.Name };
        var maxLoras = new Option<int?>("--max-loras") { Description = "simulate mode: LoRA slots per server (profile default)" };
        var maxWaiting = new Option<int?>("--max-waiting-queue-length") { Description = "simulate mode: waiting requests per server before it refuses with 429 (profile default 1000)" };
        var kvCacheSize = new Option<int?>("--kv-cache-size") { Description = "simulate / crosscheck mode: KV cache blocks per server (profile default)" };
        var maxNumSeqs = new Option<int?>("--max-num-seqs") { Description = "simulate / crosscheck mode: running slots per server (profile default)" };
        var timeScale = new Option<double>("--time-scale") { Description = "crosscheck mode: the sims' --time-scale, wall seconds per model second (2 = half speed, less CPU)", DefaultValueFactory = _ => 1.0 };
        var tolerance = new Option<double>("--tolerance") { Description = "crosscheck mode: relative difference under which two strategies count as tied", DefaultValueFactory = _ => 0.25 };
        var simulationSeeds = new Option<int>("--simulation-seeds") { Description = "crosscheck mode: simulated runs (seed, seed+1, ...); an order counts only if every seed gives it", DefaultValueFactory = _ => 5 };
        var ttftFloor = new Option<double>("--ttft-floor-ms") { Description = "crosscheck mode: TTFT p90 differences under this many ms (model time) count as ties (the HTTP path's share)", DefaultValueFactory = _ => 100 };
        var workload = new Option<string>("--workload") { Description = "Built-in workload: " + string.Join(", ", BuiltInWorkloads.Names), DefaultValueFactory = _ => "high-cache" };
        var workloadFile = new Option<string?>("--workload-file") { Description = "YAML workload (snake_case fields; replaces --workload)" };
        var rates = new Option<string[]>("--rate") { Description = "Requests/s; a list (comma-separated or repeated) runs each rate separately for --duration", AllowMultipleArgumentsPerToken = true };
        var duration = new Option<double>("--duration") { Description = "Seconds per --rate run", DefaultValueFactory = _ => 60 };
        var strategies = new Option<string[]>("--strategies") { Description = "simulate mode: strategies to compare (default: " + string.Join(",", BenchOptions.DefaultStrategies) + ")", AllowMultipleArgumentsPerToken = true };
        var seed = new Option<ulong>("--seed") { Description = "Seed of arrivals, prompts and random strategies", DefaultValueFactory = _ => 42 };
        var seeds = new Option<string?>("--seeds") { Description = "simulate mode: run every strategy and plan once per seed and report the distribution over seeds: a list like 1..12 or 1,5,9 (at most 100; instead of --seed)" };
        var timelineOption = new Option<double?>("--timeline") { Description = "simulate mode: every this many seconds of virtual time, one row per server (queue, running, in flight, KV, hit rate, preemptions, cached blocks) in timeline.csv" };
        var output = new Option<string>("--out") { Description = "Output directory (summary.json, summary.md, plots)", DefaultValueFactory = _ => "bench-results" };
        var scrape = new Option<double>("--scrape-interval") { Description = "simulate mode: metrics scrape interval in ms", DefaultValueFactory = _ => 50 };
        var concurrency = new Option<int?>("--max-concurrency") { Description = "The load generator's worker limit: requests in flight at most, later arrivals wait at the client and TTFT counts from the send (default: 256 in http and crosscheck modes, none (open loop) in simulate mode; 0 = none, simulate only)" };
        var timeout = new Option<double>("--request-timeout") { Description = "http mode: seconds before a request counts as failed", DefaultValueFactory = _ => 300 };
        // Workload parameters (override the chosen workload's values).
        var numGroups = new Option<int?>("--num-groups") { Description = "shared_prefix: groups" };
        var perGroup = new Option<int?>("--num-prompts-per-group") { Description = "shared_prefix: prompts per group" };
        var systemLen = new Option<int?>("--system-prompt-len") { Description = "shared_prefix / multi_turn: system prompt tokens" };
        var questionLen = new Option<int?>("--question-len") { Description = "shared_prefix / multi_turn: question tokens" };
        var outputLen = new Option<int?>("--output-len") { Description = "shared_prefix / multi_turn: output tokens" };
        var promptMedian = new Option<double?>("--prompt-len-median") { Description = "sharegpt / lora_mix: median prompt tokens" };
        var outputMedian = new Option<double?>("--output-len-median") { Description = "sharegpt / lora_mix: median output tokens" };
        var turns = new Option<int?>("--turns-per-session") { Description = "multi_turn: turns per conversation" };
        var sessions = new Option<int?>("--concurrent-sessions") { Description = "multi_turn: open conversations" };
        var adapters = new Option<int?>("--num-adapters") { Description = "lora_mix: adapters" };
        var zipf = new Option<double?>("--zipf-exponent") { Description = "lora_mix: popularity skew s (p_k ~ 1/(k+1)^s)" };
        var arrival = new Option<string?>("--arrival") { Description = "poisson | gamma" };
        var burstiness = new Option<double?>("--burstiness") { Description = "gamma shape (1 = Poisson, < 1 burstier)" };

        var command = new Command("bench", "Benchmark routing: a discrete-event simulation of a cluster comparing scheduling strategies, or streaming load against a URL.");
        foreach (var option in new Option[] { schedulerConfig, mode, target, model, label, servers, profile, maxLoras, maxWaiting, kvCacheSize, maxNumSeqs, timeScale, tolerance, ttftFloor, simulationSeeds, workload, workloadFile, rates, duration, strategies, seed, seeds, timelineOption, output, scrape, concurrency, timeout, numGroups, perGroup, systemLen, questionLen, outputLen, promptMedian, outputMedian, turns, sessions, adapters, zipf, arrival, burstiness })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            BenchOptions options;
            ISchedulerFactory factory;
            CrossCheckOptions? crossCheck = null;
            try
            {
                factory = fixedFactory
                    ?? (parseResult.GetValue(schedulerConfig) is { } configPath
                        ? new BuiltInSchedulerFactory(File.ReadAllText(configPath))
                        : SchedulerFactory());
                options = new BenchOptions
                {
                    Mode = parseResult.GetValue(mode)?.ToLowerInvariant() switch
                    {
                        "simulate" => BenchMode.Simulate,
                        "http" => BenchMode.Http,
                        "crosscheck" => BenchMode.CrossCheck,
                        var other => throw new ArgumentException($"unknown --mode '{other}' (simulate | http | crosscheck)"),
                    },
                    Label = parseResult.GetValue(label)!,
                    Model = parseResult.GetValue(model),
                    Servers = parseResult.GetValue(servers),
                    Duration = parseResult.GetValue(duration),
                    Seed = parseResult.GetValue(seed),
                    OutputDirectory = parseResult.GetValue(output)!,
                    ScrapeInterval = TimeSpan.FromMilliseconds(parseResult.GetValue(scrape)),
                    RequestTimeout = TimeSpan.FromSeconds(parseResult.GetValue(timeout)),
                };
                options.MaxConcurrency = parseResult.GetValue(concurrency) ?? (options.Mode == BenchMode.Simulate ? 0 : 256);
                if (options.MaxConcurrency < 0 || (options.MaxConcurrency == 0 && options.Mode != BenchMode.Simulate))
                {
                    throw new ArgumentException("--max-concurrency must be positive (0, no limit, only in simulate mode)");
                }

                var selected = EngineProfile.Find(parseResult.GetValue(profile)!)
                    ?? throw new ArgumentException($"unknown --profile '{parseResult.GetValue(profile)}' (known: {string.Join(", ", EngineProfile.All.Select(p => p.Name))})");
                var engine = EngineOptions.FromProfile(selected);
                options.Engine = engine with
                {
                    MaxLoras = parseResult.GetValue(maxLoras) ?? engine.MaxLoras,
                    MaxWaitingQueueLength = parseResult.GetValue(maxWaiting) ?? engine.MaxWaitingQueueLength,
                    KvCacheBlocks = parseResult.GetValue(kvCacheSize) ?? engine.KvCacheBlocks,
                    MaxNumSeqs = parseResult.GetValue(maxNumSeqs) ?? engine.MaxNumSeqs,
                };
                options.Engine.Validate();
                if (parseResult.GetValue(target) is { } url)
                {
                    options.Target = new Uri(url.EndsWith('/') ? url : url + "/", UriKind.Absolute);
                }

                var file = parseResult.GetValue(workloadFile);
                var name = parseResult.GetValue(workload)!;
                options.WorkloadName = file is null ? name : Path.GetFileNameWithoutExtension(file);
                var spec = file is null
                    ? BuiltInWorkloads.Find(name) ?? throw new ArgumentException($"unknown --workload '{name}' (known: {string.Join(", ", BuiltInWorkloads.Names)})")
                    : WorkloadFile.Load(file);
                spec.NumGroups = parseResult.GetValue(numGroups) ?? spec.NumGroups;
                spec.NumPromptsPerGroup = parseResult.GetValue(perGroup) ?? spec.NumPromptsPerGroup;
                spec.SystemPromptLen = parseResult.GetValue(systemLen) ?? spec.SystemPromptLen;
                spec.QuestionLen = parseResult.GetValue(questionLen) ?? spec.QuestionLen;
                spec.OutputLen = parseResult.GetValue(outputLen) ?? spec.OutputLen;
                spec.PromptLenMedian = parseResult.GetValue(promptMedian) ?? spec.PromptLenMedian;
                spec.OutputLenMedian = parseResult.GetValue(outputMedian) ?? spec.OutputLenMedian;
                spec.TurnsPerSession = parseResult.GetValue(turns) ?? spec.TurnsPerSession;
                spec.ConcurrentSessions = parseResult.GetValue(sessions) ?? spec.ConcurrentSessions;
                spec.NumAdapters = parseResult.GetValue(adapters) ?? spec.NumAdapters;
                spec.ZipfExponent = parseResult.GetValue(zipf) ?? spec.ZipfExponent;
                spec.Arrival = parseResult.GetValue(arrival) ?? spec.Arrival;
                spec.Burstiness = parseResult.GetValue(burstiness) ?? spec.Burstiness;
                spec.Validate();
                options.Workload = spec;
                options.Rates = [.. SplitList(parseResult.GetValue(rates)).Select(r => double.Parse(r, NumberStyles.Float, CultureInfo.InvariantCulture))];
                var names = SplitList(parseResult.GetValue(strategies));
                if (names.Count > 0)
                {
                    options.Strategies = names;
                }

                options.ApplySeedsAndTimeline(parseResult.GetValue(seeds), parseResult.GetResult(seed) is { Implicit: false }, parseResult.GetValue(timelineOption));

                if (options.Mode == BenchMode.Http && options.Target is null)
                {
                    throw new ArgumentException("--mode http needs --target URL");
                }

                if (options.Mode == BenchMode.CrossCheck)
                {
                    if (options.Target is not null)
                    {
                        throw new ArgumentException("--target is not used in crosscheck mode: it starts its own sims and serve");
                    }

                    if (parseResult.GetResult(scrape) is { Implicit: false })
                    {
                        throw new ArgumentException("--scrape-interval is not used in crosscheck mode: serve scrapes every 50 ms and the simulation does the same in model time");
                    }

                    if (names.Count == 0)
                    {
                        // seed-tree is left out by default: serve runs the models as Critical (never shed), the simulation as Default.
                        options.Strategies = CrossCheckStrategies;
                    }

                    crossCheck = new CrossCheckOptions
                    {
                        TimeScale = parseResult.GetValue(timeScale),
                        Tolerance = parseResult.GetValue(tolerance),
                        TtftFloorMs = parseResult.GetValue(ttftFloor),
                        SimulationSeeds = parseResult.GetValue(simulationSeeds) is var n and >= 1 and <= 100 ? n : throw new ArgumentException("--simulation-seeds must be in 1..100"),
                        SchedulerConfigPath = parseResult.GetValue(schedulerConfig),
                    };
                    if (!(crossCheck.TimeScale > 0) || double.IsInfinity(crossCheck.TimeScale))
                    {
                        throw new ArgumentException("--time-scale must be positive and finite");
                    }

                    if (!(crossCheck.Tolerance >= 0) || double.IsInfinity(crossCheck.Tolerance) || !(crossCheck.TtftFloorMs >= 0) || double.IsInfinity(crossCheck.TtftFloorMs))
                    {
                        throw new ArgumentException("--tolerance and --ttft-floor-ms must be finite numbers >= 0");
                    }
                }

                if (options.Mode != BenchMode.Http && factory.Names.Count == 0)
                {
                    throw new ArgumentException("no scheduling strategies are registered in this build (BenchCommand.SchedulerFactory)");
                }

                _ = options.BuildPlans();
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or UriFormatException or IOException or YamlDotNet.Core.YamlException or InferenceGateway.Core.Scheduling.SchedulerConfigException)
            {
                await Console.Error.WriteLineAsync("bench: " + exception.Message).ConfigureAwait(false);
                return 2;
            }

            if (crossCheck is not null)
            {
                return await RunCrossCheckAsync(options, crossCheck, factory, cancellationToken).ConfigureAwait(false);
            }

            IReadOnlyList<InferenceGateway.Bench.Measurement.SummaryRecord> records;
            try
            {
                if (options.Mode == BenchMode.Simulate)
                {
                    records = await ConsoleProgress.RunAsync(
                        progress => Task.Run(() => BenchRunner.RunSimulationWithTimeline(options, factory, progress), cancellationToken),
                        Console.Out).ConfigureAwait(false);
                }
                else
                {
                    using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
                    records = await ConsoleProgress.RunAsync(
                        progress => BenchRunner.RunHttpAsync(options, client, TimeProvider.System, progress, cancellationToken),
                        Console.Out).ConfigureAwait(false);
                }
            }
            catch (ArgumentException exception)
            {
                await Console.Error.WriteLineAsync("bench: " + exception.Message).ConfigureAwait(false);
                return 2;
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                await Console.Error.WriteLineAsync("bench: cannot write the timeline: " + exception.Message).ConfigureAwait(false);
                return 2;
            }
            catch (HttpRequestException exception)
            {
                await Console.Error.WriteLineAsync("bench: target unreachable: " + exception.Message).ConfigureAwait(false);
                return 1;
            }

            var report = BenchRunner.Report(options, records);
            // Built once: seeds.json, summary.md and the console tables all show the same distributions.
            var seedsReport = ReportWriter.SeedsFor(report);
            ReportWriter.Write(options.OutputDirectory, report, seedsReport);
            if (seedsReport is null)
            {
                await Console.Out.WriteLineAsync(ReportWriter.Markdown(report)).ConfigureAwait(false);
            }
            else
            {
                // Every run's row is in summary.md; the console gets the distributions.
                var console = Spectre.Console.AnsiConsole.Console;
                if (Console.IsOutputRedirected)
                {
                    // Spectre assumes 80 columns without a terminal, which wraps the seed columns of a log file.
                    console.Profile.Width = 240;
                }

                SeedTables.Write(console, seedsReport);
            }

            await Console.Out.WriteLineAsync("wrote " + Path.GetFullPath(options.OutputDirectory)).ConfigureAwait(false);
            return 0;
        });
        return command;
    }

    /// <summary>The strategies a cross-check compares when --strategies is not given.</summary>
    private static readonly string[] CrossCheckStrategies = ["round-robin", "random", "least-request", "reference-default", "default"];

    /// <summary>Exit 0 when the rankings agree, 3 when they differ, 1 when a process could not be started or reached.</summary>
    private static async Task<int> RunCrossCheckAsync(BenchOptions options, CrossCheckOptions crossCheck, ISchedulerFactory factory, CancellationToken cancellationToken)
    {
        CrossCheckResult result;
        try
        {
            using var client = new HttpClient { Timeout = Timeout.InfiniteTimeSpan };
            result = await ConsoleProgress.RunAsync(
                progress => CrossCheckRunner.RunAsync(options, crossCheck, factory, CliLauncher.ForCurrentProcess(), client, TimeProvider.System, progress, cancellationToken),
                Console.Out).ConfigureAwait(false);
        }
        catch (ArgumentException exception)
        {
            await Console.Error.WriteLineAsync("bench: " + exception.Message).ConfigureAwait(false);
            return 2;
        }
        catch (Exception exception) when (exception is CrossCheckException or HttpRequestException or System.ComponentModel.Win32Exception)
        {
            await Console.Error.WriteLineAsync("bench: crosscheck: " + exception.Message).ConfigureAwait(false);
            return 1;
        }

        var markdown = CrossCheckReport.Write(options.OutputDirectory, options, crossCheck, result);
        await Console.Out.WriteLineAsync(markdown).ConfigureAwait(false);
        await Console.Out.WriteLineAsync("wrote " + Path.GetFullPath(options.OutputDirectory)).ConfigureAwait(false);
        return result.Agrees ? 0 : 3;
    }

    private static List<string> SplitList(string[]? values)
    {
        var result = new List<string>();
        foreach (var value in values ?? [])
        {
            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                result.Add(part);
            }
        }

        return result;
    }
}
