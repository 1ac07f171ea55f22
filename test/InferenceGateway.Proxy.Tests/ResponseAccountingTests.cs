using System.Text;
using CsCheck;
using InferenceGateway.Proxy.Forwarding;

namespace InferenceGateway.Proxy.Tests;

public sealed class ResponseAccountingTests
{
    private static (bool HasUsage, int Prompt, int Completion, int Cached, int FirstContentAt) Run(
        string contentType, byte[] body, IReadOnlyList<int> cuts, int status = 200)
    {
        using var accounting = new ResponseAccounting();
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

            if (accounting.Observe(body.AsSpan(start, cut - start)))
            {
                firstAt = piece;
            }

            piece++;
            start = cut;
        }

        accounting.Complete();
        return (accounting.HasUsage, accounting.PromptTokens, accounting.CompletionTokens, accounting.CachedPromptTokens, firstAt);
    }

    [Fact]
    public void Json_SplitAtEveryPosition_FindsTheSameUsage()
    {
        var body = Encoding.UTF8.GetBytes(UpstreamResponses.ChatJson);

        for (var cut = 0; cut <= body.Length; cut++)
        {
            var result = Run("application/json", body, [cut]);

            Assert.True(result.HasUsage, $"cut at {cut}");
            Assert.Equal((11, 3, 8), (result.Prompt, result.Completion, result.Cached));
        }
    }

    [Fact]
    public void Sse_SplitAtEveryPosition_FindsUsageAndFirstContentOnce()
    {
        var body = Encoding.UTF8.GetBytes(UpstreamResponses.ChatSse);

        for (var cut = 0; cut <= body.Length; cut++)
        {
            var result = Run("text/event-stream", body, [cut]);

            Assert.True(result.HasUsage, $"cut at {cut}");
            Assert.Equal((7, 2, 4), (result.Prompt, result.Completion, result.Cached));
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
            return result.HasUsage && (result.Prompt, result.Completion, result.Cached) == (7, 2, 4) && result.FirstContentAt >= 0;
        });
        Gen.Int[0, responses.Length].Array[0, 12].Sample(cuts =>
        {
            Array.Sort(cuts);
            var result = Run("text/event-stream", responses, cuts);
            return result.HasUsage && (result.Prompt, result.Completion, result.Cached) == (9, 1, 3) && result.FirstContentAt >= 0;
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

        var result = Run("text/event-stream", body, cuts);

        // Piece 0 is the role-only chunk with empty content; piece 1 carries "Hel".
        Assert.Equal(1, result.FirstContentAt);
    }

    [Fact]
    public void Json_ResponsesUsageNames_AreRead()
    {
        var result = Run("application/json; charset=utf-8", Encoding.UTF8.GetBytes(UpstreamResponses.ResponsesJson), []);

        Assert.Equal((true, 5, 6, 2), (result.HasUsage, result.Prompt, result.Completion, result.Cached));
        Assert.Equal(0, result.FirstContentAt);
    }

    [Fact]
    public void Json_UsageNamesInsideStringsOrOtherObjects_AreIgnored()
    {
        const string Body = """{"choices":[{"message":{"content":"\"usage\":{\"prompt_tokens\":99}","tool":{"prompt_tokens":42}}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}""";

        var result = Run("application/json", Encoding.UTF8.GetBytes(Body), [20, 40]);

        Assert.Equal((true, 1, 2, 0), (result.HasUsage, result.Prompt, result.Completion, result.Cached));
    }

    [Fact]
    public void ErrorStatus_IsNotScanned()
    {
        var result = Run("application/json", Encoding.UTF8.GetBytes(UpstreamResponses.ChatJson), [], status: 500);

        Assert.False(result.HasUsage);
        Assert.Equal(-1, result.FirstContentAt);
    }

    [Fact]
    public void Json_Malformed_GivesUpWithoutThrowing()
    {
        var result = Run("application/json", Encoding.UTF8.GetBytes("""{"usage": oops}"""), [3]);

        Assert.False(result.HasUsage);
    }

    [Fact]
    public void Sse_LineLongerThanTheCarryLimit_IsSkippedAndLaterUsageStillCounts()
    {
        var huge = "data: {\"choices\":[{\"delta\":{\"content\":\"" + new string('a', ResponseAccounting.MaxCarryBytes + 10) + "\"}}]}\n\n";
        var body = Encoding.UTF8.GetBytes(huge + UpstreamResponses.ChatSseEvents[4]);
        var cuts = new List<int>();
        for (var cut = 64 * 1024; cut < body.Length; cut += 64 * 1024)
        {
            cuts.Add(cut);
        }

        var result = Run("text/event-stream", body, cuts);

        Assert.Equal((true, 7, 2, 4), (result.HasUsage, result.Prompt, result.Completion, result.Cached));
    }
}
