using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Sources;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Server;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Cli.Commands;

/// <summary>
/// The embedded quickstart of `serve` without --config: three simulated vLLM servers in this process on loopback,
/// and an example pool and models written as manifest text and loaded through the same reader and snapshot
/// builder a config file goes through.
/// </summary>
internal sealed class ServeQuickstart : IAsyncDisposable
{
    public const string PoolName = "quickstart-pool";
    public const string BaseModel = "llama";
    public const string CanaryModel = "support";
    public const string CanaryStable = "support-v1";
    public const string CanaryCandidate = "support-v2";
    public const string SheddableModel = "batch";
    public const int ServerCount = 3;

    private readonly List<SimulatorServer> _servers;

    private ServeQuickstart(List<SimulatorServer> servers, string manifests)
    {
        _servers = servers;
        Manifests = manifests;
    }

    /// <summary>The manifests of the example (what a user would put in a --config file).</summary>
    public string Manifests { get; }

    public IReadOnlyList<SimulatorServer> Servers => _servers;

    /// <summary>
    /// Starts the servers (127.0.0.2, .3, .4 where the loopback range is routable, else 127.0.0.1; a free port
    /// each) and writes the manifests that point at them.
    /// </summary>
    public static async Task<ServeQuickstart> StartAsync(Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        var servers = new List<SimulatorServer>(ServerCount);
        try
        {
            for (var i = 0; i < ServerCount; i++)
            {
                servers.Add(await StartServerAsync(i, logging, cancellationToken).ConfigureAwait(false));
            }
        }
        catch
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync().ConfigureAwait(false);
            }

            throw;
        }

        var endpoints = new List<string>(servers.Count);
        foreach (var server in servers)
        {
            endpoints.Add(server.BaseAddress.Authority);
        }

        return new ServeQuickstart(servers, WriteManifests(endpoints));
    }

    /// <summary>Parses and builds the manifests exactly as the file source would; throws with every error.</summary>
    public DatastoreSnapshot BuildSnapshot()
    {
        const string source = "<embedded quickstart>";
        var raw = new RawManifestFiles([source], [(source, Manifests)], [], 0);
        var files = ManifestFileSet.Parse(raw);
        var errors = files.Errors;
        if (errors.Count == 0)
        {
            var build = SnapshotBuilder.Build(files.Inputs, new PoolSelection(PoolName, null));
            if (build.Snapshot is not null)
            {
                return build.Snapshot;
            }

            errors = build.Errors;
        }

        throw new ConfigurationLoadException(new ConfigurationLoadResult(false, DateTimeOffset.UnixEpoch, [source], errors, [], null));
    }

    /// <summary>One line per server for the banner.</summary>
    public IReadOnlyList<string> DescribeServers()
    {
        var lines = new List<string>(_servers.Count + 1) { "Simulated vLLM servers (in this process, profile 'test'):" };
        foreach (var server in _servers)
        {
            lines.Add(string.Create(CultureInfo.InvariantCulture,
                $"  {server.BaseAddress.GetLeftPart(UriPartial.Authority)}  model {BaseModel}, LoRA adapters {CanaryStable}, {CanaryCandidate}"));
        }

        lines.Add(string.Create(CultureInfo.InvariantCulture,
            $"Example models: {BaseModel} (Critical), {CanaryModel} (80% {CanaryStable} / 20% {CanaryCandidate}), {SheddableModel} (Sheddable, runs on {BaseModel})"));
        return lines;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var server in _servers)
        {
            await server.DisposeAsync().ConfigureAwait(false);
        }

        _servers.Clear();
    }

    private static async Task<SimulatorServer> StartServerAsync(int index, Action<ILoggingBuilder>? logging, CancellationToken cancellationToken)
    {
        var options = new SimulatorOptions
        {
            Host = string.Create(CultureInfo.InvariantCulture, $"127.0.0.{index + 2}"),
            Port = 0,
            Model = BaseModel,
            LoraModules = [new LoraModule(CanaryStable, null), new LoraModule(CanaryCandidate, null)],
            Mode = GenerationMode.Random,
            Engine = EngineOptions.FromProfile(EngineProfile.Test) with { MaxLoras = 2 },
            Seed = index + 1,
        };
        try
        {
            return await SimulatorServer.StartAsync(options, TimeProvider.System, logging, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsAddressUnavailable(e))
        {
            // Only 127.0.0.1 is configured on this system (macOS, some containers): share it, one port each.
            options.Host = IPAddress.Loopback.ToString();
            return await SimulatorServer.StartAsync(options, TimeProvider.System, logging, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsAddressUnavailable(Exception e)
    {
        for (var current = e; current is not null; current = current.InnerException)
        {
            if (current is SocketException { SocketErrorCode: SocketError.AddressNotAvailable })
            {
                return true;
            }
        }

        return false;
    }

    private static string WriteManifests(IReadOnlyList<string> endpoints)
    {
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"""
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferencePool
            metadata:
              name: {PoolName}
            spec:
              targetPortNumber: 8000
              selector:
                app: quickstart
            ---
            apiVersion: inference-gateway.io/v1alpha1
            kind: StaticEndpoints
            metadata:
              name: quickstart-servers
            spec:
              poolName: {PoolName}
              engineType: vllm
              endpoints:

            """);
        foreach (var endpoint in endpoints)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - \"{endpoint}\"\n");
        }

        text.Append(CultureInfo.InvariantCulture, $"""
            ---
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata:
              name: {BaseModel}
            spec:
              modelName: {BaseModel}
              criticality: Critical
              poolRef:
                name: {PoolName}
            ---
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata:
              name: {CanaryModel}
            spec:
              modelName: {CanaryModel}
              criticality: Default
              poolRef:
                name: {PoolName}
              targetModels:
              - name: {CanaryStable}
                weight: 80
              - name: {CanaryCandidate}
                weight: 20
            ---
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata:
              name: {SheddableModel}
            spec:
              modelName: {SheddableModel}
              criticality: Sheddable
              poolRef:
                name: {PoolName}
              targetModels:
              - name: {BaseModel}
                weight: 1

            """);
        return text.ToString();
    }
}
