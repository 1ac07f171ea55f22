using System.Net;
using InferenceGateway.Core;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Security;
using InferenceGateway.Core.Sources;
using InferenceGateway.ExtProc;
using InferenceGateway.ExtProc.Health;
using InferenceGateway.ExtProc.Hosting;
using InferenceGateway.ExtProc.Metrics;
using InferenceGateway.Kubernetes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Prometheus;

namespace InferenceGateway.Cli.Commands;

/// <summary>Everything `epp` is configured with (the command's flags, parsed).</summary>
internal sealed class EppSettings
{
    public string? ConfigPath { get; init; }

    public KubernetesSourceOptions? Kubernetes { get; init; }

    public IPAddress ListenAddress { get; init; } = IPAddress.Any;

    public int GrpcPort { get; init; } = 9002;

    public int HealthPort { get; init; } = 9003;

    public int MetricsPort { get; init; } = 9090;

    public string DestinationHeader { get; init; } = ExtProcOptions.DefaultDestinationHeader;

    public bool DestinationPrimaryOnly { get; init; }

    public bool SecureServing { get; init; }

    public string? CertificatePath { get; init; }

    public bool EnableCertificateReload { get; init; }

    public string? SchedulerConfigPath { get; init; }

    /// <summary>EndpointPickerConfig given inline (--config-text); at most one of this and <see cref="SchedulerConfigPath"/>.</summary>
    public string? SchedulerConfigText { get; init; }

    public string? SchedulerProfile { get; init; }

    public TimeSpan MetricsStalenessThreshold { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Null keeps <see cref="ExtProcOptions.MaxRequestBodyBytes"/>' default.</summary>
    public int? MaxRequestBodyBytes { get; init; }

    public LogLevel LogLevel { get; init; } = LogLevel.Warning;

    /// <summary>Streams without protocol_config are FULL_DUPLEX_STREAMED both ways (Envoy 1.33).</summary>
    public bool AssumeFullDuplex { get; init; }

    /// <summary>Kubernetes source only: /metrics needs a bearer token the API server authenticates and authorizes.</summary>
    public bool MetricsEndpointAuth { get; init; }

    /// <summary>Hidden `--debug-gc-endpoint`: POST /debug/gc on the metrics port (leak tests only).</summary>
    public bool DebugGcEndpoint { get; init; }
}

/// <summary>
/// The running picker: the ext_proc server (with the source and the Core pipeline in its container) and a
/// separate Prometheus endpoint. Build with <see cref="Create"/>, then <see cref="StartAsync"/>.
/// </summary>
internal sealed class EppHost : IAsyncDisposable
{
    private readonly EndpointPickerServer _server;
    private readonly WebApplication _metricsApp;

    private EppHost(EndpointPickerServer server, WebApplication metricsApp)
    {
        _server = server;
        _metricsApp = metricsApp;
    }

    public EndpointPickerServer Server => _server;

    public int GrpcPort => _server.GrpcPort;

    public int HealthPort => _server.HealthPort;

    public int MetricsPort { get; private set; }

    /// <summary>
    /// Composes the picker. Throws <see cref="SchedulerConfigException"/> for a bad scheduler config (resolved
    /// eagerly so it fails before binding ports).
    /// </summary>
    public static EppHost Create(EppSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var registry = Prometheus.Metrics.NewCustomRegistry();
        // process_* and dotnet_* series (CPU, working set, managed heap, GC counts), as Go pickers export go_*/process_*.
        DotNetStats.Register(registry);
        var server = EndpointPickerServer.Create(
            new EndpointPickerServerOptions
            {
                ListenAddress = settings.ListenAddress,
                GrpcPort = settings.GrpcPort,
                HealthPort = settings.HealthPort,
                SecureServing = settings.SecureServing,
                CertificatePath = settings.CertificatePath,
                EnableCertificateReload = settings.EnableCertificateReload,
            },
            extProc =>
            {
                extProc.DestinationHeader = settings.DestinationHeader;
                extProc.DestinationPrimaryOnly = settings.DestinationPrimaryOnly;
                extProc.AssumeFullDuplexWithoutProtocolConfig = settings.AssumeFullDuplex;
                if (settings.MaxRequestBodyBytes is { } maxBody)
                {
                    extProc.MaxRequestBodyBytes = maxBody;
                    extProc.MaxGrpcMessageBytes = Math.Max(extProc.MaxGrpcMessageBytes, maxBody + (1024 * 1024));
                }
            },
            services => ConfigureServices(services, settings, registry));

        // Fail on a bad scheduler config now, with its message, rather than on the first request.
        _ = server.Services.GetRequiredService<IScheduler>();

        // The tracker's totals are read at scrape time: exact, and nothing runs between scrapes.
        var tracker = server.Services.GetRequiredService<InFlightTracker>();
        var pickerMetrics = server.Services.GetRequiredService<PickerMetrics>();
        registry.AddBeforeCollectCallback(() =>
        {
            var total = tracker.Total();
            pickerMetrics.UpdateInFlight(total.Requests, total.Tokens, tracker.SlotCount);
        });

        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(settings.ListenAddress, settings.MetricsPort, listen => listen.Protocols = HttpProtocols.Http1AndHttp2));
        var metricsApp = builder.Build();
        var authorizer = server.Services.GetService<IMetricsEndpointAuthorizer>();
        metricsApp.MapGet("/metrics", async context =>
        {
            if (authorizer is not null && !await MetricsEndpointAuth.CheckAsync(context, authorizer).ConfigureAwait(false))
            {
                return;
            }

            context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
            await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
        });
        if (settings.DebugGcEndpoint)
        {
            metricsApp.MapPost("/debug/gc", ForceFullCollection);
        }

        return new EppHost(server, metricsApp);
    }

    /// <summary>
    /// Debug only (hidden flag, off by default): a full blocking compacting collection, then the live managed heap
    /// and the working set, so a leak test can compare two points of a long run without GC timing noise. The
    /// small and large object heaps are reported apart from the pinned object heap, where Kestrel's buffer pool
    /// lives and grows or shrinks with recent traffic (not a leak).
    /// </summary>
    private static IResult ForceFullCollection()
    {
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        GC.WaitForPendingFinalizers();
        GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
        var info = GC.GetGCMemoryInfo(GCKind.FullBlocking);
        var generations = info.GenerationInfo;
        long objects = 0;
        long pinned = 0;
        for (var i = 0; i < generations.Length; i++)
        {
            var live = generations[i].SizeAfterBytes - generations[i].FragmentationAfterBytes;
            // Index 4 is the pinned object heap (0-2 generations, 3 the large object heap).
            if (i == 4)
            {
                pinned += live;
            }
            else
            {
                objects += live;
            }
        }

        using var process = System.Diagnostics.Process.GetCurrentProcess();
        return Results.Json(
            new GcReport(GC.GetTotalMemory(forceFullCollection: false), objects, pinned, process.WorkingSet64),
            EppHostJsonContext.Default.GcReport);
    }

    private static void ConfigureServices(IServiceCollection services, EppSettings settings, CollectorRegistry registry)
    {
        services.AddLogging(logging => logging
            .ClearProviders()
            .AddSimpleConsole(o => o.SingleLine = true)
            .SetMinimumLevel(settings.LogLevel)
            // A failed start is reported by the command (each error, no stack trace), not by the host's own log.
            .AddFilter("Microsoft.Extensions.Hosting.Internal.Host", LogLevel.None));
        services.AddSingleton(new PickerMetrics(registry));
        if (settings.ConfigPath is { } path)
        {
            services.AddFileConfigurationSource(path);
            services.AddSingleton<IPickerReadiness>(sp =>
            {
                var datastore = sp.GetRequiredService<IDatastore>();
                return new DelegatePickerReadiness(() => datastore.Current.HasPool);
            });
        }
        else
        {
            var kubernetes = settings.Kubernetes ?? throw new InvalidOperationException("epp needs a file or a Kubernetes source");
            services.AddKubernetesSource(kubernetes);
            if (settings.MetricsEndpointAuth)
            {
                services.AddKubernetesMetricsEndpointAuth();
            }

            if (kubernetes.LeaderElection.Enabled)
            {
                // As the reference picker: with leader election only the leader reports `readiness` SERVING.
                services.AddSingleton<IPickerReadinessGate>(sp => new LeaderReadinessGate(sp.GetRequiredService<ILeadership>()));
            }

            services.AddSingleton<IPickerReadiness>(sp =>
            {
                var source = sp.GetRequiredService<KubernetesConfigurationSource>();
                var datastore = sp.GetRequiredService<IDatastore>();
                return new DelegatePickerReadiness(() => source.IsSynced && datastore.Current.HasPool);
            });
        }

        services.AddInferenceGatewayCore(
            // The router drops metrics older than this before admission and scheduling: the flag must reach it.
            routing: routing => routing.StalenessThreshold = settings.MetricsStalenessThreshold,
            scheduling: scheduler =>
            {
                scheduler.ConfigPath = settings.SchedulerConfigPath;
                scheduler.ConfigText = settings.SchedulerConfigText;
                scheduler.Profile = settings.SchedulerProfile;
            },
            metrics: metrics => metrics.StalenessThreshold = settings.MetricsStalenessThreshold);
        services.AddSingleton(new PoolGaugeOptions(settings.MetricsStalenessThreshold));
        services.AddHostedService<PoolGaugeUpdater>();
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _server.StartAsync(cancellationToken).ConfigureAwait(false);
        await _metricsApp.StartAsync(cancellationToken).ConfigureAwait(false);
        MetricsPort = BoundPort(_metricsApp);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _metricsApp.StopAsync(cancellationToken).ConfigureAwait(false);
        await _server.StopAsync(cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await _metricsApp.DisposeAsync().ConfigureAwait(false);
        await _server.DisposeAsync().ConfigureAwait(false);
    }

    private static int BoundPort(WebApplication app)
    {
        foreach (var url in app.Urls)
        {
            if (Uri.TryCreate(url.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal).Replace("[::]", "[::1]", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return uri.Port;
            }
        }

        return 0;
    }
}

internal sealed record GcReport(
    [property: System.Text.Json.Serialization.JsonPropertyName("managed_heap_bytes")] long ManagedHeapBytes,
    [property: System.Text.Json.Serialization.JsonPropertyName("object_heap_bytes")] long ObjectHeapBytes,
    [property: System.Text.Json.Serialization.JsonPropertyName("pinned_heap_bytes")] long PinnedHeapBytes,
    [property: System.Text.Json.Serialization.JsonPropertyName("working_set_bytes")] long WorkingSetBytes);

[System.Text.Json.Serialization.JsonSerializable(typeof(GcReport))]
internal sealed partial class EppHostJsonContext : System.Text.Json.Serialization.JsonSerializerContext;

internal sealed record PoolGaugeOptions(TimeSpan StalenessThreshold);

/// <summary>Refreshes the pool gauges (ready endpoints, average queue, average KV cache) every second.</summary>
internal sealed class PoolGaugeUpdater(
    IDatastore datastore,
    IEndpointMetricsStore metricsStore,
    PickerMetrics pickerMetrics,
    PoolGaugeOptions options,
    TimeProvider timeProvider) : BackgroundService
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, timeProvider);
        do
        {
            Update();
        }
        while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
    }

    internal void Update()
    {
        var snapshot = datastore.Current;
        if (snapshot.Pool is not { } pool)
        {
            return;
        }

        var now = timeProvider.GetUtcNow();
        var fresh = 0;
        double queue = 0;
        double kv = 0;
        foreach (var endpoint in snapshot.Endpoints)
        {
            // Stale metrics are unknown: they count neither as idle nor as busy.
            if (metricsStore.TryGet(endpoint.Address) is { } metrics && metrics.IsFresh(now, options.StalenessThreshold))
            {
                fresh++;
                queue += metrics.WaitingRequests;
                kv += metrics.KvCacheUsage;
            }
        }

        pickerMetrics.UpdatePool(pool.Name, snapshot.Endpoints.Length, fresh == 0 ? 0 : queue / fresh, fresh == 0 ? 0 : kv / fresh);
    }
}
