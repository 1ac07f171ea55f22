using System.Text;
using InferenceGateway.Core.Routing;
using InferenceGateway.TestSupport;

namespace InferenceGateway.Proxy.Tests;

/// <summary>The shared router fake answers both front ends' needs (the proxy's empty pool, headers and rewrites).</summary>
public sealed class FakeInferenceRouterTests
{
    private static RoutingInput Input(string? requestId = null, IReadOnlySet<string>? subsetHint = null)
    {
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        if (requestId is not null)
        {
            headers["x-request-id"] = requestId;
        }

        return new RoutingInput("/v1/chat/completions", headers, Encoding.UTF8.GetBytes("""{"model":"m"}"""), subsetHint);
    }

    [Fact]
    public void Route_NoEndpoints_SucceedsWithAnEmptyListAndAnUnreportedLease()
    {
        var router = new FakeInferenceRouter { Endpoints = [] };

        var outcome = router.Route(Input());

        Assert.NotNull(outcome.Routed);
        Assert.Empty(outcome.Routed.Endpoints);
        var lease = Assert.Single(router.Leases);
        Assert.Null(lease.ServedEndpoint);
        Assert.False(lease.ServedEndpointReported);
        Assert.Equal(1, router.LiveLeases);
        outcome.Routed.Lease.Dispose();
        outcome.Routed.Lease.Dispose();
        Assert.Equal(0, router.LiveLeases);
        Assert.Equal(2, lease.DisposeCount);
    }

    [Fact]
    public void Route_HeadersToSetAndRewrite_ForwardedWithTheRequestId()
    {
        var router = new FakeInferenceRouter();
        router.HeadersToSet["x-extra"] = "1";
        router.RewriteBody = _ => "rewritten"u8.ToArray();

        var routed = router.Route(Input("client-id")).Routed!;
        var generated = router.Route(Input()).Routed!;

        Assert.Equal("client-id", routed.RequestId);
        Assert.Equal("1", routed.HeadersToSet["x-extra"]);
        Assert.Equal("client-id", routed.HeadersToSet["x-request-id"]);
        Assert.True(routed.BodyChanged);
        Assert.Equal("rewritten"u8.ToArray(), routed.Body.ToArray());
        Assert.Equal("fake-1", generated.RequestId);
        Assert.Equal("""{"model":"m"}""", Encoding.UTF8.GetString(router.Inputs.ToArray()[1].Body));
    }

    [Fact]
    public void Route_SubsetHintMatchesNoEndpoint_Unavailable()
    {
        var router = new FakeInferenceRouter { Endpoints = ["10.0.0.1:8000"] };

        var outcome = router.Route(Input(subsetHint: new HashSet<string>(StringComparer.Ordinal) { "10.0.0.9:8000" }));

        Assert.Null(outcome.Routed);
        Assert.Equal(503, outcome.Error!.StatusCode);
        Assert.Empty(router.Leases);
    }
}
