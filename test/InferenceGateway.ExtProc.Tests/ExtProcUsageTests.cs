using System.Text;
using InferenceGateway.TestSupport.ExtProc;
using BodySendMode = Envoy.Extensions.Filters.Http.ExtProc.V3.ProcessingMode.Types.BodySendMode;

namespace InferenceGateway.ExtProc.Tests;

/// <summary>
/// How the picker wires the shared usage parser (Core.Tests covers the parser): its content-type mapping and its
/// two limits, over real gRPC streams.
/// </summary>
public sealed class ExtProcUsageTests
{
    private static readonly byte[] ChatBody = Encoding.UTF8.GetBytes("""{"model":"fake-model","messages":[{"role":"user","content":"hi"}]}""");

    private static readonly byte[] UsageJson = Encoding.UTF8.GetBytes("""{"id":"x","choices":[{"message":{"content":"hi"}}],"usage":{"prompt_tokens":5,"completion_tokens":7}}""");

    private static async Task<(int Prompt, int Completion, int Cached)?> UsageAfterAsync(PickerHost host, string contentType, IReadOnlyList<byte[]> chunks, bool fullDuplex = true)
    {
        using var session = host.Client.Open();
        if (fullDuplex)
        {
            await EnvoyFlows.FullDuplexAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), [ChatBody]);
        }
        else
        {
            await EnvoyFlows.BufferedAsync(session, ExtProcMessages.RequestHeaders("/v1/chat/completions"), ChatBody, ExtProcMessages.Protocol(BodySendMode.Buffered, BodySendMode.Streamed));
        }

        await EnvoyFlows.ResponseAsync(session, 200, contentType, chunks, fullDuplex);
        await session.CompleteAsync();
        await host.WaitForNoLiveLeasesAsync();
        return Assert.Single(host.Router.Leases).Usage;
    }

    [Theory]
    [InlineData(0, true)]
    [InlineData(1, false)]
    public async Task JsonBody_AroundMaxResponseBytesForUsage_ReadUpToTheCapOnly(int overBy, bool expectUsage)
    {
        await using var host = await PickerHost.StartAsync(options => options.MaxResponseBytesForUsage = UsageJson.Length - overBy);

        var usage = await UsageAfterAsync(host, "application/json", ExtProcMessages.Split(UsageJson, 16));

        (int, int, int)? expected = expectUsage ? (5, 7, 0) : null;
        Assert.Equal(expected, usage);
    }

    [Fact]
    public async Task NonEventStreamContentType_IsReadAsJson()
    {
        await using var host = await PickerHost.StartAsync();

        var usage = await UsageAfterAsync(host, "text/plain", [UsageJson]);

        Assert.Equal((5, 7, 0), usage);
    }

    [Fact]
    public async Task SseLineOverMaxSseLineBytes_SkippedEvenWhenItArrivesInOneMessage()
    {
        // Before the shared parser a long line that came whole was read; now the cap holds however the body is cut.
        var longLine = "data: {\"pad\":\"" + new string('x', 300) + "\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":9}}\n\n";
        await using var host = await PickerHost.StartAsync(options => options.MaxSseLineBytes = 200);

        var usage = await UsageAfterAsync(host, "text/event-stream", [Encoding.UTF8.GetBytes(longLine), "data: [DONE]\n\n"u8.ToArray()]);

        Assert.Null(usage);
    }

    [Fact]
    public async Task SseWithBareCrLineEndsAndFloatCounts_UsageRead()
    {
        await using var host = await PickerHost.StartAsync();
        var sse = Encoding.UTF8.GetBytes(
            "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}]}\r\r" +
            "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":17.0,\"completion_tokens\":2,\"prompt_tokens_details\":{\"cached_tokens\":1.6e1}}}\r\r" +
            "data: [DONE]\r\r");

        var usage = await UsageAfterAsync(host, "text/event-stream", ExtProcMessages.Split(sse, 11));

        Assert.Equal((17, 2, 16), usage);
    }

    [Theory]
    [InlineData("application/json", true)]
    [InlineData("application/json", false)]
    [InlineData("text/event-stream", true)]
    [InlineData("text/event-stream", false)]
    public async Task UsageObjectCutBetweenTwoBodyMessages_StillRecorded(string contentType, bool fullDuplex)
    {
        // The exchange keeps its usage scanner (a mutable struct) inline: if a message were scanned on a copy, or
        // the scanner set up anew, the half of the usage object carried between the two messages would be lost.
        const string Usage = "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":7,\"prompt_tokens_details\":{\"cached_tokens\":3}}";
        var body = contentType == "application/json"
            ? "{\"id\":\"x\",\"choices\":[{\"message\":{\"content\":\"hi\"}}]," + Usage + "}"
            : "data: {\"choices\":[{\"delta\":{\"content\":\"hi\"}}]}\n\ndata: {\"choices\":[]," + Usage + "}\n\ndata: [DONE]\n\n";
        var bytes = Encoding.UTF8.GetBytes(body);
        var cut = body.IndexOf("\"completion_tokens\"", StringComparison.Ordinal) + 4;
        await using var host = await PickerHost.StartAsync();

        var usage = await UsageAfterAsync(host, contentType, [bytes[..cut], bytes[cut..]], fullDuplex);

        Assert.Equal((5, 7, 3), usage);
    }
}
