using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using InferenceGateway.Bench.Workloads;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>
/// What the cross-check starts per strategy: the `sim` and `serve` argument lists and the manifests that point
/// `serve` at the sims. Pure, so the pieces that must match the simulation (engine sizes, model names) are testable.
/// </summary>
internal static class CrossCheckSetup
{
    /// <summary>Name of the generated pool (and of its StaticEndpoints list).</summary>
    public const string PoolName = "crosscheck-pool";

    /// <summary>
    /// The loopback address of server <paramref name="index"/>: 127.0.0.2, 127.0.0.3, ... where the OS routes all of
    /// 127.0.0.0/8 to loopback (Linux); 127.0.0.1 for every server otherwise (macOS without aliases), where the ports
    /// (each bound as 0) tell them apart.
    /// </summary>
    public static string SimHost(int index, bool distinctAddresses = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(index, 250 * 250);
        // Stay inside 127.0.0.0/8 and off 127.0.0.1 and .255 (each octet 2..251).
        return distinctAddresses ? string.Create(CultureInfo.InvariantCulture, $"127.0.{index / 250}.{(index % 250) + 2}") : "127.0.0.1";
    }

    /// <summary>True when a socket can bind 127.0.0.2, i.e. the sims can have addresses of their own.</summary>
    public static bool LoopbackAliasesWork()
    {
        try
        {
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            socket.Bind(new IPEndPoint(IPAddress.Parse("127.0.0.2"), 0));
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    /// <summary>The adapters a workload sends to (lora_mix: adapter-0..adapter-{n-1}); empty otherwise.</summary>
    public static IReadOnlyList<string> Adapters(WorkloadSpec workload)
    {
        ArgumentNullException.ThrowIfNull(workload);
        if (workload.Type != WorkloadTypes.LoraMix)
        {
            return [];
        }

        var names = new string[workload.NumAdapters];
        for (var i = 0; i < names.Length; i++)
        {
            names[i] = "adapter-" + i.ToString(CultureInfo.InvariantCulture);
        }

        return names;
    }

    /// <summary>
    /// `sim` arguments for server <paramref name="index"/>: every engine size of <paramref name="engine"/> passed
    /// explicitly, so the real server runs exactly the engine the simulation models; port 0 (the bound URL is read
    /// from its output); <c>ignore_eos</c> requests make the text mode irrelevant to lengths.
    /// </summary>
    public static IReadOnlyList<string> SimArguments(int index, EngineOptions engine, string model, IReadOnlyList<string> adapters, double timeScale, bool distinctAddresses = true)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(adapters);
        var c = CultureInfo.InvariantCulture;
        var args = new List<string>
        {
            "sim",
            "--host", SimHost(index, distinctAddresses),
            "--port", "0",
            "--model", model,
            "--profile", engine.Profile.Name,
            "--max-num-seqs", engine.MaxNumSeqs.ToString(c),
            "--max-waiting-queue-length", engine.MaxWaitingQueueLength.ToString(c),
            "--max-model-len", engine.MaxModelLen.ToString(c),
            "--max-num-batched-tokens", engine.MaxNumBatchedTokens.ToString(c),
            "--block-size", engine.BlockSize.ToString(c),
            "--kv-cache-size", engine.KvCacheBlocks.ToString(c),
            "--max-loras", engine.MaxLoras.ToString(c),
            "--time-scale", timeScale.ToString("R", c),
            "--mode", "random",
            "--seed", index.ToString(c),
        };
        if (adapters.Count > 0)
        {
            args.Add("--lora");
            args.Add(string.Join(',', adapters));
        }

        return args;
    }

    /// <summary>`serve` arguments: loopback, ports 0, the generated manifests and the strategy as scheduler profile.</summary>
    public static IReadOnlyList<string> ServeArguments(string configPath, string strategy, string? schedulerConfigPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(configPath);
        ArgumentException.ThrowIfNullOrEmpty(strategy);
        var args = new List<string>
        {
            "serve",
            "--config", configPath,
            "--host", "127.0.0.1",
            "--port", "0",
            "--admin-port", "0",
            "--scheduler-profile", strategy,
        };
        if (schedulerConfigPath is not null)
        {
            args.Add("--scheduler-config");
            args.Add(schedulerConfigPath);
        }

        return args;
    }

    /// <summary>
    /// The pool, a StaticEndpoints list of the sims' "host:port" addresses, and one InferenceModel per name the
    /// workload sends (the base model and any adapters). The models are <c>Critical</c>: the gateway's saturation
    /// admission never refuses them, as the simulation (which models no admission control) never does.
    /// </summary>
    public static string Manifests(IReadOnlyList<string> endpoints, string model, IReadOnlyList<string> adapters)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrEmpty(model);
        ArgumentNullException.ThrowIfNull(adapters);
        if (endpoints.Count == 0)
        {
            throw new ArgumentException("at least one endpoint is needed", nameof(endpoints));
        }

        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferencePool
            metadata:
              name: {PoolName}
            spec:
              targetPortNumber: 8000
              selector:
                app: {PoolName}
            ---
            apiVersion: inference-gateway.io/v1alpha1
            kind: StaticEndpoints
            metadata:
              name: {PoolName}-servers
            spec:
              poolName: {PoolName}
              endpoints:

            """);
        foreach (var endpoint in endpoints)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - \"{endpoint}\"\n");
        }

        var index = 0;
        foreach (var name in (IEnumerable<string>)[model, .. adapters])
        {
            text.Append(CultureInfo.InvariantCulture, $"""
                ---
                apiVersion: inference.networking.x-k8s.io/v1alpha1
                kind: InferenceModel
                metadata:
                  name: crosscheck-model-{index++}
                spec:
                  modelName: "{name}"
                  criticality: Critical
                  poolRef:
                    name: {PoolName}

                """);
        }

        return text.ToString();
    }
}
