using System.Text;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Usage;
using InferenceGateway.Proxy.Forwarding;
using InferenceGateway.TestSupport;
using Microsoft.AspNetCore.Http;

namespace InferenceGateway.Proxy.Tests;

/// <summary>
/// The exchange holds the response accounting (and its usage scanner) inline, as a struct field reached by ref:
/// these tests feed a response through the observer stream in pieces that split the usage object, so a scanner
/// state copied or reset between writes would lose the usage.
/// </summary>
public sealed class ForwardingExchangeTests
{
    private static (TokenUsage? Usage, int FirstTokens) Forward(string contentType, byte[] body, int firstCut, int secondCut)
    {
        var router = new FakeInferenceRouter { Endpoints = ["10.0.0.1:8000"] };
        var routed = router.Route(new RoutingInput("/v1/chat/completions", new Dictionary<string, string>(), Array.Empty<byte>())).Routed!;
        var context = new DefaultHttpContext();
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = contentType;
        var exchange = new ForwardingExchange(context, routed, new DestinationHeaders(GatewayOptions.DefaultDestinationHeaderName));
        try
        {
            using var client = new MemoryStream();
            using var observer = new ResponseObserverStream(client, exchange);
            observer.Write(body.AsSpan(0, firstCut));
            observer.Write(body.AsSpan(firstCut, secondCut - firstCut));
            observer.Write(body.AsSpan(secondCut));

            Assert.Equal(body, client.ToArray());
            exchange.Accounting.Complete();
            return (exchange.Accounting.Usage, ((FakeRequestLease)routed.Lease).FirstTokenCount);
        }
        finally
        {
            exchange.Dispose();
        }
    }

    /// <summary>Cuts at every pair of positions inside the usage object (and on its edges).</summary>
    private static IEnumerable<(int First, int Second)> CutsAcrossUsage(byte[] body)
    {
        var usageStart = body.AsSpan().IndexOf("\"usage\""u8);
        var usageEnd = usageStart + body.AsSpan(usageStart).IndexOf("}}"u8) + 2;
        Assert.True(usageStart > 0 && usageEnd > usageStart, "the usage object is in the body");
        for (var first = usageStart; first <= usageEnd; first++)
        {
            for (var second = first; second <= usageEnd; second += 7)
            {
                yield return (first, second);
            }
        }
    }

    [Fact]
    public void Sse_UsageObjectSplitAcrossThreeWrites_ExchangeKeepsTheScannerState()
    {
        var body = Encoding.UTF8.GetBytes(UpstreamResponses.ChatSse);

        foreach (var (first, second) in CutsAcrossUsage(body))
        {
            var result = Forward("text/event-stream", body, first, second);

            Assert.True(new TokenUsage(7, 2, 4) == result.Usage, $"cuts at {first} and {second}");
            Assert.Equal(1, result.FirstTokens);
        }
    }

    [Fact]
    public void Json_UsageObjectSplitAcrossThreeWrites_ExchangeKeepsTheScannerState()
    {
        var body = Encoding.UTF8.GetBytes(UpstreamResponses.ChatJson);

        foreach (var (first, second) in CutsAcrossUsage(body))
        {
            var result = Forward("application/json", body, first, second);

            Assert.True(new TokenUsage(11, 3, 8) == result.Usage, $"cuts at {first} and {second}");
            Assert.Equal(1, result.FirstTokens);
        }
    }
}
