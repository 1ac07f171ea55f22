using System.Collections.Immutable;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Configs;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Proxy.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Perf;

/// <summary>
/// What the standalone gateway adds to a request: the same small SSE response fetched directly from an in-process
/// Kestrel "model server" and through the gateway (body read, routing by a fixed fake router, YARP forwarding,
/// response accounting), in the same run.
/// FirstByte: the upstream answers one short event, so the exchange ends at the first byte (time to first byte).
/// FullStream: the upstream answers 32 events, each written and flushed on its own, then [DONE].
/// </summary>
// Run: dotnet run -c Release --project perf/InferenceGateway.Perf -- --filter '*ProxyOverhead*' --job short
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkLogicalGroupRule.ByCategory)]
[CategoriesColumn]
public class ProxyOverheadBenchmarks
{
    private const int StreamEvents = 32;
    private static readonly byte[] RequestBody = Encoding.UTF8.GetBytes(
        """{"model":"m","stream":true,"messages":[{"role":"user","content":"Hello"}]}""");

    private static readonly byte[] ChunkEvent = Encoding.UTF8.GetBytes(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"tok\"},\"finish_reason\":null}]}\n\n");

    private static readonly byte[] UsageEvent = Encoding.UTF8.GetBytes(
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"m\",\"choices\":[],\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":32,\"total_tokens\":37}}\n\ndata: [DONE]\n\n");

    private readonly byte[] _readBuffer = new byte[64 * 1024];
    private WebApplication? _upstream;
    private GatewayServer? _gateway;
    private HttpMessageInvoker? _client;
    private Uri? _direct;
    private Uri? _viaGateway;

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var upstreamBuilder = WebApplication.CreateSlimBuilder();
        upstreamBuilder.Logging.ClearProviders();
        upstreamBuilder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _upstream = upstreamBuilder.Build();
        _upstream.Run(ServeAsync);
        await _upstream.StartAsync();
        var upstreamUri = new Uri(_upstream.Urls.Single());
        var address = $"{upstreamUri.Host}:{upstreamUri.Port}";

        var builder = GatewayServer.CreateBuilder([]);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["InferenceGateway:Gateway:Port"] = "0",
            ["InferenceGateway:Gateway:AdminPort"] = "0",
            ["InferenceGateway:Gateway:ListenAddress"] = "127.0.0.1",
        });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton<IInferenceRouter>(new FixedRouter(address));
        builder.Services.AddSingleton<IDatastore>(new EmptyDatastore());
        _gateway = GatewayServer.Build(builder);
        await _gateway.StartAsync();

        _client = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, AutomaticDecompression = DecompressionMethods.None });
        _direct = new Uri($"http://{address}/");
        _viaGateway = _gateway.PublicUrl;
    }

    [GlobalCleanup]
    public async Task CleanupAsync()
    {
        _client?.Dispose();
        if (_gateway is not null)
        {
            await _gateway.StopAsync();
            await _gateway.DisposeAsync();
        }

        if (_upstream is not null)
        {
            await _upstream.StopAsync();
            await _upstream.DisposeAsync();
        }
    }

    [Benchmark(Baseline = true), BenchmarkCategory("FirstByte")]
    public Task<long> FirstByte_Direct() => FetchAsync(_direct!, "first");

    [Benchmark, BenchmarkCategory("FirstByte")]
    public Task<long> FirstByte_Gateway() => FetchAsync(_viaGateway!, "first");

    [Benchmark(Baseline = true), BenchmarkCategory("FullStream")]
    public Task<long> FullStream_Direct() => FetchAsync(_direct!, "stream");

    [Benchmark, BenchmarkCategory("FullStream")]
    public Task<long> FullStream_Gateway() => FetchAsync(_viaGateway!, "stream");

    private async Task<long> FetchAsync(Uri baseUri, string mode)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(baseUri, "v1/chat/completions?mode=" + mode))
        {
            Content = new ByteArrayContent(RequestBody),
        };
        request.Content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("application/json");
        using var response = await _client!.SendAsync(request, CancellationToken.None);
        await using var stream = await response.Content.ReadAsStreamAsync();
        long total = 0;
        int read;
        while ((read = await stream.ReadAsync(_readBuffer)) > 0)
        {
            total += read;
        }

        return total;
    }

    private static async Task ServeAsync(HttpContext context)
    {
        await context.Request.Body.CopyToAsync(Stream.Null);
        context.Response.ContentType = "text/event-stream";
        var count = context.Request.Query["mode"] == "first" ? 1 : StreamEvents;
        for (var i = 0; i < count; i++)
        {
            await context.Response.Body.WriteAsync(ChunkEvent);
            await context.Response.Body.FlushAsync();
        }

        if (count > 1)
        {
            await context.Response.Body.WriteAsync(UsageEvent);
        }
    }

    private sealed class FixedRouter(string address) : IInferenceRouter
    {
        private readonly ImmutableArray<string> _endpoints = [address];
        private readonly Dictionary<string, string> _headers = [];

        public RoutingOutcome Route(RoutingInput input) => RoutingOutcome.Success(new RoutedRequest(
            "bench", "m", "m", CriticalityBand.Default, _endpoints, input.Body, false, true, _headers, NoopLease.Instance));
    }

    private sealed class NoopLease : IRequestLease
    {
        public static NoopLease Instance { get; } = new();

        public void SetServedEndpoint(string address)
        {
        }

        public void RecordFirstToken()
        {
        }

        public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens)
        {
        }

        public void RecordStatus(int statusCode)
        {
        }

        public void Dispose()
        {
        }
    }

    private sealed class EmptyDatastore : IDatastore
    {
        public DatastoreSnapshot Current => DatastoreSnapshot.Empty;

        public event Action<DatastoreSnapshot>? Changed
        {
            add { }
            remove { }
        }
    }
}
