using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Endpoint = InferenceGateway.Core.Datastore.Endpoint;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Metrics;

/// <summary>Golden exposition files live next to this source file (no copy-to-output needed).</summary>
internal static class GoldenFiles
{
    public static byte[] Read(string name, [CallerFilePath] string sourcePath = "") =>
        File.ReadAllBytes(Path.Combine(Path.GetDirectoryName(sourcePath)!, "Golden", name));
}

/// <summary>A flat, comparable view of a parsed sample.</summary>
internal sealed record FlatSample(string Name, string Family, PrometheusMetricType Type, string Labels, double Value, long? TimestampMs)
{
    public static string FormatLabels(IEnumerable<KeyValuePair<string, string>> labels) =>
        string.Join(",", labels.Select(l => $"{l.Key}={Escape(l.Value)}"));

    private static string Escape(string value) => value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace(",", "\\,", StringComparison.Ordinal);
}

/// <summary>Collects every sample the parser hands out (no duplicate folding).</summary>
internal sealed class CollectingVisitor : IPrometheusSampleVisitor
{
    public List<FlatSample> Samples { get; } = [];

    public List<(string Family, PrometheusMetricType Type)> Types { get; } = [];

    public List<(string Family, string Help)> Help { get; } = [];

    public static (List<FlatSample> Samples, List<PrometheusProblem> Problems, int ProblemCount) Parse(byte[] text, PrometheusParseLimits? limits = null)
    {
        var visitor = new CollectingVisitor();
        var problems = new List<PrometheusProblem>();
        var count = PrometheusTextParser.Parse(text, ref visitor, problems, limits);
        return (visitor.Samples, problems, count);
    }

    public bool WantsSeries(ReadOnlySpan<byte> name, ReadOnlySpan<byte> familyName) => true;

    public void OnSample(in PrometheusSample sample)
    {
        var labels = new List<KeyValuePair<string, string>>();
        for (var i = 0; i < sample.LabelCount; i++)
        {
            labels.Add(new(Encoding.UTF8.GetString(sample.GetLabelName(i)), sample.GetLabelValue(i)));
        }

        Samples.Add(new FlatSample(
            Encoding.UTF8.GetString(sample.Name),
            Encoding.UTF8.GetString(sample.FamilyName),
            sample.Type,
            FlatSample.FormatLabels(labels),
            sample.Value,
            sample.TimestampMs));
    }

    public void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type) =>
        Types.Add((Encoding.UTF8.GetString(familyName), type));

    public void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText) =>
        Help.Add((Encoding.UTF8.GetString(familyName), PrometheusEscaping.UnescapeHelp(escapedText)));
}

/// <summary>An in-memory datastore: tests publish snapshots by hand.</summary>
internal sealed class TestDatastore : IDatastore
{
    private DatastoreSnapshot _current = DatastoreSnapshot.Empty;

    public DatastoreSnapshot Current => Volatile.Read(ref _current);

    public event Action<DatastoreSnapshot>? Changed;

    public void Publish(params Endpoint[] endpoints)
    {
        var next = DatastoreSnapshot.Empty with { Endpoints = [.. endpoints], Version = Current.Version + 1 };
        Volatile.Write(ref _current, next);
        Changed?.Invoke(next);
    }

    public static Endpoint Endpoint(string address, string engineType = "vllm") =>
        new(address, "pod-" + address, "default", engineType, FrozenDictionary<string, string>.Empty);
}

/// <summary>A real Kestrel server on 127.0.0.1, port 0, serving whatever exposition the test sets.</summary>
internal sealed class MetricsTestServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private volatile string _body = string.Empty;
    private int _requests;

    private MetricsTestServer(WebApplication app) => _app = app;

    public string Address { get; private set; } = string.Empty;

    public string Path { get; private set; } = "/metrics";

    public string Body
    {
        get => _body;
        set => _body = value;
    }

    /// <summary>Delay before answering (slow server); 0 answers at once.</summary>
    public TimeSpan Delay { get; set; }

    public int StatusCode { get; set; } = 200;

    public int Requests => Volatile.Read(ref _requests);

    public static async Task<MetricsTestServer> StartAsync(string body, string path = "/metrics")
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var server = new MetricsTestServer(app) { Body = body, Path = path };
        app.MapGet(path, async (HttpContext context) =>
        {
            Interlocked.Increment(ref server._requests);
            if (server.Delay > TimeSpan.Zero)
            {
                try
                {
                    await Task.Delay(server.Delay, context.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }

            context.Response.StatusCode = server.StatusCode;
            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await context.Response.WriteAsync(server.Body, context.RequestAborted);
        });
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.Address = new Uri(address).Authority;
        return server;
    }

    public Task StopAsync() => _app.StopAsync();

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}

internal static class Expositions
{
    public static string Vllm(int waiting, int running, double kv, string kvName = "vllm:kv_cache_usage_perc") =>
        $"""
        # HELP vllm:num_requests_running Number of requests in model execution batches.
        # TYPE vllm:num_requests_running gauge
        vllm:num_requests_running{"{"}engine="0",model_name="m"{"}"} {running}.0
        # HELP vllm:num_requests_waiting Number of requests waiting to be processed.
        # TYPE vllm:num_requests_waiting gauge
        vllm:num_requests_waiting{"{"}engine="0",model_name="m"{"}"} {waiting}.0
        # TYPE {kvName} gauge
        {kvName}{"{"}engine="0",model_name="m"{"}"} {kv.ToString(System.Globalization.CultureInfo.InvariantCulture)}

        """;
}
