using System.Net;
using System.Net.Http.Headers;
using InferenceGateway.Core.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Kubernetes.Tests;

/// <summary>/metrics behind TokenReview + SubjectAccessReview, against the fake API server.</summary>
public sealed class MetricsEndpointAuthTests
{
    private const string AllowedToken = "prometheus-token";
    private const string OtherToken = "someone-else-token";

    /// <summary>The fake API server with two tokens (only one granted get /metrics) and a client for it.</summary>
    private sealed class Harness(KubernetesTestCluster cluster, KubernetesApiClient api) : IAsyncDisposable
    {
        public KubernetesTestCluster Cluster => cluster;

        public KubernetesMetricsAuthorizer Authorizer(TimeProvider time) => new(api, time, NullLogger<KubernetesMetricsAuthorizer>.Instance);

        public async ValueTask DisposeAsync()
        {
            api.Dispose();
            await cluster.DisposeAsync();
        }
    }

    private static async Task<Harness> StartAsync()
    {
        var cluster = await KubernetesTestCluster.StartAsync();
        cluster.Server.AddToken(AllowedToken, "system:serviceaccount:monitoring:prometheus", "system:serviceaccounts");
        cluster.Server.AddToken(OtherToken, "system:serviceaccount:default:app");
        cluster.Server.GrantNonResource("system:serviceaccount:monitoring:prometheus", "/metrics", "get");
        var options = cluster.Options();
        return new Harness(cluster, new KubernetesApiClient(KubernetesApiClient.LoadConfiguration(options.KubeconfigPath, null)));
    }

    /// <summary>A Kestrel /metrics endpoint guarded exactly as epp guards its own.</summary>
    private static async Task<(WebApplication App, HttpClient Client)> StartMetricsAsync(IMetricsEndpointAuthorizer authorizer)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        app.MapGet("/metrics", async context =>
        {
            if (await MetricsEndpointAuth.CheckAsync(context, authorizer))
            {
                await context.Response.WriteAsync("# metrics\n");
            }
        });
        await app.StartAsync();
        return (app, new HttpClient { BaseAddress = new Uri(app.Urls.First()) });
    }

    private static HttpRequestMessage Get(string? token)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, "/metrics");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    [Fact]
    public async Task Metrics_NoTokenInvalidTokenForbiddenUserAllowedUser_401_401_403_200()
    {
        await using var harness = await StartAsync();
        var (app, client) = await StartMetricsAsync(harness.Authorizer(TimeProvider.System));
        await using var _ = app;
        using var __ = client;

        using var none = await client.SendAsync(Get(null));
        using var invalid = await client.SendAsync(Get("not-a-token"));
        using var forbidden = await client.SendAsync(Get(OtherToken));
        using var allowed = await client.SendAsync(Get(AllowedToken));

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("Bearer", none.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(HttpStatusCode.Unauthorized, invalid.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        Assert.Equal(HttpStatusCode.OK, allowed.StatusCode);
        Assert.Equal("# metrics\n", await allowed.Content.ReadAsStringAsync());
        Assert.Equal(3, harness.Cluster.Server.TokenReviewCount); // no token: no review
        Assert.Equal(2, harness.Cluster.Server.SubjectAccessReviewCount); // invalid token: no access review
    }

    [Fact]
    public async Task AuthorizeAsync_GrantToGroup_AllowsMemberOfGroup()
    {
        await using var harness = await StartAsync();
        harness.Cluster.Server.AddToken("group-token", "alice", "metrics-readers");
        harness.Cluster.Server.GrantNonResource("metrics-readers");
        var authorizer = harness.Authorizer(TimeProvider.System);

        Assert.Equal(MetricsAccessDecision.Allowed, await authorizer.AuthorizeAsync("group-token", "/metrics", CancellationToken.None));
        Assert.Equal(MetricsAccessDecision.Forbidden, await authorizer.AuthorizeAsync("group-token", "/debug", CancellationToken.None));
    }

    [Fact]
    public async Task AuthorizeAsync_SameTokenWithinCacheDuration_ReviewsOnceThenAgainAfterExpiry()
    {
        await using var harness = await StartAsync();
        var time = new FakeTimeProvider();
        var authorizer = harness.Authorizer(time);

        Assert.Equal(MetricsAccessDecision.Allowed, await authorizer.AuthorizeAsync(AllowedToken, "/metrics", CancellationToken.None));
        time.Advance(KubernetesMetricsAuthorizer.CacheDuration / 2);
        Assert.Equal(MetricsAccessDecision.Allowed, await authorizer.AuthorizeAsync(AllowedToken, "/metrics", CancellationToken.None));
        Assert.Equal(1, harness.Cluster.Server.TokenReviewCount);

        time.Advance(KubernetesMetricsAuthorizer.CacheDuration);
        Assert.Equal(MetricsAccessDecision.Allowed, await authorizer.AuthorizeAsync(AllowedToken, "/metrics", CancellationToken.None));
        Assert.Equal(2, harness.Cluster.Server.TokenReviewCount);
        Assert.Equal(2, harness.Cluster.Server.SubjectAccessReviewCount);
    }

    [Fact]
    public async Task AuthorizeAsync_ApiServerFails_UnavailableAndNotCached()
    {
        await using var harness = await StartAsync();
        var authorizer = harness.Authorizer(new FakeTimeProvider());
        harness.Cluster.Server.FailReviews = true;

        Assert.Equal(MetricsAccessDecision.Unavailable, await authorizer.AuthorizeAsync(AllowedToken, "/metrics", CancellationToken.None));

        harness.Cluster.Server.FailReviews = false;
        Assert.Equal(MetricsAccessDecision.Allowed, await authorizer.AuthorizeAsync(AllowedToken, "/metrics", CancellationToken.None));
    }

    [Fact]
    public async Task AddKubernetesMetricsEndpointAuth_AfterSource_ResolvesKubernetesAuthorizerOverTheSourceConnection()
    {
        await using var harness = await StartAsync();
        var services = new ServiceCollection();
        services.AddLogging();
        var options = harness.Cluster.Options();
        services.AddKubernetesSource(options).AddKubernetesMetricsEndpointAuth();
        await using var provider = services.BuildServiceProvider();

        var authorizer = provider.GetRequiredService<IMetricsEndpointAuthorizer>();

        Assert.IsType<KubernetesMetricsAuthorizer>(authorizer);
        Assert.Equal(MetricsAccessDecision.Forbidden, await authorizer.AuthorizeAsync(OtherToken, "/metrics", CancellationToken.None));
    }
}
