using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Core.Tests.Metrics;

/// <summary>The scrape loop against real Kestrel servers on 127.0.0.1 (port 0).</summary>
public class MetricsScraperTests
{
    [Fact]
    public async Task Scraper_ServerChangesItsMetrics_StoreFollows()
    {
        await using var server = await MetricsTestServer.StartAsync(Expositions.Vllm(1, 2, 0.1));
        var (datastore, store, scraper) = Create(new MetricsOptions { Interval = TimeSpan.FromMilliseconds(20) });
        datastore.Publish(TestDatastore.Endpoint(server.Address));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGet(server.Address)?.WaitingRequests == 1, "first scrape");
            Assert.Equal(2, store.TryGet(server.Address)!.RunningRequests);
            Assert.NotNull(store.TryGetFresh(server.Address));

            server.Body = Expositions.Vllm(7, 3, 0.9);

            await Wait.UntilAsync(() => store.TryGet(server.Address)?.WaitingRequests == 7, "updated metrics");
            Assert.Equal(0.9, store.TryGet(server.Address)!.KvCacheUsage);
            Assert.Null(store.TryGetState(server.Address)!.LastError);
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public async Task Scraper_ServerGoesDown_RecordsErrorBacksOffAndGoesStale()
    {
        var server = await MetricsTestServer.StartAsync(Expositions.Vllm(4, 1, 0.5));
        var options = new MetricsOptions
        {
            Interval = TimeSpan.FromMilliseconds(20),
            InitialBackoff = TimeSpan.FromMilliseconds(20),
            MaxBackoff = TimeSpan.FromMilliseconds(200),
            StalenessThreshold = TimeSpan.FromMilliseconds(300),
        };
        var (datastore, store, scraper) = Create(options);
        var address = server.Address;
        datastore.Publish(TestDatastore.Endpoint(address));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGet(address) is not null, "first scrape");

            await server.StopAsync();
            await server.DisposeAsync();

            await Wait.UntilAsync(() => store.TryGetState(address)?.ConsecutiveFailures >= 3, "three failed scrapes");
            var state = store.TryGetState(address)!;
            Assert.False(string.IsNullOrEmpty(state.LastError));
            Assert.Contains(address, state.LastError, StringComparison.Ordinal);
            await Wait.UntilAsync(() => store.TryGetFresh(address) is null, "metrics become stale");
            // The last good scrape is kept (for diagnosis) but never reported as fresh: stale is unknown, not idle.
            Assert.Equal(4, store.TryGet(address)!.WaitingRequests);
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public async Task Scraper_SlowServer_TimesOut()
    {
        await using var server = await MetricsTestServer.StartAsync(Expositions.Vllm(0, 0, 0));
        server.Delay = TimeSpan.FromSeconds(30);
        var (datastore, store, scraper) = Create(new MetricsOptions { Timeout = TimeSpan.FromMilliseconds(200) });
        datastore.Publish(TestDatastore.Endpoint(server.Address));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGetState(server.Address)?.LastError?.Contains("timed out", StringComparison.Ordinal) == true, "a timeout error");
            Assert.Null(store.TryGet(server.Address));
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public async Task Scraper_MissingSeriesAndHttpErrors_AreScrapeErrors()
    {
        await using var server = await MetricsTestServer.StartAsync("vllm:num_requests_running 1\n");
        var (datastore, store, scraper) = Create(new MetricsOptions { Interval = TimeSpan.FromMilliseconds(20), InitialBackoff = TimeSpan.FromMilliseconds(20) });
        datastore.Publish(TestDatastore.Endpoint(server.Address));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGetState(server.Address)?.LastError?.Contains("required series missing", StringComparison.Ordinal) == true, "missing-series error");
            Assert.Null(store.TryGet(server.Address));

            server.Body = Expositions.Vllm(0, 0, 0);
            server.StatusCode = 500;

            await Wait.UntilAsync(() => store.TryGetState(server.Address)?.LastError?.Contains("HTTP 500", StringComparison.Ordinal) == true, "HTTP error");

            server.StatusCode = 200;

            await Wait.UntilAsync(() => store.TryGet(server.Address) is not null, "recovery");
            Assert.Equal(0, store.TryGetState(server.Address)!.ConsecutiveFailures);
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public async Task Scraper_EndpointsComeAndGo_LoopsFollowTheDatastore()
    {
        await using var first = await MetricsTestServer.StartAsync(Expositions.Vllm(1, 0, 0));
        await using var second = await MetricsTestServer.StartAsync("""
            sglang:num_queue_reqs{model_name="m"} 9
            sglang:num_running_reqs{model_name="m"} 1
            sglang:token_usage{model_name="m"} 0.5

            """);
        var (datastore, store, scraper) = Create(new MetricsOptions { Interval = TimeSpan.FromMilliseconds(20) });
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            datastore.Publish(TestDatastore.Endpoint(first.Address));
            await Wait.UntilAsync(() => store.TryGet(first.Address) is not null, "first endpoint scraped");

            datastore.Publish(TestDatastore.Endpoint(first.Address), TestDatastore.Endpoint(second.Address, "sglang"));
            await Wait.UntilAsync(() => store.TryGet(second.Address)?.WaitingRequests == 9, "second endpoint scraped as sglang");

            datastore.Publish(TestDatastore.Endpoint(second.Address, "sglang"));
            await Wait.UntilAsync(() => !scraper.ActiveAddresses.Contains(first.Address), "first loop stopped");
            Assert.Null(store.TryGetState(first.Address));
            Assert.Null(store.TryGet(first.Address));
            var requestsAfterRemoval = first.Requests;
            var baseline = second.Requests;
            await Wait.UntilAsync(() => second.Requests >= baseline + 5, "second keeps being scraped");
            Assert.True(first.Requests <= requestsAfterRemoval + 1, "a removed endpoint is no longer scraped");
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }

        Assert.Empty(scraper.ActiveAddresses);
    }

    [Fact]
    public async Task Scraper_EnginePath_IsUsed()
    {
        await using var server = await MetricsTestServer.StartAsync(
            "trtllm_num_requests_waiting 3\ntrtllm_num_requests_running 1\ntrtllm_kv_cache_utilization 0.2\n",
            "/prometheus/metrics");
        var (datastore, store, scraper) = Create(new MetricsOptions { Interval = TimeSpan.FromMilliseconds(20) });
        datastore.Publish(TestDatastore.Endpoint(server.Address, "trtllm-serve"));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGet(server.Address)?.WaitingRequests == 3, "trtllm-serve scraped on its path");
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public async Task Scraper_RepeatedFailures_WaitExponentiallyLongerOnTheInjectedClock()
    {
        // The loop sleeps on the injected TimeProvider, so the fake clock shows how long it waited between attempts.
        await using var server = await MetricsTestServer.StartAsync(Expositions.Vllm(0, 0, 0));
        server.StatusCode = 503;
        var clock = new FakeTimeProvider(new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero));
        var step = TimeSpan.FromMilliseconds(50);
        var (datastore, store, scraper) = Create(
            new MetricsOptions { Jitter = TimeSpan.Zero, InitialBackoff = TimeSpan.FromSeconds(1), MaxBackoff = TimeSpan.FromSeconds(4), Timeout = TimeSpan.FromMinutes(10) },
            clock);
        datastore.Publish(TestDatastore.Endpoint(server.Address));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGetState(server.Address)?.ConsecutiveFailures >= 1, "first failure");
            foreach (var expected in new[] { 1, 2, 4, 4 })
            {
                var before = server.Requests;
                var advanced = TimeSpan.Zero;
                await Wait.UntilAsync(
                    () =>
                    {
                        if (server.Requests > before)
                        {
                            return true;
                        }

                        clock.Advance(step);
                        advanced += step;
                        return false;
                    },
                    $"attempt after a {expected} s backoff");

                // One step of slack: the loop may register its sleep just before the last observed advance.
                Assert.True(advanced >= TimeSpan.FromSeconds(expected) - step, $"waited {advanced} on the clock, expected a {expected} s backoff");
            }

            Assert.Contains("HTTP 503", store.TryGetState(server.Address)!.LastError, StringComparison.Ordinal);
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public async Task Scraper_OversizedResponse_IsAnError()
    {
        await using var server = await MetricsTestServer.StartAsync(Expositions.Vllm(1, 1, 0.1) + "# " + new string('x', 4096) + "\n");
        var (datastore, store, scraper) = Create(new MetricsOptions { MaxResponseBytes = 1024, InitialBackoff = TimeSpan.FromMilliseconds(20) });
        datastore.Publish(TestDatastore.Endpoint(server.Address));
        await scraper.StartAsync(CancellationToken.None);
        try
        {
            await Wait.UntilAsync(() => store.TryGetState(server.Address)?.LastError?.Contains("larger than 1024 bytes", StringComparison.Ordinal) == true, "size-cap error");
            Assert.Null(store.TryGet(server.Address));
        }
        finally
        {
            await scraper.StopAsync(CancellationToken.None);
            scraper.Dispose();
        }
    }

    [Fact]
    public void AddEndpointMetrics_Registration_ResolvesStoreScraperAndAdmission()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddSingleton<IDatastore>(new TestDatastore());
        services.AddEndpointMetrics(o => o.StalenessThreshold = TimeSpan.FromSeconds(1));
        services.AddSaturationAdmission();
        using var provider = services.BuildServiceProvider();

        var store = provider.GetRequiredService<IEndpointMetricsStore>();

        Assert.Same(provider.GetRequiredService<MetricsStore>(), store);
        Assert.Equal(TimeSpan.FromSeconds(1), provider.GetRequiredService<MetricsStore>().StalenessThreshold);
        Assert.Contains(provider.GetServices<IHostedService>(), s => s is MetricsScraper);
        Assert.IsType<SaturationAdmissionController>(provider.GetRequiredService<IAdmissionController>());
    }

    [Theory]
    [InlineData(0, 50)]
    [InlineData(1, 100)]
    [InlineData(2, 200)]
    [InlineData(3, 400)]
    [InlineData(10, 5000)]
    [InlineData(1000, 5000)]
    public void NextDelay_ConsecutiveFailures_BacksOffExponentiallyUpToTheCap(int failures, int expectedMs)
    {
        var options = new MetricsOptions { Jitter = TimeSpan.Zero };

        Assert.Equal(TimeSpan.FromMilliseconds(expectedMs), options.NextDelay(failures, 0.5));
    }

    [Fact]
    public void NextDelay_Jitter_AddsUpToTheJitter()
    {
        var options = new MetricsOptions { Jitter = TimeSpan.FromMilliseconds(10) };

        Assert.Equal(TimeSpan.FromMilliseconds(50), options.NextDelay(0, 0));
        Assert.Equal(TimeSpan.FromMilliseconds(55), options.NextDelay(0, 0.5));
    }

    [Fact]
    public void FreshOrNull_StaleMetrics_AreUnknown()
    {
        var scrapedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var metrics = new EndpointMetrics(0, 0, 0, [], [], 0, null, null, scrapedAt);

        Assert.Same(metrics, MetricsStore.FreshOrNull(metrics, scrapedAt.AddSeconds(2), TimeSpan.FromSeconds(2)));
        Assert.Null(MetricsStore.FreshOrNull(metrics, scrapedAt.AddSeconds(2.001), TimeSpan.FromSeconds(2)));
        Assert.Null(MetricsStore.FreshOrNull(null, scrapedAt, TimeSpan.FromSeconds(2)));
    }

    private static (TestDatastore Datastore, MetricsStore Store, MetricsScraper Scraper) Create(MetricsOptions options, TimeProvider? clock = null)
    {
        var datastore = new TestDatastore();
        var wrapped = Options.Create(options);
        var store = new MetricsStore(wrapped, clock ?? TimeProvider.System);
        var scraper = new MetricsScraper(
            datastore,
            store,
            EngineMetricsMappings.CreateDefault(),
            wrapped,
            clock ?? TimeProvider.System,
            new Random(42),
            NullLogger<MetricsScraper>.Instance);
        return (datastore, store, scraper);
    }
}
