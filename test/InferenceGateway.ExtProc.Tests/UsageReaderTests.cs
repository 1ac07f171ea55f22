using System.Text;
using CsCheck;
using InferenceGateway.ExtProc.Processing;

namespace InferenceGateway.ExtProc.Tests;

public sealed class UsageReaderTests
{
    private const string Sse =
        "data: {\"choices\":[{\"delta\":{\"content\":\"a\"}}],\"usage\":null}\n\n" +
        ": keep-alive comment\n\n" +
        "data: {\"choices\":[],\"usage\":{\"prompt_tokens\":120,\"completion_tokens\":33,\"prompt_tokens_details\":{\"cached_tokens\":96}}}\r\n\r\n" +
        "data: [DONE]\n\n";

    private static TokenUsage? Read(byte[] data, IEnumerable<int> chunkSizes, bool? eventStream = null)
    {
        using var reader = new UsageReader(1 << 20, 1 << 16, eventStream);
        var offset = 0;
        foreach (var size in chunkSizes)
        {
            if (offset >= data.Length)
            {
                break;
            }

            var length = Math.Min(size, data.Length - offset);
            reader.Append(data.AsSpan(offset, length));
            offset += length;
        }

        reader.Append(data.AsSpan(offset));
        return reader.Complete();
    }

    [Fact]
    public void Complete_JsonBody_ReadsChatUsage()
    {
        var json = Encoding.UTF8.GetBytes("""{"id":"x","usage":{"prompt_tokens":3,"completion_tokens":4,"total_tokens":7,"prompt_tokens_details":{"cached_tokens":2,"audio_tokens":0}}}""");

        Assert.Equal(new TokenUsage(3, 4, 2), Read(json, [5, 5, 5]));
    }

    [Fact]
    public void Complete_ResponsesApiJson_ReadsInputOutputNames()
    {
        var json = Encoding.UTF8.GetBytes("""{"object":"response","output":[{"content":[{"text":"usage"}]}],"usage":{"input_tokens":9,"output_tokens":1,"input_tokens_details":{"cached_tokens":4}}}""");

        Assert.Equal(new TokenUsage(9, 1, 4), Read(json, [json.Length]));
    }

    [Fact]
    public void Complete_NoUsage_ReturnsNull()
    {
        Assert.Null(Read(Encoding.UTF8.GetBytes("""{"usage":null,"choices":[]}"""), [3]));
        Assert.Null(Read(Encoding.UTF8.GetBytes("not json at all"), [3], eventStream: false));
        Assert.Null(Read(Encoding.UTF8.GetBytes("data: {\"usage\": {\"prompt_tokens\": \"x\"}}\n\n"), [3]));
    }

    [Fact]
    public void Complete_JsonOverCap_GivesUpWithoutThrowing()
    {
        using var reader = new UsageReader(10, 100, eventStream: false);
        reader.Append("""{"usage":{"prompt_tokens":1,"completion_tokens":1}}"""u8);

        Assert.Null(reader.Complete());
    }

    [Fact]
    public void Complete_SseWithLastLineUnterminated_ReadsUsage()
    {
        var sse = Encoding.UTF8.GetBytes("data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}");

        Assert.Equal(new TokenUsage(1, 2, 0), Read(sse, [10]));
    }

    [Fact]
    public void Complete_SseSplitAnywhere_SameUsageAsWhole()
    {
        var data = Encoding.UTF8.GetBytes(Sse);
        var expected = new TokenUsage(120, 33, 96);
        Assert.Equal(expected, Read(data, [data.Length]));

        Gen.Int[1, 40].Array[1, 60].Sample(sizes => Read(data, sizes) == expected);
    }

    [Fact]
    public void Complete_SseLineOverCap_SkipsThatLineOnly()
    {
        var longLine = "data: {\"pad\":\"" + new string('x', 300) + "\",\"usage\":{\"prompt_tokens\":9,\"completion_tokens\":9}}\n\n";
        var data = Encoding.UTF8.GetBytes(longLine + "data: {\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":2}}\n\n");
        using var reader = new UsageReader(1 << 20, 100, eventStream: true);
        foreach (var chunk in data.Chunk(7))
        {
            reader.Append(chunk);
        }

        Assert.Equal(new TokenUsage(1, 2, 0), reader.Complete());
    }
}
