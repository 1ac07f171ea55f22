using System.Globalization;
using System.Text.RegularExpressions;
using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Bench.CrossCheck;

/// <summary>What one local cluster runs: N sims of one engine, and `serve` with one strategy in front of them.</summary>
internal sealed record LocalClusterSpec
{
    public required int Servers { get; init; }

    public required EngineOptions Engine { get; init; }

    public required string Model { get; init; }

    public IReadOnlyList<string> Adapters { get; init; } = [];

    public double TimeScale { get; init; } = 1;

    public required string Strategy { get; init; }

    public string? SchedulerConfigPath { get; init; }

    /// <summary>Folder for the generated manifests and one log file per process.</summary>
    public required string Directory { get; init; }

    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(120);

    /// <summary>Pause after `serve` reports ready, so its first metric scrapes (every 50 ms) have landed.</summary>
    public TimeSpan Settle { get; init; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// Real `sim` processes on 127.0.0.2, 127.0.0.3, ... (ports 0) and a real `serve` process (127.0.0.1, ports 0) whose
/// generated config points at them. Dispose kills every process.
/// </summary>
internal sealed partial class LocalCluster : IAsyncDisposable
{
    private readonly List<ChildProcess> _processes = [];

    private LocalCluster()
    {
    }

    /// <summary>The gateway's public base URL (OpenAI API).</summary>
    public Uri GatewayUrl { get; private set; } = null!;

    public Uri AdminUrl { get; private set; } = null!;

    /// <summary>The sims' "host:port" addresses, in start order.</summary>
    public IReadOnlyList<string> SimAddresses { get; private set; } = [];

    public static async Task<LocalCluster> StartAsync(LocalClusterSpec spec, CliLauncher cli, HttpClient client, TimeProvider time, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(cli);
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(time);
        var cluster = new LocalCluster();
        try
        {
            System.IO.Directory.CreateDirectory(spec.Directory);
            var sims = new List<ChildProcess>(spec.Servers);
            var distinctAddresses = CrossCheckSetup.LoopbackAliasesWork();
            for (var i = 0; i < spec.Servers; i++)
            {
                var name = "sim-" + i.ToString(CultureInfo.InvariantCulture);
                var sim = ChildProcess.Start(cli, CrossCheckSetup.SimArguments(i, spec.Engine, spec.Model, spec.Adapters, spec.TimeScale, distinctAddresses), name, Path.Combine(spec.Directory, name + ".log"));
                cluster._processes.Add(sim);
                sims.Add(sim);
            }

            var addresses = new List<string>(spec.Servers);
            foreach (var sim in sims)
            {
                var match = await sim.WaitForLineAsync(SimListening(), spec.StartTimeout, time, cancellationToken).ConfigureAwait(false);
                addresses.Add(match.Groups[1].Value);
            }

            cluster.SimAddresses = addresses;
            var config = Path.Combine(spec.Directory, "gateway.yaml");
            await File.WriteAllTextAsync(config, CrossCheckSetup.Manifests(addresses, spec.Model, spec.Adapters), cancellationToken).ConfigureAwait(false);
            var serve = ChildProcess.Start(cli, CrossCheckSetup.ServeArguments(config, spec.Strategy, spec.SchedulerConfigPath), "serve", Path.Combine(spec.Directory, "serve.log"));
            cluster._processes.Add(serve);
            cluster.GatewayUrl = new Uri((await serve.WaitForLineAsync(GatewayListening(), spec.StartTimeout, time, cancellationToken).ConfigureAwait(false)).Groups[1].Value + "/");
            cluster.AdminUrl = new Uri((await serve.WaitForLineAsync(AdminListening(), spec.StartTimeout, time, cancellationToken).ConfigureAwait(false)).Groups[1].Value + "/");
            await WaitReadyAsync(serve, new Uri(cluster.AdminUrl, "ready"), client, spec.StartTimeout, time, cancellationToken).ConfigureAwait(false);
            await Task.Delay(spec.Settle, time, cancellationToken).ConfigureAwait(false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // The gateway first, so no request reaches a sim that is already gone.
        for (var i = _processes.Count - 1; i >= 0; i--)
        {
            await _processes[i].DisposeAsync().ConfigureAwait(false);
        }

        _processes.Clear();
    }

    private static async Task WaitReadyAsync(ChildProcess serve, Uri ready, HttpClient client, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        var start = time.GetTimestamp();
        while (true)
        {
            try
            {
                using var probe = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                probe.CancelAfter(TimeSpan.FromSeconds(5));
                using var response = await client.GetAsync(ready, probe.Token).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
            {
                // Not listening yet.
            }

            if (serve.HasExited)
            {
                throw new CrossCheckException("serve exited before it was ready:\n" + serve.Tail());
            }

            if (time.GetElapsedTime(start) > timeout)
            {
                throw new CrossCheckException($"serve was not ready ({ready}) within {timeout.TotalSeconds:F0} s:\n{serve.Tail()}");
            }

            await Task.Delay(TimeSpan.FromMilliseconds(100), time, cancellationToken).ConfigureAwait(false);
        }
    }

    [GeneratedRegex(@"^listening on http://(\S+?)/?$")]
    private static partial Regex SimListening();

    [GeneratedRegex(@"^gateway listening on (http://\S+?)/?$")]
    private static partial Regex GatewayListening();

    [GeneratedRegex(@"^admin listening on (http://\S+?)/?$")]
    private static partial Regex AdminListening();
}
