using System.Text;
using CsCheck;
using InferenceGateway.Core.Usage;

namespace InferenceGateway.Core.Tests.Usage;

public sealed class UsageScannerTests
{
    private static readonly UsageParserLimits Roomy = new(1 << 20, 1 << 16, 1 << 16);

    // As vLLM writes them.
    private const string ChatJson =
        """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":8}}}""";

    private static readonly string[] ChatSseEvents =
    [
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n",
        "data: [DONE]\n\n",
    ];

    private static readonly string[] ResponsesSseEvents =
    [
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"usage\":null}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1,\"total_tokens\":10,\"input_tokens_details\":{\"cached_tokens\":3}}}}\n\n",
    ];

    private const string MixedSse =
        "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n" +
        ": keep-alive comment\n\n" +
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":33,\"prompt_tokens_details\":{\"cached_tokens\":96}}}\r\n\r\n" +
        "data: [DONE]\n\n";

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Feeds the body cut at the given (sorted, possibly repeated or out of range) positions.</summary>
    internal static TokenUsage? Parse(UsageBodyFormat format, byte[] body, IEnumerable<int> cuts, UsageParserLimits? limits = null)
    {
        var scanner = new UsageScanner(format, limits ?? Roomy);
        try
        {
            var start = 0;
            foreach (var cut in cuts)
            {
                var end = Math.Clamp(cut, start, body.Length);
                scanner.Append(body.AsSpan(start, end - start));
                start = end;
            }

            scanner.Append(body.AsSpan(start));
            return scanner.Complete();
        }
        finally
        {
            scanner.Dispose();
        }
    }

    private static TokenUsage? ParseWhole(UsageBodyFormat format, string body, UsageParserLimits? limits = null) =>
        Parse(format, Utf8(body), [], limits);

    private static int[] Every(int step, int length)
    {
        var cuts = new List<int>();
        for (var cut = step; cut < length; cut += step)
        {
            cuts.Add(cut);
        }

        return [.. cuts];
    }

    [Fact]
    public void Complete_JsonBodyInSmallChunks_ReadsChatUsage()
    {
        var json = Utf8("""{"id":"x","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0}}}""");

        Assert.Equal(new TokenUsage(3, 4, 2), Parse(UsageBodyFormat.Sniff, json, Every(5, json.Length)));
    }

    [Fact]
    public void Complete_ResponsesApiJson_ReadsInputOutputNames()
    {
        const string Json = """{"object":"response","output":[{"content":[{"text":"usage"}]}],"usage":{"input_tokens":9,"output_tokens":1,"input_tokens_details":{"cached_tokens":4},"output_tokens_details":{"reasoning_tokens":0}}}""";

        Assert.Equal(new TokenUsage(9, 1, 4), ParseWhole(UsageBodyFormat.Json, Json));
    }

    [Fact]
    public void Complete_JsonSplitAtEveryPosition_SameUsage()
    {
        var body = Utf8(ChatJson);

        for (var cut = 0; cut <= body.Length; cut++)
        {
            Assert.True(new TokenUsage(11, 3, 8) == Parse(UsageBodyFormat.Json, body, [cut]), $"cut at {cut}");
        }
    }

    [Fact]
    public void Complete_SseSplitAtEveryPosition_SameUsage()
    {
        var body = Utf8(string.Concat(ChatSseEvents));

        for (var cut = 0; cut <= body.Length; cut++)
        {
            Assert.True(new TokenUsage(7, 2, 4) == Parse(UsageBodyFormat.EventStream, body, [cut]), $"cut at {cut}");
        }
    }

    [Fact]
    public void Complete_ResponsesApiStream_ReadsUsageNestedUnderResponse()
    {
        Assert.Equal(new TokenUsage(9, 1, 3), ParseWhole(UsageBodyFormat.EventStream, string.Concat(ResponsesSseEvents)));
    }

    [Fact]
    public void Complete_NoUsage_ReturnsNull()
    {
        Assert.Null(ParseWhole(UsageBodyFormat.Sniff, """{"usage":null,"choices":[]}"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, "not json at all"));
        Assert.Null(ParseWhole(UsageBodyFormat.Sniff, "data: {\"usage\": {\"prompt_tokens\": \"x\"}}\n\n"));
        Assert.Null(ParseWhole(UsageBodyFormat.EventStream, "data: [DONE]\n\n"));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, ""));
    }

    [Fact]
    public void Complete_UsageWithoutPromptOrCompletionCount_IsNotUsage()
    {
        // An empty usage object, or one with only total_tokens, reports nothing: recording zeros would be wrong.
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"usage":{}}"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"usage":{"total_tokens":9}}"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":null,"completion_tokens":"2"}}"""));
    }

    [Fact]
    public void Complete_EmbeddingsUsage_PromptOnlyCounts()
    {
        Assert.Equal(new TokenUsage(3, 0, 0), ParseWhole(UsageBodyFormat.Json, """{"object":"list","usage":{"prompt_tokens":3,"total_tokens":3}}"""));
    }

    [Fact]
    public void Complete_MissingOrNullDetails_CachedIsZero()
    {
        Assert.Equal(new TokenUsage(5, 7, 0), ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":5,"completion_tokens":7}}"""));
        Assert.Equal(new TokenUsage(5, 7, 0), ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":5,"completion_tokens":7,"prompt_tokens_details":null}}"""));
        Assert.Equal(new TokenUsage(5, 7, 0), ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens_details":{},"prompt_tokens":5,"completion_tokens":7}}"""));
    }

    [Theory]
    [InlineData("12", 12)]
    [InlineData("12.0", 12)]
    [InlineData("1.2e1", 12)]
    [InlineData("1E3", 1000)]
    [InlineData("0", 0)]
    [InlineData("12.5", null)]
    [InlineData("-1", null)]
    [InlineData("3e10", null)]
    [InlineData("2147483648", null)]
    [InlineData("\"12\"", null)]
    [InlineData("true", null)]
    [InlineData("[12]", null)]
    public void Complete_PromptCountForms_WholeNonNegativeNumbersOnly(string written, int? expected)
    {
        var usage = ParseWhole(UsageBodyFormat.Json, "{\"usage\":{\"prompt_tokens\":" + written + ",\"completion_tokens\":1,\"prompt_tokens_details\":{\"cached_tokens\":" + written + "}}}");

        Assert.Equal(new TokenUsage(expected ?? 0, 1, expected ?? 0), usage);
    }

    [Fact]
    public void Complete_InvalidDuplicateCount_KeepsTheValidOne()
    {
        Assert.Equal(new TokenUsage(4, 1, 0), ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":4,"prompt_tokens":-3,"completion_tokens":1}}"""));
    }

    [Fact]
    public void Complete_UsageNamesInsideStringsOrOtherObjects_AreIgnored()
    {
        const string Body = """{"choices":[{"message":{"content":"\"usage\":{\"prompt_tokens\":99}","tool":{"prompt_tokens":42}}}],"usage":{"prompt_tokens":1,"completion_tokens":2}}""";

        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.Json, Utf8(Body), [20, 40]));
    }

    [Fact]
    public void Complete_UsageAwayFromTopLevelOrResponse_IsIgnored()
    {
        // Only the top-level usage (and response.usage) is the server's report; deeper objects are payload.
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"choices":[{"message":{"usage":{"prompt_tokens":5,"completion_tokens":1}}}]}"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"metadata":{"usage":{"prompt_tokens":5,"completion_tokens":1}}}"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"response":{"output":{"usage":{"prompt_tokens":5,"completion_tokens":1}}}}"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Sniff, """[{"usage":{"prompt_tokens":5,"completion_tokens":1}}]"""));
        Assert.Equal(
            new TokenUsage(2, 3, 0),
            ParseWhole(UsageBodyFormat.Json, """{"meta":{"usage":{"prompt_tokens":5,"completion_tokens":1}},"usage":{"prompt_tokens":2,"completion_tokens":3}}"""));
    }

    [Fact]
    public void Complete_MalformedJson_StopsWithoutThrowing()
    {
        var scanner = new UsageScanner(UsageBodyFormat.Json, Roomy);
        scanner.Append("""{"usage": oo"""u8);
        scanner.Append("""ps}"""u8);
        var usage = scanner.Complete();
        scanner.Dispose();

        Assert.Null(usage);
        Assert.True(scanner.Stopped);
    }

    [Fact]
    public void Complete_MalformedOrTruncatedAfterACompleteUsage_KeepsTheUsage()
    {
        var scanner = new UsageScanner(UsageBodyFormat.Json, Roomy);
        scanner.Append("""{"usage":{"prompt_tokens":1,"completion_tokens":2}, oops"""u8);
        var usage = scanner.Complete();
        scanner.Dispose();

        Assert.Equal(new TokenUsage(1, 2, 0), usage);
        Assert.True(scanner.Stopped);
        Assert.Equal(new TokenUsage(1, 2, 0), ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":1,"completion_tokens":2},"choices":[{"mess"""));
        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":1,"completion_tokens":2"""));
    }

    [Fact]
    public void Complete_JsonOverBodyCap_GivesUpWithoutThrowing()
    {
        // The token cap is roomy so only the body cap can stop the scan.
        var limits = new UsageParserLimits(10, 1 << 16, 100);

        Assert.Null(ParseWhole(UsageBodyFormat.Json, """{"usage":{"prompt_tokens":1,"completion_tokens":1}}""", limits));
    }

    [Fact]
    public void Complete_JsonTokenOverCap_StopsWhetherOrNotTheTokenIsSplit()
    {
        var body = Utf8("{\"choices\":[{\"message\":{\"content\":\"" + new string('a', 200) + "\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}");
        var tight = new UsageParserLimits(1 << 20, 100, 100);

        Assert.Null(Parse(UsageBodyFormat.Json, body, [], tight));
        Assert.Null(Parse(UsageBodyFormat.Json, body, [60], tight));
        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.Json, body, [60], new UsageParserLimits(1 << 20, 200, 100)));
    }

    [Fact]
    public void Complete_SseWithLastLineUnterminated_ReadsUsage()
    {
        var sse = Utf8("data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}");

        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.Sniff, sse, [10]));
    }

    [Fact]
    public void Complete_SseLineEndings_LfCrLfAndBareCrAllEndALine()
    {
        const string Usage = "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}";
        const string Later = "data: {\"usage\":{\"prompt_tokens\":3,\"completion_tokens\":4}}";

        foreach (var end in new[] { "\n", "\r\n", "\r" })
        {
            var body = Utf8(Usage + end + end + Later + end + end + "data: [DONE]" + end + end);
            for (var cut = 0; cut <= body.Length; cut++)
            {
                Assert.True(new TokenUsage(3, 4, 0) == Parse(UsageBodyFormat.EventStream, body, [cut]), $"line end {end.Length} bytes, cut at {cut}");
            }
        }
    }

    [Fact]
    public void Complete_SseDataFieldSpacing_AnyBlankBeforeTheObject()
    {
        Assert.Equal(new TokenUsage(1, 2, 0), ParseWhole(UsageBodyFormat.EventStream, "data:{\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n"));
        Assert.Equal(new TokenUsage(1, 2, 0), ParseWhole(UsageBodyFormat.EventStream, "data:   {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n"));
        Assert.Null(ParseWhole(UsageBodyFormat.EventStream, "event: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n"));
        Assert.Null(ParseWhole(UsageBodyFormat.EventStream, " data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n"));
    }

    [Fact]
    public void Complete_SseLaterInvalidOrNullUsage_KeepsTheLastValidOne()
    {
        const string Body =
            "data: {\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":1}}\n\n" +
            "data: {\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2}}\n\n" +
            "data: {\"usage\":null}\n\n" +
            "data: {\"usage\":{}}\n\n" +
            "data: {\"usage\":{\"prompt_tokens\":\"x\"}}\n\n" +
            "data: {\"usage\":{\"prompt_tokens\":9, broken\n\n" +
            "data: [DONE]\n\n";

        Assert.Equal(new TokenUsage(5, 2, 0), ParseWhole(UsageBodyFormat.EventStream, Body));
    }

    [Fact]
    public void Complete_SseMalformedEvent_LaterEventsStillRead()
    {
        const string Body = "data: {\"usage\": oops}\n\ndata: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n";

        Assert.Equal(new TokenUsage(1, 2, 0), ParseWhole(UsageBodyFormat.EventStream, Body));
    }

    [Fact]
    public void Complete_SseLineOverCap_SkipsThatLineOnlyHoweverItIsSplit()
    {
        var longLine = "data: {\"pad\":\"" + new string('x', 300) + "\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":9}}\n\n";
        var data = Utf8(longLine + "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n");
        var limits = new UsageParserLimits(1 << 20, 1 << 16, 100);

        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.EventStream, data, Every(7, data.Length), limits));
        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.EventStream, data, [], limits));
    }

    [Fact]
    public void Complete_SseLineOfExactlyTheCap_IsRead()
    {
        const string Line = "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}";
        var data = Utf8(Line + "\r\n");
        var limits = new UsageParserLimits(1 << 20, 1 << 16, Line.Length);

        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.EventStream, data, Every(3, data.Length), limits));
        Assert.Null(Parse(UsageBodyFormat.EventStream, data, Every(3, data.Length), limits with { MaxSseLineBytes = Line.Length - 1 }));
        Assert.Null(Parse(UsageBodyFormat.EventStream, data, [], limits with { MaxSseLineBytes = Line.Length - 1 }));
    }

    [Fact]
    public void Complete_NonUtf8BytesInGeneratedText_UsageStillRead()
    {
        var json = Utf8("{\"choices\":[{\"message\":{\"content\":\"ab\"}}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}").ToList();
        json.InsertRange(json.IndexOf((byte)'b'), new byte[] { 0xFF, 0xC3, 0x28 });
        var body = json.ToArray();
        var sse = "data: "u8.ToArray().Concat(body).Concat("\n\n"u8.ToArray()).ToArray();

        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.Json, body, [30]));
        Assert.Equal(new TokenUsage(1, 2, 0), Parse(UsageBodyFormat.EventStream, sse, [30]));
    }

    [Fact]
    public void Complete_SniffedFormat_LeadingBlankChunksThenJsonOrSse()
    {
        var json = new UsageScanner(UsageBodyFormat.Sniff, Roomy);
        json.Append(" \r\n"u8);
        json.Append("""  {"usage":{"prompt_tokens":1,"completion_tokens":2}}"""u8);
        var usage = json.Complete();
        json.Dispose();

        Assert.Equal(new TokenUsage(1, 2, 0), usage);
        Assert.Equal(new TokenUsage(7, 2, 4), ParseWhole(UsageBodyFormat.Sniff, "\n" + string.Concat(ChatSseEvents)));
    }

    [Fact]
    public void Scanner_Default_ReadsNothingAndDoesNotThrow()
    {
        // What the proxy's accounting and the ext_proc exchange hold before a response body begins (and the
        // proxy's for bodies it does not read).
        var json = default(UsageScanner);
        json.Append(Utf8(ChatSseEvents[4]["data: ".Length..]));
        var sse = default(UsageScanner);
        sse.Append(Utf8("event: x\n" + ChatSseEvents[4]));

        Assert.Null(json.Complete());
        Assert.Null(sse.Complete());
        json.Dispose();
        sse.Dispose();
    }

    [Fact]
    public void Scanner_FedFiveBytesAtATime_SeesContentAndReadsUsage()
    {
        var body = Utf8(string.Concat(ChatSseEvents));
        var scanner = new UsageScanner(UsageBodyFormat.EventStream, Roomy, detectFirstContent: true);
        try
        {
            for (var i = 0; i < body.Length; i += 5)
            {
                scanner.Append(body.AsSpan(i, Math.Min(5, body.Length - i)));
            }

            Assert.True(scanner.FirstContentSeen);
            Assert.Equal(new TokenUsage(7, 2, 4), scanner.Complete());
        }
        finally
        {
            scanner.Dispose();
        }
    }

    [Fact]
    public void Usage_SseBeforeComplete_IsTheLatestCompleteEvent()
    {
        var scanner = new UsageScanner(UsageBodyFormat.EventStream, Roomy);
        scanner.Append(Utf8(ChatSseEvents[4]));
        var usage = scanner.Usage;
        scanner.Dispose();

        Assert.Equal(new TokenUsage(7, 2, 4), usage);
    }

    [Fact]
    public void FirstContentSeen_RoleChunkWithEmptyContent_DoesNotCountButTheFirstDeltaDoes()
    {
        var scanner = new UsageScanner(UsageBodyFormat.EventStream, Roomy, detectFirstContent: true);

        scanner.Append(Utf8(ChatSseEvents[0]));
        var afterRole = scanner.FirstContentSeen;
        scanner.Append(Utf8(ChatSseEvents[1]));
        var afterDelta = scanner.FirstContentSeen;
        scanner.Dispose();

        Assert.False(afterRole);
        Assert.True(afterDelta);
    }

    [Fact]
    public void FirstContentSeen_WithoutDetection_StaysFalse()
    {
        var scanner = new UsageScanner(UsageBodyFormat.EventStream, Roomy);
        scanner.Append(Utf8(string.Concat(ChatSseEvents)));
        var usage = scanner.Complete();
        scanner.Dispose();

        Assert.False(scanner.FirstContentSeen);
        Assert.Equal(new TokenUsage(7, 2, 4), usage);
    }

    [Fact]
    public void Complete_FixedStreamsSplitRandomly_SameUsageAsWhole()
    {
        var mixed = Utf8(MixedSse);
        var chatCrLf = Utf8(string.Concat(ChatSseEvents).Replace("\n", "\r\n", StringComparison.Ordinal));
        var responses = Utf8(string.Concat(ResponsesSseEvents));
        Assert.Equal(new TokenUsage(120, 33, 96), Parse(UsageBodyFormat.Sniff, mixed, []));

        Gen.Int[0, mixed.Length].Array[0, 40].Sample(cuts =>
        {
            Array.Sort(cuts);
            return Parse(UsageBodyFormat.Sniff, mixed, cuts) == new TokenUsage(120, 33, 96);
        });
        Gen.Int[0, chatCrLf.Length].Array[0, 12].Sample(cuts =>
        {
            Array.Sort(cuts);
            return Parse(UsageBodyFormat.EventStream, chatCrLf, cuts) == new TokenUsage(7, 2, 4);
        });
        Gen.Int[0, responses.Length].Array[0, 12].Sample(cuts =>
        {
            Array.Sort(cuts);
            return Parse(UsageBodyFormat.EventStream, responses, cuts) == new TokenUsage(9, 1, 3);
        });
    }
}
