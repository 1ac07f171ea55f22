using System.Text;
using CsCheck;
using InferenceGateway.Core.Usage;
using InferenceGateway.Proxy.Forwarding;

namespace InferenceGateway.Proxy.Tests;

/// <summary>
/// What the proxy adds around the shared usage parser (its behaviour is tested in Core.Tests): which answers are
/// read, in which framing, which piece carried the first token, and the 1 MiB carry limit.
/// </summary>
public sealed class ResponseAccountingTests
{
    private static (TokenUsage? Usage, int FirstContentAt) Run(string? contentType, byte[] body, IReadOnlyList<int> cuts, int status = 200)
    {
        // A mutable struct: a plain local (a using variable is readonly and would be copied on every call).
        var accounting = new ResponseAccounting();
        try
        {
            accounting.Begin(status, contentType);
            var firstAt = -1;
            var start = 0;
            var piece = 0;
            foreach (var cut in cuts.Append(body.Length))
            {
                if (cut < start)
                {
                    continue;
                }

                if (Observe(ref accounting, body.AsSpan(start, cut - start)))
                {
                    Assert.Equal(-1, firstAt);
                    firstAt = piece;
                }

                piece++;
                start = cut;
            }

            accounting.Complete();
            return (accounting.Usage, firstAt);
        }
        finally
        {
            accounting.Dispose();
        }
    }

    // By ref, the way the exchange hands it on: a by-value parameter would lose every piece it reads.
    private static bool Observe(ref ResponseAccounting accounting, ReadOnlySpan<byte> chunk) => accounting.Observe(chunk);

    [Fact]
    public void Sse_SplitAtEveryPosition_FindsUsageAndFirstContentOnce()
    {
        var body = Encoding.UTF8.GetBytes(UpstreamResponses.ChatSse);

        for (var cut = 0; cut <= body.Length; cut++)
        {
            var result = Run("text/event-stream", body, [cut]);

            Assert.True(new TokenUsage(7, 2, 4) == result.Usage, $"cut at {cut}");
            Assert.True(result.FirstContentAt >= 0, $"no first content with cut at {cut}");
        }
    }

    [Fact]
    public void Sse_RandomSplits_MatchTheUnsplitResult()
    {
        var chat = Encoding.UTF8.GetBytes(UpstreamResponses.ChatSse.Replace("\n", "\r\n", StringComparison.Ordinal));
        var responses = Encoding.UTF8.GetBytes(string.Concat(UpstreamResponses.ResponsesSseEvents));

        Gen.Int[0, chat.Length].Array[0, 12].Sample(cuts =>
        {
            Array.Sort(cuts);
            var result = Run("text/event-stream", chat, cuts);
            return result.Usage == new TokenUsage(7, 2, 4) && result.FirstContentAt >= 0;
        });
        Gen.Int[0, responses.Length].Array[0, 12].Sample(cuts =>
        {
            Array.Sort(cuts);
            var result = Run("text/event-stream", responses, cuts);
            return result.Usage == new TokenUsage(9, 1, 3) && result.FirstContentAt >= 0;
        });
    }

    [Fact]
    public void Sse_FirstContent_IsTheFirstNonEmptyDeltaNotTheRoleChunk()
    {
        var events = UpstreamResponses.ChatSseEvents;
        var body = Encoding.UTF8.GetBytes(string.Concat(events));
        var cuts = new List<int>();
        var position = 0;
        foreach (var sseEvent in events)
        {
            position += Encoding.UTF8.GetByteCount(sseEvent);
            cuts.Add(position);
        }

        var result = Run("Text/Event-Stream; charset=utf-8", body, cuts);

        // Piece 0 is the role-only chunk with empty content; piece 1 carries "Hel".
        Assert.Equal(1, result.FirstContentAt);
    }

    [Fact]
    public void Json_ResponsesBodyWithCharset_ReadAndFirstByteIsFirstToken()
    {
        var result = Run("application/json; charset=utf-8", Encoding.UTF8.GetBytes(UpstreamResponses.ResponsesJson), [1]);

        Assert.Equal(new TokenUsage(5, 6, 2), result.Usage);
        Assert.Equal(0, result.FirstContentAt);
    }

    [Fact]
    public void Json_SplitAtEveryPosition_FindsTheSameUsage()
    {
        var body = Encoding.UTF8.GetBytes(UpstreamResponses.ChatJson);

        for (var cut = 0; cut <= body.Length; cut++)
        {
            Assert.True(new TokenUsage(11, 3, 8) == Run("application/json", body, [cut]).Usage, $"cut at {cut}");
        }
    }

    [Fact]
    public void ErrorStatus_IsNotScanned()
    {
        var result = Run("application/json", Encoding.UTF8.GetBytes(UpstreamResponses.ChatJson), [], status: 500);

        Assert.Null(result.Usage);
        Assert.Equal(-1, result.FirstContentAt);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData(null)]
    public void OtherOrNoContentType_FirstByteCountsButUsageIsNotRead(string? contentType)
    {
        var result = Run(contentType, Encoding.UTF8.GetBytes(UpstreamResponses.ChatJson), [5]);

        Assert.Null(result.Usage);
        Assert.Equal(0, result.FirstContentAt);
    }

    [Fact]
    public void Json_Malformed_GivesUpWithoutThrowing()
    {
        var result = Run("application/json", Encoding.UTF8.GetBytes("""{"usage": oops}"""), [3]);

        Assert.Null(result.Usage);
        Assert.Equal(0, result.FirstContentAt);
    }

    [Fact]
    public void Sse_LineLongerThanTheCarryLimit_IsSkippedAndLaterUsageStillCounts()
    {
        var huge = "data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('a', ResponseAccounting.MaxCarryBytes + 10) + "\"}}]}\n\n";
        var body = Encoding.UTF8.GetBytes(huge + UpstreamResponses.ChatSseEvents[1] + UpstreamResponses.ChatSseEvents[4]);
        var cuts = new List<int>();
        for (var cut = 64 * 1024; cut < body.Length; cut += 64 * 1024)
        {
            cuts.Add(cut);
        }

        var split = Run("text/event-stream", body, cuts);
        var whole = Run("text/event-stream", body, []);

        Assert.Equal(new TokenUsage(7, 2, 4), split.Usage);
        Assert.Equal(split.Usage, whole.Usage);
        Assert.True(split.FirstContentAt > 0, "the huge line is not parsed, the next delta is the first token");
    }

    [Fact]
    public void Json_TokenLongerThanTheCarryLimit_UsageNotReadHoweverSplit()
    {
        var body = Encoding.UTF8.GetBytes("{\"choices\":[{\"message\":{\"content\":\"" + new string('a', ResponseAccounting.MaxCarryBytes + 10) + "\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}");

        Assert.Null(Run("application/json", body, [64 * 1024]).Usage);
        Assert.Null(Run("application/json", body, []).Usage);
    }
}
