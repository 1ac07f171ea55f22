using System.Text;
using Grpc.Core;
using InferenceGateway.TestSupport.ExtProc;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.ExtProc.Tests;

public sealed class ExtProcResponseTests
{
    private static readonly byte[] ChatBody = Encoding.UTF8.GetBytes("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}],"stream":true}""");

    private const string SseStream =
        "data: {\"id\":\"1\",\"choices\":[{\"delta\":{\"content\":\"Hel\"}}],\"usage\":null}\n\n" +
        "data: {\"id\":\"1\",\"choices\":[{\"delta\":{\"content\":\"lo\"}}],\"usage\":null}\n\n" +
        "data: {\"id\":\"1\",\"choices\":[],\"usage\":{\"prompt_tokens\":17,\"completion_tokens\":2,\"total_tokens\":19,\"prompt_tokens_details\":{\"cached_tokens\":16}}}\n\n" +
        "data: [DONE]\n\n";

    [Fact]
    public async Task FullDuplexResponse_SseSplitAtAwkwardBoundaries_EchoesBodyAndRecordsUsageTtftStatusServed()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);
        var sse = Encoding.UTF8.GetBytes(SseStream);
        // Boundaries inside "data:", inside the usage JSON and between \n\n.
        var cuts = new[] { 3, 40, 41, 150, 200, sse.Length - 3 };
        var chunks = new List<byte[]>();
        var previous = 0;
        foreach (var cut in cuts)
        {
            chunks.Add(sse[previous..cut]);
            previous = cut;
        }

        chunks.Add(sse[previous..]);

        var delivered = await EnvoyFlows.ResponseAsync(session, 200, "text/event-stream", chunks, fullDuplex: true, servedEndpoint: "10.0.0.2:8000");
        await session.CompleteAsync();
        await host.WaitForNoLiveLeasesAsync();

        Assert.Equal(sse, delivered);
        var lease = Assert.Single(host.Router.Leases);
        Assert.Equal((17, 2, 16), lease.Usage);
        Assert.Equal(1, lease.FirstTokenCount);
        Assert.Equal([200], lease.Statuses);
        Assert.True(lease.ServedEndpointReported);
        Assert.Equal("10.0.0.2:8000", lease.ServedEndpoint);
        Assert.Equal(1, lease.DisposeCount);
    }

    [Fact]
    public async Task StreamedResponse_JsonBody_RecordsUsageAndDisposesAtEndOfStream()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ChatBody, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.Streamed));
        var json = Encoding.UTF8.GetBytes("""{"id":"x","object":"chat.completion","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":5,"completion_tokens":7,"total_tokens":12}}""");

        await EnvoyFlows.ResponseAsync(session, 200, "application/json", ExtProcMessages.Split(json, 9), fullDuplex: false);

        // The lease ends with the response body's end_of_stream, while the stream is still open.
        await host.WaitForNoLiveLeasesAsync();
        var lease = Assert.Single(host.Router.Leases);
        Assert.Equal((5, 7, 0), lease.Usage);
        Assert.False(lease.ServedEndpointReported);
    }

    [Fact]
    public async Task ResponsesApiStream_UsageNestedUnderResponse_IsRead()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/responses"), [ChatBody]);
        var sse = Encoding.UTF8.GetBytes(
            "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"x\"}\n\n" +
            "event: response.completed\r\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":{\"input_tokens\":11,\"output_tokens\":3,\"input_tokens_details\":{\"cached_tokens\":8}}}}\r\n\r\n");

        await EnvoyFlows.ResponseAsync(session, 200, "text/event-stream", ExtProcMessages.Split(sse, 13), fullDuplex: true);
        await host.WaitForNoLiveLeasesAsync();

        Assert.Equal((11, 3, 8), Assert.Single(host.Router.Leases).Usage);
    }

    [Fact]
    public async Task ResponseHeadersEndOfStream_RecordsStatusAndDisposesLease()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);

        await EnvoyFlows.ResponseAsync(session, 503, "application/json", [], fullDuplex: true);
        await host.WaitForNoLiveLeasesAsync();

        var lease = Assert.Single(host.Router.Leases);
        Assert.Equal([503], lease.Statuses);
        Assert.Equal(0, lease.FirstTokenCount);
        Assert.Null(lease.Usage);
    }

    [Fact]
    public async Task ClientCancelsMidBody_NoLeaseAndStreamReleased()
    {
        await using var host = await PickerHost.StartAsync();
        using var cancel = new CancellationTokenSource();
        using var session = host.Client.Open(cancel.Token);
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(ExtProcMessages.RequestHeaders("/v1/chat/completions"), false, ExtProcMessages.Protocol(BodySendMode.FullDuplexStreamed, BodySendMode.FullDuplexStreamed)));
        await session.SendAsync(ExtProcMessages.RequestBodyMessage(ChatBody.AsSpan(0, 10), endOfStream: false));

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<Exception>(session.ReadAsync);
        Assert.Empty(host.Router.Inputs);
        Assert.Equal(0, host.Router.LiveLeases);
    }

    [Fact]
    public async Task ClientCancelsMidResponse_LeaseDisposedOnce()
    {
        await using var host = await PickerHost.StartAsync();
        using var cancel = new CancellationTokenSource();
        using var session = host.Client.Open(cancel.Token);
        await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);
        await session.SendAsync(ExtProcMessages.ResponseHeadersMessage(200, "text/event-stream", endOfStream: false));
        await session.ReadRequiredAsync();
        await session.SendAsync(ExtProcMessages.ResponseBodyMessage("data: {\"x\":1}\n\n"u8, endOfStream: false));
        await session.ReadRequiredAsync();
        Assert.Equal(1, host.Router.LiveLeases);

        await cancel.CancelAsync();
        await host.WaitForNoLiveLeasesAsync();

        var lease = Assert.Single(host.Router.Leases);
        Assert.Equal(1, lease.DisposeCount);
        Assert.Equal(1, lease.FirstTokenCount);
    }

    [Fact]
    public async Task GatewayClosesStreamAfterRouting_LeaseDisposed()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ChatBody);
        Assert.Equal(1, host.Router.LiveLeases);

        await session.CompleteAsync();
        Assert.Null(await session.ReadAsync());
        await host.WaitForNoLiveLeasesAsync();

        Assert.Equal(1, Assert.Single(host.Router.Leases).DisposeCount);
    }

    [Fact]
    public async Task GatewayDisconnects_AllStreamsReleased()
    {
        var host = await PickerHost.StartAsync();
        try
        {
            var client = new EnvoyExtProcClient(host.Server.GrpcPort);
            for (var i = 0; i < 5; i++)
            {
                var session = client.Open();
                await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);
            }

            Assert.Equal(5, host.Router.LiveLeases);

            // The whole connection goes away (Envoy restart): every open stream must release its lease.
            client.Dispose();
            await host.WaitForNoLiveLeasesAsync();
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    [Fact]
    public async Task Soak_TwoThousandStreams_LiveLeasesBackToZero()
    {
        await using var host = await PickerHost.StartAsync();
        var json = Encoding.UTF8.GetBytes("""{"usage":{"prompt_tokens":1,"completion_tokens":1}}""");
        using var gate = new SemaphoreSlim(64);
        var tasks = new List<Task>();
        for (var i = 0; i < 2000; i++)
        {
            var index = i;
            tasks.Add(Task.Run(async () =>
            {
                await gate.WaitAsync();
                try
                {
                    using var session = host.Client.Open();
                    switch (index % 4)
                    {
                        case 0:
                            await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);
                            await EnvoyFlows.ResponseAsync(session, 200, "application/json", [json], fullDuplex: true);
                            break;
                        case 1:
                            await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ChatBody);
                            await session.CompleteAsync();
                            await session.ReadAsync();
                            break;
                        case 2:
                            await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);
                            session.Call.Dispose(); // abandon mid-response
                            break;
                        default:
                            await EnvoyFlows.HeaderOnlyAsync(session, ExtProcMessages.RequestHeaders("/v1/models", "GET"));
                            await EnvoyFlows.ResponseAsync(session, 200, "application/json", [json], fullDuplex: false);
                            break;
                    }
                }
                catch (RpcException ex) when (ex.StatusCode == StatusCode.Cancelled)
                {
                    // The abandoned streams.
                }
                finally
                {
                    gate.Release();
                }
            }));
        }

        await Task.WhenAll(tasks);
        await host.WaitForNoLiveLeasesAsync();

        Assert.Equal(2000, host.Router.Leases.Count);
        Assert.All(host.Router.Leases, lease => Assert.Equal(1, lease.DisposeCount));
    }
}
