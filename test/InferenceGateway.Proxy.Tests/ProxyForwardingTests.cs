using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using InferenceGateway.Core.Datastore;
using InferenceGateway.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using OpenAI;
using OpenAI.Chat;

namespace InferenceGateway.Proxy.Tests;

public sealed class ProxyForwardingTests
{
    private const string ChatRequest = """{"model":"requested-model","messages":[{"role":"user","content":"Hello"}]}""";

    private static StringContent JsonBody(string json) => new(json, Encoding.UTF8, "application/json");

    /// <summary>The response has <paramref name="status"/> and an OpenAI-shaped error body with <paramref name="code"/>.</summary>
    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        Assert.Equal(status, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(code, json.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    private static ChatClient SdkClient(TestGateway gateway) =>
        new("requested-model", new ApiKeyCredential("x"), new OpenAIClientOptions { Endpoint = new Uri(gateway.BaseUrl, "v1") });

    [Fact]
    public async Task ChatCompletions_NonStreamingWithOpenAiSdk_ReturnsUpstreamAnswerAndRecordsUsage()
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];

        ChatCompletion completion = await SdkClient(gateway).CompleteChatAsync([new UserChatMessage("Hello")]);

        Assert.Equal("Hello there", completion.Content[0].Text);
        Assert.Equal(11, completion.Usage.InputTokenCount);
        await gateway.AssertLeasesReleasedAsync();
        var lease = gateway.SingleLease();
        Assert.Equal((11, 3, 8), lease.Usage);
        Assert.Equal([200], lease.Statuses);
        Assert.Equal(upstream.Address, lease.ServedEndpoint);
        Assert.Equal(1, lease.FirstTokenCount);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("/v1/chat/completions", forwarded.Path);
        Assert.Equal("fake-1", forwarded.Headers["x-request-id"]);
    }

    [Fact]
    public async Task ChatCompletions_H2cPool_ForwardsOverHttp2WithPriorKnowledge()
    {
        // An HTTP/2-only cleartext server (vLLM behind an h2c sidecar, or any appProtocol kubernetes.io/h2c pool)
        // answers nothing over HTTP/1.1, so only prior-knowledge HTTP/2 gets the body through.
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson), protocols: HttpProtocols.Http2);
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];
        var snapshot = FakeDatastore.Snapshot([upstream.Address], "target-model");
        gateway.Datastore.Publish(snapshot with { Pool = snapshot.Pool! with { AppProtocol = PoolInfo.H2cAppProtocol } });

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(UpstreamResponses.ChatJson, await response.Content.ReadAsStringAsync());
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal("HTTP/2", forwarded.Protocol);
        Assert.Equal(ChatRequest, Encoding.UTF8.GetString(forwarded.Body));
        await gateway.AssertLeasesReleasedAsync();
    }

    [Fact]
    public async Task ChatCompletions_NonStreaming_BodyIsByteExactOverHttp11()
    {
        // A pool without appProtocol (plain HTTP): the upstream request is HTTP/1.1.
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(UpstreamResponses.ChatJson, await response.Content.ReadAsStringAsync());
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(ChatRequest, Encoding.UTF8.GetString(forwarded.Body));
        Assert.Equal("HTTP/1.1", forwarded.Protocol);
        await gateway.AssertLeasesReleasedAsync();
    }

    [Fact]
    public async Task ChatCompletions_StreamingWithOpenAiSdk_DeliversTokensAndRecordsUsageFromFinalChunk()
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Sse(UpstreamResponses.ChatSseEvents));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];

        var text = new StringBuilder();
        ChatTokenUsage? usage = null;
        await foreach (var update in SdkClient(gateway).CompleteChatStreamingAsync([new UserChatMessage("Hello")]))
        {
            foreach (var part in update.ContentUpdate)
            {
                text.Append(part.Text);
            }

            usage ??= update.Usage;
        }

        Assert.Equal("Hello", text.ToString());
        Assert.Equal(7, usage?.InputTokenCount);
        await gateway.AssertLeasesReleasedAsync();
        var lease = gateway.SingleLease();
        Assert.Equal((7, 2, 4), lease.Usage);
        Assert.Equal(1, lease.FirstTokenCount);
        Assert.Equal([200], lease.Statuses);
    }

    [Fact]
    public async Task ChatCompletions_Streaming_BodyIsByteExactAndNotBuffered()
    {
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await LoopbackHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(UpstreamResponses.ChatSseEvents[0]);
            await context.Response.Body.FlushAsync();
            // The rest only comes after the client has seen the first event: proof the gateway does not buffer.
            await release.Task.WaitAsync(context.RequestAborted);
            foreach (var sseEvent in UpstreamResponses.ChatSseEvents.Skip(1))
            {
                await context.Response.WriteAsync(sseEvent);
                await context.Response.Body.FlushAsync();
            }
        });
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];

        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonBody(ChatRequest) };
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        await using var stream = await response.Content.ReadAsStreamAsync();
        var first = Encoding.UTF8.GetBytes(UpstreamResponses.ChatSseEvents[0]);
        var buffer = new byte[first.Length];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await stream.ReadExactlyAsync(buffer, deadline.Token);
        release.SetResult();
        using var rest = new MemoryStream();
        await stream.CopyToAsync(rest, deadline.Token);

        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(UpstreamResponses.ChatSse, Encoding.UTF8.GetString(buffer) + Encoding.UTF8.GetString(rest.ToArray()));
        await gateway.AssertLeasesReleasedAsync();
        Assert.Equal((7, 2, 4), gateway.SingleLease().Usage);
    }

    [Fact]
    public async Task Responses_JsonAndStreamed_UsageUsesInputAndOutputTokenNames()
    {
        await using var jsonUpstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ResponsesJson));
        await using var sseUpstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Sse(UpstreamResponses.ResponsesSseEvents));
        await using var gateway = await TestGateway.StartAsync();
        const string Body = """{"model":"requested-model","input":"Hello"}""";

        gateway.Router.Endpoints = [jsonUpstream.Address];
        using (var json = await gateway.Client.PostAsync("v1/responses", JsonBody(Body)))
        {
            Assert.Equal(UpstreamResponses.ResponsesJson, await json.Content.ReadAsStringAsync());
        }

        gateway.Router.Endpoints = [sseUpstream.Address];
        using (var sse = await gateway.Client.PostAsync("v1/responses", JsonBody(Body)))
        {
            Assert.Equal(string.Concat(UpstreamResponses.ResponsesSseEvents), await sse.Content.ReadAsStringAsync());
        }

        await gateway.AssertLeasesReleasedAsync();
        var leases = gateway.Router.Leases.ToArray();
        Assert.Equal((5, 6, 2), leases[0].Usage);
        Assert.Equal((9, 1, 3), leases[1].Usage);
        Assert.Equal(1, leases[1].FirstTokenCount);
        Assert.Equal("/v1/responses", Assert.Single(jsonUpstream.Requests).Path);
    }

    [Theory]
    [InlineData("v1/completions")]
    [InlineData("v1/embeddings")]
    public async Task OtherInferencePaths_AreRoutedWithPathAndLowerCasedHeaders(string path)
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json("""{"object":"list","usage":{"prompt_tokens":3,"total_tokens":3}}"""));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonBody("""{"model":"m","prompt":"x"}""") };
        request.Headers.Add("X-Inference-Objective", "Critical");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var input = Assert.Single(gateway.Router.Inputs);
        Assert.Equal("/" + path, input.Path);
        Assert.Equal("Critical", input.Headers["x-inference-objective"]);
        Assert.Equal("/" + path, Assert.Single(upstream.Requests).Path);
        await gateway.AssertLeasesReleasedAsync();
        Assert.Equal((3, 0, 0), gateway.SingleLease().Usage);
    }

    [Fact]
    public async Task RoutedRequest_RewrittenBodyAndHeadersToSet_ReachUpstream()
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];
        var rewritten = """{"model":"a-much-longer-target-model-name","messages":[{"role":"user","content":"Hello"}]}""";
        gateway.Router.RewriteBody = _ => Encoding.UTF8.GetBytes(rewritten);
        gateway.Router.HeadersToSet["x-gateway-model-name-rewrite"] = "a-much-longer-target-model-name";
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonBody(ChatRequest) };
        request.Headers.Add("x-request-id", "client-chosen-id");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.Equal(rewritten, Encoding.UTF8.GetString(forwarded.Body));
        Assert.Equal(rewritten.Length.ToString(System.Globalization.CultureInfo.InvariantCulture), forwarded.Headers["Content-Length"]);
        Assert.Equal("a-much-longer-target-model-name", forwarded.Headers["x-gateway-model-name-rewrite"]);
        Assert.Equal("client-chosen-id", forwarded.Headers["x-request-id"]);
        await gateway.AssertLeasesReleasedAsync();
    }

    [Theory]
    [InlineData(404, null, null)]
    [InlineData(429, 2.5, "3")]
    [InlineData(503, null, null)]
    public async Task RouterError_IsWrittenAsOpenAiJsonWithStatusAndRetryAfter(int status, double? retryAfterSeconds, string? expectedRetryAfter)
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Error = status switch
        {
            404 => Core.Errors.OpenAiError.NotFound("The model 'nope' does not exist."),
            429 => Core.Errors.OpenAiError.TooManyRequests("Too busy.", TimeSpan.FromSeconds(retryAfterSeconds!.Value)),
            _ => Core.Errors.OpenAiError.Unavailable("No ready endpoints."),
        };

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = json.RootElement.GetProperty("error");
        Assert.Equal(gateway.Router.Error.Message, error.GetProperty("message").GetString());
        Assert.Equal(gateway.Router.Error.Type, error.GetProperty("type").GetString());
        Assert.Equal(expectedRetryAfter, response.Headers.TryGetValues("Retry-After", out var values) ? values.Single() : null);
        Assert.Equal(0, gateway.Router.LiveLeases);
    }

    [Fact]
    public async Task RouterThrows_Is500OpenAiError()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Throw = new InvalidOperationException("boom");

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        Assert.Equal(HttpStatusCode.InternalServerError, response.StatusCode);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("internal_error", json.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.DoesNotContain("boom", json.RootElement.GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RequestBody_OverTheLimit_Is413WithoutRouting()
    {
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["InferenceGateway:Gateway:MaxRequestBodyBytes"] = "1024" });
        var big = new string('x', 1500);

        using var declared = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(big));
        using var chunkedRequest = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = new UnknownLengthContent(Encoding.UTF8.GetBytes(big)) };
        using var chunked = await gateway.Client.SendAsync(chunkedRequest);
        using var atLimit = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(new string('y', 1024)));

        foreach (var response in new[] { declared, chunked })
        {
            await AssertErrorAsync(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        }

        // A body of exactly the limit is routed (the fake router has no endpoints, so it ends as 503).
        Assert.Equal(HttpStatusCode.ServiceUnavailable, atLimit.StatusCode);
        Assert.Equal(1024, Assert.Single(gateway.Router.Inputs).Body.Length);
        await gateway.AssertLeasesReleasedAsync();
    }

    [Fact]
    public async Task RefusedConnection_RetriesOnNextFallbackEndpoint()
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        var closed = LoopbackHttpServer.ClosedAddress();
        gateway.Router.Endpoints = [closed, upstream.Address];

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(UpstreamResponses.ChatJson, await response.Content.ReadAsStringAsync());
        Assert.Equal(ChatRequest, Encoding.UTF8.GetString(Assert.Single(upstream.Requests).Body));
        await gateway.AssertLeasesReleasedAsync();
        var lease = gateway.SingleLease();
        Assert.Equal(upstream.Address, lease.ServedEndpoint);
        Assert.Equal([200], lease.Statuses);
        Assert.Equal((11, 3, 8), lease.Usage);
    }

    [Fact]
    public async Task ConnectTimeout_RetriesOnNextFallbackEndpoint()
    {
        // A listener whose accept queue is full: the kernel drops further SYNs, so connecting hangs.
        using var saturated = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
        saturated.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        saturated.Listen(0);
        var blackhole = (IPEndPoint)saturated.LocalEndPoint!;
        var fillers = new List<System.Net.Sockets.Socket>();
        try
        {
            while (true)
            {
                var filler = new System.Net.Sockets.Socket(System.Net.Sockets.AddressFamily.InterNetwork, System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                fillers.Add(filler);
                using var attempt = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
                try
                {
                    await filler.ConnectAsync(blackhole, attempt.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                Assert.True(fillers.Count < 64, "could not fill the accept queue");
            }

            await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
            await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["InferenceGateway:Gateway:ConnectTimeout"] = "00:00:00.5" });
            gateway.Router.Endpoints = [blackhole.ToString(), upstream.Address];

            using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(1, upstream.RequestCount);
            await gateway.AssertLeasesReleasedAsync();
            Assert.Equal(upstream.Address, gateway.SingleLease().ServedEndpoint);
        }
        finally
        {
            foreach (var filler in fillers)
            {
                filler.Dispose();
            }
        }
    }

    [Fact]
    public async Task UpstreamSilentPastUpstreamTimeout_Is504AndNotRetried()
    {
        await using var silent = await LoopbackHttpServer.StartAsync(async context =>
        {
            try
            {
                await Task.Delay(TimeSpan.FromSeconds(30), context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                // The gateway gave up, as it should.
            }
        });
        await using var fallback = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["InferenceGateway:Gateway:UpstreamTimeout"] = "00:00:00.5" });
        gateway.Router.Endpoints = [silent.Address, fallback.Address];

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        await AssertErrorAsync(response, HttpStatusCode.GatewayTimeout, "upstream_timeout");
        Assert.Equal(0, fallback.RequestCount);
        await gateway.AssertLeasesReleasedAsync();
        Assert.Equal([504], gateway.SingleLease().Statuses);
    }

    [Fact]
    public async Task AllEndpointsRefused_Is503OpenAiError()
    {
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [LoopbackHttpServer.ClosedAddress(), LoopbackHttpServer.ClosedAddress()];

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        await AssertErrorAsync(response, HttpStatusCode.ServiceUnavailable, "no_healthy_upstream");
        await gateway.AssertLeasesReleasedAsync();
        var lease = gateway.SingleLease();
        Assert.Equal([503], lease.Statuses);
        Assert.Null(lease.ServedEndpoint);
    }

    [Fact]
    public async Task UpstreamErrorStatus_PassesThroughWithoutRetry()
    {
        const string Error = """{"error":{"message":"bad prompt","type":"BadRequestError","code":400}}""";
        await using var failing = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(Error, 400));
        await using var fallback = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [failing.Address, fallback.Address];

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(Error, await response.Content.ReadAsStringAsync());
        Assert.Equal(0, fallback.RequestCount);
        await gateway.AssertLeasesReleasedAsync();
        var lease = gateway.SingleLease();
        Assert.Equal([400], lease.Statuses);
        Assert.Equal(0, lease.FirstTokenCount);
        Assert.Null(lease.Usage);
    }

    [Fact]
    public async Task UpstreamResetMidStream_ClientSeesErrorAndFallbackIsNotCalled()
    {
        var clientGotFirstEvent = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var resetting = await LoopbackHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(UpstreamResponses.ChatSseEvents[1]);
            await context.Response.Body.FlushAsync();
            // Reset only once the client holds the first event: the response has provably started.
            await clientGotFirstEvent.Task.WaitAsync(TimeSpan.FromSeconds(30));
            context.Abort();
        });
        await using var fallback = await LoopbackHttpServer.StartAsync(UpstreamResponses.Sse(UpstreamResponses.ChatSseEvents));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [resetting.Address, fallback.Address];
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonBody(ChatRequest) };
        using var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, deadline.Token);
        await using var stream = await response.Content.ReadAsStreamAsync(deadline.Token);
        var first = new byte[Encoding.UTF8.GetByteCount(UpstreamResponses.ChatSseEvents[1])];
        await stream.ReadExactlyAsync(first, deadline.Token);
        clientGotFirstEvent.SetResult();

        var failure = await Record.ExceptionAsync(() => stream.CopyToAsync(Stream.Null, deadline.Token));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.NotNull(failure);
        Assert.False(deadline.IsCancellationRequested, "the client hung instead of seeing the reset");
        Assert.Equal(0, fallback.RequestCount);
        await gateway.AssertLeasesReleasedAsync();
        var lease = gateway.SingleLease();
        Assert.Equal([502], lease.Statuses);
        Assert.Equal(1, lease.FirstTokenCount);
        Assert.Equal(resetting.Address, lease.ServedEndpoint);
    }

    [Fact]
    public async Task UpstreamResetBeforeResponse_Is502AndNotRetried()
    {
        await using var resetting = await LoopbackHttpServer.StartAsync(context =>
        {
            context.Abort();
            return Task.CompletedTask;
        });
        await using var fallback = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [resetting.Address, fallback.Address];

        using var response = await gateway.Client.PostAsync("v1/chat/completions", JsonBody(ChatRequest));

        await AssertErrorAsync(response, HttpStatusCode.BadGateway, "upstream_error");
        Assert.Equal(0, fallback.RequestCount);
        await gateway.AssertLeasesReleasedAsync();
        Assert.Equal([502], gateway.SingleLease().Statuses);
    }

    [Fact]
    public async Task ClientCancellation_AbortsTheUpstreamRequest()
    {
        var upstreamAborted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var upstream = await LoopbackHttpServer.StartAsync(async context =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync(UpstreamResponses.ChatSseEvents[1]);
            await context.Response.Body.FlushAsync();
            try
            {
                await Task.Delay(Timeout.Infinite, context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                upstreamAborted.TrySetResult();
            }
        });
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];

        using (var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonBody(ChatRequest) })
        using (var response = await gateway.Client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            var stream = await response.Content.ReadAsStreamAsync();
            var buffer = new byte[16];
            Assert.True(await stream.ReadAsync(buffer) > 0);
            // Leaving the using block disposes the response mid-stream: the client connection goes away.
        }

        await upstreamAborted.Task.WaitAsync(TimeSpan.FromSeconds(30));
        await gateway.AssertLeasesReleasedAsync();
        Assert.Equal([InferenceGateway.Proxy.Forwarding.InferenceProxyHandler.ClientClosedRequest], gateway.SingleLease().Statuses);
    }

    [Fact]
    public async Task DestinationHeaders_FromTheClient_AreStrippedBeforeRoutingAndForwarding()
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync(new Dictionary<string, string?> { ["InferenceGateway:Gateway:DestinationHeaderName"] = "target-pod" });
        gateway.Router.Endpoints = [upstream.Address];
        gateway.Router.HeadersToSet["x-gateway-destination-endpoint"] = "10.0.0.9:8000";
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonBody(ChatRequest) };
        request.Headers.Add("X-Gateway-Destination-Endpoint", "10.9.9.9:1234");
        request.Headers.Add("target-pod", "10.9.9.9:1234");
        request.Headers.Add("x-gateway-destination-endpoint-subset", "10.9.9.9:1234");

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.DoesNotContain(forwarded.Headers.Keys, key => key.StartsWith("x-gateway-destination", StringComparison.OrdinalIgnoreCase));
        Assert.False(forwarded.Headers.ContainsKey("target-pod"));
        var input = Assert.Single(gateway.Router.Inputs);
        Assert.DoesNotContain(input.Headers.Keys, key => key.StartsWith("x-gateway-destination", StringComparison.Ordinal) || key == "target-pod");
        await gateway.AssertLeasesReleasedAsync();
    }

    [Fact]
    public async Task HopByHopHeaders_AreNotForwarded()
    {
        await using var upstream = await LoopbackHttpServer.StartAsync(UpstreamResponses.Json(UpstreamResponses.ChatJson));
        await using var gateway = await TestGateway.StartAsync();
        gateway.Router.Endpoints = [upstream.Address];
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/chat/completions") { Content = JsonBody(ChatRequest) };
        request.Headers.TryAddWithoutValidation("Keep-Alive", "timeout=5");
        request.Headers.TryAddWithoutValidation("Proxy-Connection", "keep-alive");
        request.Headers.TryAddWithoutValidation("X-End-To-End", "kept");
        request.Headers.ConnectionClose = true;

        using var response = await gateway.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var forwarded = Assert.Single(upstream.Requests);
        Assert.False(forwarded.Headers.ContainsKey("Keep-Alive"));
        Assert.False(forwarded.Headers.ContainsKey("Proxy-Connection"));
        Assert.False(forwarded.Headers.TryGetValue("Connection", out var connection) && connection.Contains("close", StringComparison.OrdinalIgnoreCase));
        Assert.Equal("kept", forwarded.Headers["X-End-To-End"]);
        await gateway.AssertLeasesReleasedAsync();
    }

    [Fact]
    public async Task UnknownPathAndWrongMethod_AreOpenAiErrors()
    {
        await using var gateway = await TestGateway.StartAsync();

        using var unknown = await gateway.Client.GetAsync("v1/unknown");
        using var wrongMethod = await gateway.Client.GetAsync("v1/chat/completions");

        await AssertErrorAsync(unknown, HttpStatusCode.NotFound, "unknown_url");
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.Empty(gateway.Router.Inputs);
    }

    /// <summary>Content without a known length: HttpClient sends it chunked.</summary>
    private sealed class UnknownLengthContent(byte[] bytes) : HttpContent
    {
        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => stream.WriteAsync(bytes).AsTask();

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
