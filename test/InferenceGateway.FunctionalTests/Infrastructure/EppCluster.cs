using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using InferenceGateway.TestSupport;
using InferenceGateway.TestSupport.ExtProc;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.FunctionalTests.Infrastructure;

/// <summary>
/// Real `sim` processes plus a real `epp` process reading a config file that points at them, and an ext_proc
/// client as Envoy would connect. Dispose stops everything.
/// </summary>
public sealed class EppCluster : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);
    public const string PoolName = "fn-pool";
    public const string BaseModel = "base";
    public const string Destination = "x-gateway-destination-endpoint";

    /// <summary>Quiet, pinned load: metrics are known and nothing is saturated.</summary>
    public const string IdleMetrics = "{\"running-requests\":1,\"waiting-requests\":0,\"kv-cache-usage\":0.1}";

    /// <summary>A full queue and KV cache: sheddable requests are refused once these are scraped.</summary>
    public const string SaturatedMetrics = "{\"running-requests\":8,\"waiting-requests\":50,\"kv-cache-usage\":0.97}";

    /// <summary>An address where nothing listens: its metrics stay unknown, so only a Critical model routes to it.</summary>
    public const string DeadEndpoint = "127.0.0.1:9";

    private readonly List<CliProcess> _sims = [];

    private EppCluster(TempConfigFolder folder) => Folder = folder;

    public TempConfigFolder Folder { get; }

    /// <summary>The sims' "127.0.0.1:port" addresses (what the picker returns).</summary>
    public List<string> SimAddresses { get; } = [];

    public CliProcess Epp { get; private set; } = null!;

    public int GrpcPort { get; private set; }

    public int HealthPort { get; private set; }

    /// <summary>Whether the ext_proc port serves TLS (then <see cref="Client"/> accepts any certificate, as Envoy's empty validation context does).</summary>
    public bool IsTls { get; private set; }

    public Uri MetricsUri { get; private set; } = null!;

    public EnvoyExtProcClient Client { get; private set; } = null!;

    public HttpClient Http { get; } = new() { Timeout = TimeSpan.FromSeconds(60) };

    /// <summary>Starts the sims, writes the config that <paramref name="config"/> makes of their addresses, starts epp.</summary>
    public static async Task<EppCluster> StartAsync(int sims, string fakeMetrics, Func<IReadOnlyList<string>, string> config, params string[] eppArgs)
    {
        var cluster = new EppCluster(new TempConfigFolder());
        try
        {
            var started = new List<CliProcess>();
            for (var i = 0; i < sims; i++)
            {
                started.Add(CliProcess.Start(
                    "sim", "--port", "0", "--model", BaseModel, "--lora", "adapter-a,adapter-b", "--max-loras", "2",
                    "--mode", "echo", "--time-scale", "0", "--seed", i.ToString(CultureInfo.InvariantCulture), "--fake-metrics", fakeMetrics));
            }

            cluster._sims.AddRange(started);
            foreach (var sim in started)
            {
                var match = await sim.WaitForLineAsync(@"listening on http://(\S+)", StartTimeout);
                cluster.SimAddresses.Add(match.Groups[1].Value.TrimEnd('/'));
            }

            var path = Path.Combine(cluster.Folder.Path, "config.yaml");
            await File.WriteAllTextAsync(path, config(cluster.SimAddresses));
            await cluster.StartEppAsync(["--config", path, .. eppArgs]);
            await cluster.WaitForHealthAsync("readiness", HealthCheckResponse.Types.ServingStatus.Serving);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts epp with exactly these arguments (plus ports 0 on 127.0.0.1, and <c>--secure-serving=false</c> unless
    /// the arguments say otherwise) and reads its addresses.
    /// </summary>
    public static Task<EppCluster> StartEppOnlyAsync(params string[] eppArgs) =>
        StartEppOnlyAsync(new Dictionary<string, string>(), eppArgs);

    /// <summary>The same with extra environment variables for the epp process (e.g. POD_NAME).</summary>
    public static async Task<EppCluster> StartEppOnlyAsync(IReadOnlyDictionary<string, string> environment, params string[] eppArgs)
    {
        var cluster = new EppCluster(new TempConfigFolder());
        try
        {
            await cluster.StartEppAsync(eppArgs, environment);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts epp with these arguments and epp's own transport default (TLS with a self-signed certificate).</summary>
    public static async Task<EppCluster> StartEppWithDefaultTransportAsync(params string[] eppArgs)
    {
        var cluster = new EppCluster(new TempConfigFolder());
        try
        {
            await cluster.StartEppAsync(eppArgs, plaintextUnlessChosen: false);
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Starts an epp process that is expected to exit (a usage or configuration error): the same loopback, port-0
    /// and h2c defaults as a cluster, nothing read back.
    /// </summary>
    public static CliProcess StartEppProcess(params string[] eppArgs) => CliProcess.Start(EppCommandLine(eppArgs, plaintextUnlessChosen: true));

    /// <summary>A single pool "p" with a Critical model "m" served by <paramref name="endpoints"/> (default: <see cref="DeadEndpoint"/>), written to pool.yaml.</summary>
    public static string WriteStaticConfig(TempConfigFolder folder, params string[] endpoints) =>
        folder.WriteAtomically("pool.yaml", ManifestYaml.Join(
            ManifestYaml.Pool("p"),
            ManifestYaml.StaticEndpoints("s", "p", endpoints.Length == 0 ? [DeadEndpoint] : endpoints),
            ManifestYaml.Model("m", "m", "p", criticality: "Critical")));

    /// <summary>An OpenAI chat completion body for <paramref name="model"/>.</summary>
    public static byte[] Chat(string model, string content = "hi") =>
        JsonSerializer.SerializeToUtf8Bytes(new { model, messages = new[] { new { role = "user", content } }, max_tokens = 3 });

    /// <summary>An OpenAI completion body for <paramref name="model"/> (one token).</summary>
    public static byte[] Completion(string model) => JsonSerializer.SerializeToUtf8Bytes(new { model, prompt = "hi", max_tokens = 1 });

    /// <summary>One BUFFERED request on a fresh ext_proc stream (response not processed), as Envoy sends it.</summary>
    public async Task<EnvoyRequestResult> BufferedAsync(string path, byte[] body, params (string Key, string Value)[] headers)
    {
        using var session = Client.Open();
        return await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders(path, "POST", headers), body, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));
    }

    /// <summary>The request was routed (no immediate answer) to sims of this cluster, as the envoy.lb metadata and (if set) the header say.</summary>
    public void AssertRouted(EnvoyRequestResult result)
    {
        Assert.True(result.Immediate is null, $"immediate {result.Immediate?.Status.Code}: {result.ImmediateBody}");
        // STREAMED mode: Envoy ignores header mutations in body answers, so the metadata alone carries the pick.
        var destination = result.LbMetadata(Destination);
        Assert.False(string.IsNullOrEmpty(destination), "no envoy.lb destination metadata");
        if (result.Headers.TryGetValue(Destination, out var header))
        {
            Assert.Equal(header, destination);
        }

        foreach (var endpoint in destination.Split(','))
        {
            Assert.Contains(endpoint, SimAddresses);
        }
    }

    private static string[] EppCommandLine(string[] args, bool plaintextUnlessChosen)
    {
        // epp serves TLS by default (as the reference picker); the tests speak h2c unless they ask for TLS.
        var tlsChosen = !plaintextUnlessChosen || Array.Exists(args, a => a.StartsWith("--secure-serving", StringComparison.Ordinal));
        string[] transport = tlsChosen ? [] : ["--secure-serving=false"];
        return ["epp", "--host", "127.0.0.1", "--grpc-port", "0", "--grpc-health-port", "0", "--metrics-port", "0", .. transport, .. args];
    }

    private async Task StartEppAsync(string[] args, IReadOnlyDictionary<string, string>? environment = null, bool plaintextUnlessChosen = true)
    {
        Epp = CliProcess.Start(environment ?? new Dictionary<string, string>(), EppCommandLine(args, plaintextUnlessChosen));
        var grpc = await Epp.WaitForLineAsync(@"ext_proc listening on 127\.0\.0\.1:(\d+) \((TLS|h2c)\)", StartTimeout);
        GrpcPort = Port(grpc);
        IsTls = grpc.Groups[2].Value == "TLS";
        HealthPort = Port(await Epp.WaitForLineAsync(@"health listening on 127\.0\.0\.1:(\d+)", StartTimeout));
        var metrics = await Epp.WaitForLineAsync(@"metrics listening on (http://\S+)", StartTimeout);
        MetricsUri = new Uri(metrics.Groups[1].Value);
        Client = new EnvoyExtProcClient(GrpcPort, IsTls);
    }

    public async Task<HealthCheckResponse.Types.ServingStatus> HealthAsync(string service)
    {
        using var health = new EnvoyExtProcClient(HealthPort);
        var response = await health.Health.CheckAsync(new HealthCheckRequest { Service = service }, deadline: DateTime.UtcNow.AddSeconds(10));
        return response.Status;
    }

    public async Task WaitForHealthAsync(string service, HealthCheckResponse.Types.ServingStatus expected)
    {
        await Eventually.HoldsAsync(async () => await HealthAsync(service) == expected, StartTimeout, () => $"health '{service}' never became {expected}. Output:\n{Epp.Output}");
    }

    public Task<string> MetricsTextAsync() => Http.GetStringAsync(MetricsUri);

    public async ValueTask DisposeAsync()
    {
        Client?.Dispose();
        Http.Dispose();
        if (Epp is not null)
        {
            await Epp.DisposeAsync();
        }

        foreach (var sim in _sims)
        {
            await sim.DisposeAsync();
        }

        Folder.Dispose();
    }

    private static int Port(Match match) => int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
}
