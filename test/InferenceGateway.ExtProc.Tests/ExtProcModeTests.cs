using System.Text;
using InferenceGateway.Core.Errors;
using InferenceGateway.TestSupport.ExtProc;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.ExtProc.Tests;

public sealed class ExtProcModeTests
{
    private const string Destination = "x-gateway-destination-endpoint";
    private static readonly byte[] ChatBody = Encoding.UTF8.GetBytes("""{"model":"fake-model","messages":[{"role":"user","content":"hello"}]}""");

    private static byte[] Rewrite(byte[] body) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(body).Replace("fake-model", "fake-target-model-v2", StringComparison.Ordinal));

    [Fact]
    public async Task Buffered_RoutedRequest_SetsDestinationHeaderAndMetadataAndRemovesClientHeader()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        var headers = ExtProcMessages.RequestHeaders("/v1/chat/completions", extra: [(Destination, "6.6.6.6:1"), ("x-request-id", "abc-123")]);

        var result = await EnvoyFlows.BufferedAsync(session, headers, ChatBody, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.None));

        Assert.Null(result.Immediate);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.Headers[Destination]);
        Assert.Equal(result.Headers[Destination], result.LbMetadata(Destination));
        Assert.Contains(Destination, result.RemovedHeaders);
        Assert.Equal("abc-123", result.Headers["x-request-id"]);
        Assert.True(result.ClearRouteCache);
        Assert.Equal(ChatBody, result.Body);
        var input = Assert.Single(host.Router.Inputs);
        Assert.Equal("/v1/chat/completions", input.Path);
        Assert.Equal(ChatBody, input.Body);
        Assert.Equal("6.6.6.6:1", input.Headers[Destination]);
        Assert.Null(input.SubsetHint);
    }

    [Fact]
    public async Task Buffered_BodyRewritten_ReturnsWholeBodyWithMatchingContentLength()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.RewriteBody = Rewrite;
        using var session = host.Client.Open();
        var headers = ExtProcMessages.RequestHeaders("/v1/chat/completions", extra: ("content-length", ChatBody.Length.ToString(System.Globalization.CultureInfo.InvariantCulture)));

        var result = await EnvoyFlows.BufferedAsync(session, headers, ChatBody);

        Assert.Equal(Rewrite(ChatBody), result.Body);
        Assert.Equal(Rewrite(ChatBody).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Headers["content-length"]);
        Assert.False(string.IsNullOrEmpty(result.Headers["x-request-id"]));
    }

    [Fact]
    public async Task Buffered_HeaderValuesInValueField_AreReadAsFallback()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        var headers = ExtProcMessages.RequestHeaders("/v1/completions?x=1", extra: ("X-Custom", "v"));
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, useRawValue: false));
        await session.ReadRequiredAsync();
        await session.SendAsync(ExtProcMessages.RequestBodyMessage(ChatBody, endOfStream: true));
        await session.ReadRequiredAsync();

        var input = Assert.Single(host.Router.Inputs);
        Assert.Equal("/v1/completions", input.Path);
        Assert.Equal("v", input.Headers["x-custom"]);
        Assert.Equal("POST", input.Headers[":method"]);
    }

    [Fact]
    public async Task Streamed_ChunksWithheldUntilLast_BodyReassembledAndDestinationInMetadata()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.RewriteBody = Rewrite;
        using var session = host.Client.Open();
        var chunks = ExtProcMessages.Split(ChatBody, 7);

        var result = await EnvoyFlows.StreamedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), chunks, ExtProcMessages.Protocol(BodySendMode.Streamed, BodySendMode.Streamed));

        Assert.Null(result.Immediate);
        Assert.Equal(Rewrite(ChatBody), result.Body);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.LbMetadata(Destination));
        var lastMutation = Assert.Single(result.IgnoredHeaderMutations, m => m.SetHeaders.Count > 0);
        Assert.Contains(lastMutation.SetHeaders, h => h.Header.Key == Destination);
        Assert.Equal(ChatBody, Assert.Single(host.Router.Inputs).Body);
    }

    [Fact]
    public async Task UnknownMode_SingleBodyMessage_IsHandledAsBuffered()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.RewriteBody = Rewrite;
        using var session = host.Client.Open();

        var result = await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ChatBody, protocol: null);

        Assert.Equal(Rewrite(ChatBody), result.Body);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.Headers[Destination]);
    }

    [Fact]
    public async Task UnknownMode_SeveralBodyMessages_IsHandledAsStreamed()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.RewriteBody = Rewrite;
        using var session = host.Client.Open();

        var result = await EnvoyFlows.StreamedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ExtProcMessages.Split(ChatBody, 20), protocol: null);

        Assert.Equal(Rewrite(ChatBody), result.Body);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.LbMetadata(Destination));
        Assert.Equal(ChatBody, Assert.Single(host.Router.Inputs).Body);
    }

    [Fact]
    public async Task FullDuplex_EmptyBody_SendsOneEmptyClosingChunkAndZeroContentLength()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), [[]]);

        Assert.Empty(result.Body);
        Assert.Equal([0], result.StreamedChunkSizes);
        Assert.Equal("0", result.Headers["content-length"]);
    }

    [Fact]
    public async Task FullDuplex_SmallBody_DeferredHeadersThenStreamedBody()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.RewriteBody = Rewrite;
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions", extra: (Destination, "6.6.6.6:1")), ExtProcMessages.Split(ChatBody, 10));

        Assert.Null(result.Immediate);
        Assert.Equal(Rewrite(ChatBody), result.Body);
        Assert.Equal(Rewrite(ChatBody).Length.ToString(System.Globalization.CultureInfo.InvariantCulture), result.Headers["content-length"]);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.Headers[Destination]);
        Assert.Equal(result.Headers[Destination], result.LbMetadata(Destination));
        Assert.True(result.ClearRouteCache);
        Assert.Equal(ChatBody, Assert.Single(host.Router.Inputs).Body);
    }

    [Fact]
    public async Task FullDuplex_FiveMiBBodyIn64KiBChunks_ReassemblesWithChunksAtMost62000()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.RewriteBody = body => [.. body, .. "tail"u8.ToArray()];
        var body = new byte[5 * 1024 * 1024];
        new Random(42).NextBytes(body);
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), ExtProcMessages.Split(body, 64 * 1024));

        Assert.Equal(body.Length + 4, result.Body.Length);
        Assert.True(result.Body.AsSpan(0, body.Length).SequenceEqual(body));
        Assert.All(result.StreamedChunkSizes, size => Assert.InRange(size, 1, 62_000));
        Assert.Equal((body.Length + 4 + 61_999) / 62_000, result.StreamedChunkSizes.Count);
        Assert.Equal(body, Assert.Single(host.Router.Inputs).Body);
    }

    [Fact]
    public async Task FullDuplex_WithTrailers_BodyNotClosedAndTrailersAnswered()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ExtProcMessages.Split(ChatBody, 16), withTrailers: true);

        Assert.Equal(ChatBody, result.Body);
        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.Headers[Destination]);
    }

    [Fact]
    public async Task FullDuplex_WithoutProtocolConfigWhenAssumed_DefersHeaders()
    {
        await using var host = await PickerHost.StartAsync(o => o.AssumeFullDuplexWithoutProtocolConfig = true);
        using var session = host.Client.Open();
        var headers = ExtProcMessages.RequestHeaders("/v1/chat/completions");
        await session.SendAsync(ExtProcMessages.RequestHeadersMessage(headers, endOfStream: false, protocol: null));
        await session.SendAsync(ExtProcMessages.RequestBodyMessage(ChatBody.AsSpan(0, 5), endOfStream: false));
        await session.SendAsync(ExtProcMessages.RequestBodyMessage(ChatBody.AsSpan(5), endOfStream: true));

        var headersAnswer = await session.ReadRequiredAsync();
        var bodyAnswer = await session.ReadRequiredAsync();

        Assert.Equal(Envoy.Service.ExtProc.V3.ProcessingResponse.ResponseOneofCase.RequestHeaders, headersAnswer.ResponseCase);
        Assert.True(headersAnswer.RequestHeaders.Response.ClearRouteCache);
        Assert.True(bodyAnswer.RequestBody.Response.BodyMutation.StreamedResponse.EndOfStream);
        Assert.Equal(ChatBody, bodyAnswer.RequestBody.Response.BodyMutation.StreamedResponse.Body.ToByteArray());
    }

    [Fact]
    public async Task HeaderOnly_EndOfStreamOnHeaders_RoutesWithEmptyBodyAtOnce()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();

        var result = await EnvoyFlows.HeaderOnlyAsync(session, ExtProcMessages.RequestHeaders("/v1/models", "GET"), ExtProcMessages.Protocol(BodySendMode.FullDuplexStreamed, BodySendMode.FullDuplexStreamed));

        Assert.Equal("10.0.0.1:8000,10.0.0.2:8000", result.Headers[Destination]);
        Assert.Equal(result.Headers[Destination], result.LbMetadata(Destination));
        Assert.True(result.ClearRouteCache);
        Assert.Empty(Assert.Single(host.Router.Inputs).Body);
    }

    [Fact]
    public async Task Buffered_ConfiguredSeedHeader_UsesThatName()
    {
        await using var host = await PickerHost.StartAsync(o => o.DestinationHeader = "target-pod");
        host.Router.Endpoints = ["10.1.1.1:8000"];
        using var session = host.Client.Open();

        var result = await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), ChatBody);

        Assert.Equal("10.1.1.1:8000", result.Headers["target-pod"]);
        Assert.False(result.Headers.ContainsKey(Destination));
        Assert.Equal("10.1.1.1:8000", result.LbMetadata("target-pod"));
    }

    [Fact]
    public async Task FullDuplex_PrimaryOnly_HeaderAndMetadataCarryFirstEndpoint()
    {
        await using var host = await PickerHost.StartAsync(o => o.DestinationPrimaryOnly = true);
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), [ChatBody]);

        Assert.Equal("10.0.0.1:8000", result.Headers[Destination]);
        Assert.Equal("10.0.0.1:8000", result.LbMetadata(Destination));
    }

    [Fact]
    public async Task SubsetHint_InMetadataContext_PassedToRouter()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();
        var metadata = ExtProcMessages.SubsetHint("10.0.0.2:8000", "10.0.0.9:8000");

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody], metadata: metadata);

        var hint = Assert.Single(host.Router.Inputs).SubsetHint;
        Assert.NotNull(hint);
        Assert.Equal(["10.0.0.2:8000", "10.0.0.9:8000"], hint.Order(StringComparer.Ordinal));
        Assert.Equal("10.0.0.2:8000", result.Headers[Destination]);
    }

    [Fact]
    public async Task SubsetHint_NothingEligible_Answers503()
    {
        await using var host = await PickerHost.StartAsync();
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody], metadata: ExtProcMessages.SubsetHint("10.9.9.9:1"));

        Assert.NotNull(result.Immediate);
        Assert.Equal(503, (int)result.Immediate.Status.Code);
    }

    public static TheoryData<int> ErrorStatuses => [400, 404, 413, 429, 503];

    [Theory]
    [MemberData(nameof(ErrorStatuses))]
    public async Task RouterError_AnsweredAsImmediateResponseWithOpenAiJson(int status)
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.Error = status switch
        {
            400 => OpenAiError.BadRequest("missing model"),
            404 => OpenAiError.NotFound("unknown model"),
            413 => OpenAiError.TooLarge("too large"),
            429 => OpenAiError.TooManyRequests("shed", TimeSpan.FromSeconds(2.5)),
            _ => OpenAiError.Unavailable("no endpoints"),
        };
        using var session = host.Client.Open();

        var result = await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ChatBody);

        Assert.NotNull(result.Immediate);
        Assert.Equal(status, (int)result.Immediate.Status.Code);
        Assert.Equal(host.Router.Error.ToJsonBytes(), result.Immediate.Body.ToByteArray());
        var headers = result.Immediate.Headers.SetHeaders.ToDictionary(h => h.Header.Key, h => h.Header.RawValue.ToStringUtf8());
        Assert.Equal("application/json", headers["content-type"]);
        if (status == 429)
        {
            Assert.Equal("3", headers["retry-after"]);
        }
        else
        {
            Assert.False(headers.ContainsKey("retry-after"));
        }

        Assert.Equal(0, host.Router.LiveLeases);
    }

    [Fact]
    public async Task RouterThrows_Answers500WithJsonBody()
    {
        await using var host = await PickerHost.StartAsync();
        host.Router.Throw = new InvalidOperationException("boom");
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);

        Assert.NotNull(result.Immediate);
        Assert.Equal(500, (int)result.Immediate.Status.Code);
        Assert.Contains("\"type\":\"internal_error\"", result.ImmediateBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BodyOverPickerLimit_Answers413()
    {
        await using var host = await PickerHost.StartAsync(o => o.MaxRequestBodyBytes = 1000);
        using var session = host.Client.Open();

        var result = await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/completions"), ExtProcMessages.Split(new byte[5000], 600));

        Assert.NotNull(result.Immediate);
        Assert.Equal(413, (int)result.Immediate.Status.Code);
        Assert.Contains("request_too_large", result.ImmediateBody, StringComparison.Ordinal);
        Assert.Empty(host.Router.Inputs);
    }
}
