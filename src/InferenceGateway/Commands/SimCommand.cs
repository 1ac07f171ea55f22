using System.CommandLine;
using System.Globalization;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Server;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Cli.Commands;

/// <summary>`inference-gateway sim`: a vLLM-compatible simulated model server (flags follow llm-d-inference-sim).</summary>
internal static class SimCommand
{
    internal static Command Create()
    {
        var host = new Option<string>("--host") { Description = "Address to bind", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port (0 = any free port; the bound URL is printed)", DefaultValueFactory = _ => 8000 };
        var model = new Option<string>("--model") { Description = "Base model name", DefaultValueFactory = _ => "meta-llama/Llama-3.1-8B-Instruct" };
        var servedNames = new Option<string[]>("--served-model-name") { Description = "Names clients use for the base model (the first labels the metrics)", AllowMultipleArgumentsPerToken = true };
        var loras = new Option<string[]>("--lora-modules", "--lora") { Description = "LoRA adapters: name, name=path or {\"name\":..,\"path\":..}; comma-separated or repeated", AllowMultipleArgumentsPerToken = true };
        var maxLoras = new Option<int?>("--max-loras") { Description = "LoRA adapters resident at once (profile default 1)" };
        var maxNumSeqs = new Option<int?>("--max-num-seqs") { Description = "Running slots (profile default)" };
        var maxWaiting = new Option<int?>("--max-waiting-queue-length") { Description = "Waiting requests beyond this get 429 (default 1000)" };
        var maxModelLen = new Option<int?>("--max-model-len") { Description = "Longest prompt + output in tokens (profile default)" };
        var maxBatched = new Option<int?>("--max-num-batched-tokens") { Description = "Token budget of one engine step (profile default)" };
        var blockSize = new Option<int?>("--block-size") { Description = "Tokens per KV block (default 16)" };
        var kvCacheSize = new Option<int?>("--kv-cache-size") { Description = "KV cache size in blocks (profile default)" };
        var mode = new Option<string>("--mode") { Description = "echo | random", DefaultValueFactory = _ => "random" };
        var profile = new Option<string>("--profile") { Description = "Cost model: " + string.Join(", ", EngineProfile.All.Select(p => p.Name)), DefaultValueFactory = _ => EngineProfile.Test.Name };
        var engine = new Option<string>("--engine") { Description = "Metric names to expose: vllm | sglang", DefaultValueFactory = _ => "vllm" };
        var seed = new Option<long>("--seed") { Description = "Seed for generated text and failure injection", DefaultValueFactory = _ => 0 };
        var fakeMetrics = new Option<string?>("--fake-metrics") { Description = "Pin reported load, e.g. {\"running-requests\":10,\"waiting-requests\":30,\"kv-cache-usage\":0.4}" };
        var failureRate = new Option<double>("--failure-injection-rate") { Description = "Percent (0..100) of requests that fail", DefaultValueFactory = _ => 0 };
        var failureTypes = new Option<string[]>("--failure-types") { Description = "rate_limit, invalid_api_key, context_length, server_error, invalid_request, model_not_found, connection_reset, slow_first_token (default all)", AllowMultipleArgumentsPerToken = true };
        var timeScale = new Option<double>("--time-scale") { Description = "Wall seconds per simulated second (0.5 = 2x faster, 0 = no waiting)", DefaultValueFactory = _ => 1.0 };
        var slowFirstToken = new Option<int>("--slow-first-token-ms") { Description = "Delay added by the slow_first_token failure", DefaultValueFactory = _ => 2000 };

        var command = new Command("sim", "Run a vLLM-compatible simulated model server (continuous batching, paged KV cache, prefix cache, LoRA).");
        foreach (var option in new Option[] { host, port, model, servedNames, loras, maxLoras, maxNumSeqs, maxWaiting, maxModelLen, maxBatched, blockSize, kvCacheSize, mode, profile, engine, seed, fakeMetrics, failureRate, failureTypes, timeScale, slowFirstToken })
        {
            command.Options.Add(option);
        }

        command.SetAction(async (parseResult, cancellationToken) =>
        {
            SimulatorOptions options;
            try
            {
                var selected = EngineProfile.Find(parseResult.GetValue(profile)!)
                    ?? throw new ArgumentException($"unknown --profile '{parseResult.GetValue(profile)}' (known: {string.Join(", ", EngineProfile.All.Select(p => p.Name))})");
                var engineOptions = EngineOptions.FromProfile(selected);
                engineOptions = engineOptions with
                {
                    MaxLoras = parseResult.GetValue(maxLoras) ?? engineOptions.MaxLoras,
                    MaxNumSeqs = parseResult.GetValue(maxNumSeqs) ?? engineOptions.MaxNumSeqs,
                    MaxWaitingQueueLength = parseResult.GetValue(maxWaiting) ?? engineOptions.MaxWaitingQueueLength,
                    MaxModelLen = parseResult.GetValue(maxModelLen) ?? engineOptions.MaxModelLen,
                    MaxNumBatchedTokens = parseResult.GetValue(maxBatched) ?? engineOptions.MaxNumBatchedTokens,
                    BlockSize = parseResult.GetValue(blockSize) ?? engineOptions.BlockSize,
                    KvCacheBlocks = parseResult.GetValue(kvCacheSize) ?? engineOptions.KvCacheBlocks,
                };
                var fake = parseResult.GetValue(fakeMetrics);
                options = new SimulatorOptions
                {
                    Host = parseResult.GetValue(host)!,
                    Port = parseResult.GetValue(port),
                    Model = parseResult.GetValue(model)!,
                    ServedModelNames = SplitList(parseResult.GetValue(servedNames)),
                    LoraModules = SplitLoras(parseResult.GetValue(loras)),
                    Mode = parseResult.GetValue(mode)?.ToLowerInvariant() switch
                    {
                        "echo" => GenerationMode.Echo,
                        "random" => GenerationMode.Random,
                        var other => throw new ArgumentException($"unknown --mode '{other}' (echo | random)"),
                    },
                    Engine = engineOptions,
                    Flavor = parseResult.GetValue(engine)?.ToLowerInvariant() switch
                    {
                        "vllm" => MetricsFlavor.Vllm,
                        "sglang" => MetricsFlavor.Sglang,
                        var other => throw new ArgumentException($"unknown --engine '{other}' (vllm | sglang)"),
                    },
                    Seed = parseResult.GetValue(seed),
                    FakeMetrics = string.IsNullOrWhiteSpace(fake) ? null : FakeMetrics.Parse(fake),
                    FailureInjectionRate = parseResult.GetValue(failureRate),
                    FailureTypes = ParseFailureTypes(parseResult.GetValue(failureTypes)),
                    TimeScale = parseResult.GetValue(timeScale),
                    SlowFirstTokenDelay = TimeSpan.FromMilliseconds(parseResult.GetValue(slowFirstToken)),
                };
                options.Validate();
            }
            catch (Exception exception) when (exception is ArgumentException or FormatException or System.Text.Json.JsonException or InvalidOperationException)
            {
                await Console.Error.WriteLineAsync("sim: " + exception.Message).ConfigureAwait(false);
                return 2;
            }

            await using var server = await SimulatorServer.StartAsync(
                options,
                TimeProvider.System,
                logging => logging.AddSimpleConsole(o => o.SingleLine = true).SetMinimumLevel(LogLevel.Warning),
                cancellationToken).ConfigureAwait(false);
            var url = server.BaseAddress.GetLeftPart(UriPartial.Authority);
            await Console.Out.WriteLineAsync("listening on " + url).ConfigureAwait(false);
            await Console.Out.FlushAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl+C / SIGTERM: stop cleanly.
            }

            return 0;
        });
        return command;
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

    private static List<LoraModule> SplitLoras(string[]? values)
    {
        var result = new List<LoraModule>();
        foreach (var value in values ?? [])
        {
            if (value.TrimStart().StartsWith('{'))
            {
                result.Add(LoraModule.Parse(value));
                continue;
            }

            foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                result.Add(LoraModule.Parse(part));
            }
        }

        return result;
    }

    private static List<FailureType> ParseFailureTypes(string[]? values)
    {
        var result = new List<FailureType>();
        foreach (var name in SplitList(values))
        {
            if (!SimulatorOptions.TryParseFailureType(name, out var type))
            {
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"unknown failure type '{name}'"));
            }

            result.Add(type);
        }

        return result;
    }
}
