using System.ClientModel;
using System.ClientModel.Primitives;
using System.Globalization;
using System.Text;
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

    private readonly List<CliProcess> _sims;
    private readonly string _folder;

    private ServeHarness(List<CliProcess> sims, List<string> simAddresses, string folder, string configPath)
    {
        _sims = sims;
        SimAddresses = simAddresses;
        _folder = folder;
        ConfigPath = configPath;
    }

    public CliProcess Gateway { get; private set; } = null!;

    public Uri BaseUrl { get; private set; } = null!;

    public IReadOnlyList<CliProcess> Sims => _sims;

    /// <summary>"127.0.0.1:PORT" of each sim, in start order.</summary>
    public IReadOnlyList<string> SimAddresses { get; }

    public string ConfigPath { get; }

    /// <summary>Starts one sim per argument list (each gets --port 0), then `serve` with the manifests the callback writes.</summary>
    public static Task<ServeHarness> StartAsync(IReadOnlyList<string[]> simArgs, Func<IReadOnlyList<string>, string> manifests) =>
        StartAsync(simArgs, manifests, []);

    /// <summary>As above, with extra `serve` arguments (e.g. --scheduler-profile round-robin).</summary>
    public static async Task<ServeHarness> StartAsync(IReadOnlyList<string[]> simArgs, Func<IReadOnlyList<string>, string> manifests, string[] serveArgs)
    {
        var sims = new List<CliProcess>();
        var addresses = new List<string>();
        var folder = Directory.CreateTempSubdirectory("ig-serve-").FullName;
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

            var configPath = Path.Combine(folder, "gateway.yaml");
            await File.WriteAllTextAsync(configPath, manifests(addresses));
            harness = new ServeHarness(sims, addresses, folder, configPath);
            harness.Gateway = CliProcess.Start(["serve", "--config", configPath, "--port", "0", "--admin-port", "0", "--host", "127.0.0.1", .. serveArgs]);
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

                Directory.Delete(folder, recursive: true);
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

    /// <summary>An InferencePool and a StaticEndpoints list with the given addresses, then the extra documents.</summary>
    public static string PoolManifests(IReadOnlyList<string> endpoints, params string[] models)
    {
        var text = new StringBuilder("""
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferencePool
            metadata:
              name: test-pool
            spec:
              targetPortNumber: 8000
              selector:
                app: test
            ---
            apiVersion: inference-gateway.io/v1alpha1
            kind: StaticEndpoints
            metadata:
              name: test-servers
            spec:
              poolName: test-pool
              endpoints:

            """);
        foreach (var endpoint in endpoints)
        {
            text.Append(CultureInfo.InvariantCulture, $"  - \"{endpoint}\"\n");
        }

        foreach (var model in models)
        {
            text.Append("---\n").Append(model);
        }

        return text.ToString();
    }

    /// <summary>An InferenceModel of test-pool; targets as "name=weight".</summary>
    public static string Model(string name, string criticality, params string[] targets)
    {
        var text = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"""
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata:
              name: {name}
            spec:
              modelName: {name}
              criticality: {criticality}
              poolRef:
                name: test-pool

            """));
        if (targets.Length > 0)
        {
            text.Append("  targetModels:\n");
            foreach (var target in targets)
            {
                var parts = target.Split('=');
                text.Append(CultureInfo.InvariantCulture, $"  - name: {parts[0]}\n    weight: {parts[1]}\n");
            }
        }

        return text.ToString();
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

        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // best effort
        }
    }
}
