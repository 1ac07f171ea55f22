using System.ClientModel;
using System.ClientModel.Primitives;
using InferenceGateway.TestSupport;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Models;

namespace InferenceGateway.FunctionalTests.Infrastructure;

/// <summary>
/// Real `sim` processes behind a real `serve --config FILE` process. The config file lives in a temp folder the
/// harness owns; tests can rewrite it to exercise hot reload. Dispose stops everything.
/// </summary>
public sealed class ServeHarness : IAsyncDisposable
{
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(90);

    /// <summary>Bound for one client request: a request that takes longer counts as a hang.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private const string ConfigFile = "gateway.yaml";

    private readonly List<CliProcess> _sims;
    private readonly TempConfigFolder _folder;

    private ServeHarness(List<CliProcess> sims, List<string> simAddresses, TempConfigFolder folder)
    {
        _sims = sims;
        SimAddresses = simAddresses;
        _folder = folder;
    }

    public CliProcess Gateway { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<CliProcess> Sims => _sims;

    /// <summary>"127.0.0.1:PORT" of each sim, in start order.</summary>
    public IReadOnlyList<string> SimAddresses { get; }

    public string ConfigPath => _folder.PathOf(ConfigFile);

    /// <summary>Replaces the config file as editors do (a sibling file renamed over it: the reader never sees half a file).</summary>
    public void RewriteConfig(string manifests) => _folder.WriteAtomically(ConfigFile, manifests);

    /// <summary>Starts one sim per argument list (each gets --port 0), then `serve` with the manifests the callback writes.</summary>
    public static Task<ServeHarness> StartAsync(IReadOnlyList<string[]> simArgs, Func<IReadOnlyList<string>, string> manifests) =>
        StartAsync(simArgs, manifests, []);

    /// <summary>As above, with extra `serve` arguments (e.g. --scheduler-profile round-robin).</summary>
    public static async Task<ServeHarness> StartAsync(IReadOnlyList<string[]> simArgs, Func<IReadOnlyList<string>, string> manifests, string[] serveArgs)
    {
        var sims = new List<CliProcess>();
        var addresses = new List<string>();
        var folder = new TempConfigFolder();
        ServeHarness? harness = null;
        try
        {
            foreach (var args in simArgs)
            {
                sims.Add(CliProcess.Start(["sim", "--host", "127.0.0.1", "--port", "0", .. args]));
            }

            foreach (var sim in sims)
            {
                var match = await sim.WaitForLineAsync(@"listening on http://(\S+)", StartTimeout);
                addresses.Add(match.Groups[1].Value.TrimEnd('/'));
            }

            harness = new ServeHarness(sims, addresses, folder);
            harness.RewriteConfig(manifests(addresses));
            harness.Gateway = CliProcess.Start(["serve", "--config", harness.ConfigPath, "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", .. serveArgs]);
            var url = await harness.Gateway.WaitForLineAsync(@"gateway listening on (http://\S+)", StartTimeout);
            harness.BaseUrl = new Uri(url.Groups[1].Value.TrimEnd('/'));
            return harness;
        }
        catch
        {
            if (harness is not null)
            {
                await harness.DisposeAsync();
            }
            else
            {
                foreach (var sim in sims)
                {
                    await sim.DisposeAsync();
                }

                folder.Dispose();
            }

            throw;
        }
    }

    public static OpenAIClientOptions ClientOptions(Uri baseUrl) => new()
    {
        Endpoint = new Uri(baseUrl, "/v1"),
        // A test sees each answer as it is (429 must stay 429), and no request may hang.
        RetryPolicy = new ClientRetryPolicy(maxRetries: 0),
        NetworkTimeout = RequestTimeout,
    };

    public ChatClient Chat(string model) => new(model, new ApiKeyCredential("unused"), ClientOptions(BaseUrl));

    public OpenAIModelClient Models() => new(new ApiKeyCredential("unused"), ClientOptions(BaseUrl));

    /// <summary>An InferencePool (test-pool) and a StaticEndpoints list with the given addresses, then the extra documents.</summary>
    public static string PoolManifests(IReadOnlyList<string> endpoints, params string[] models) =>
        ManifestYaml.Join([
            ManifestYaml.Pool("test-pool", selector: new Dictionary<string, string> { ["app"] = "test" }),
            ManifestYaml.StaticEndpoints("test-servers", "test-pool", endpoints),
            .. models]);

    /// <summary>An InferenceModel of test-pool; targets as "name=weight".</summary>
    public static string Model(string name, string criticality, params string[] targets) =>
        ManifestYaml.Model(name, name, "test-pool", criticality: criticality, targets: [.. targets.Select(ParseTarget)]);

    private static (string Name, int? Weight) ParseTarget(string target)
    {
        var parts = target.Split('=');
        return (parts[0], int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture));
    }

    public async ValueTask DisposeAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        foreach (var sim in _sims)
        {
            await sim.DisposeAsync();
        }

        _folder.Dispose();
    }
}
