using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Requests;

namespace InferenceGateway.Core.Tests.Requests;

public sealed class RequestParserTests
{
    private const int Limit = RequestParser.DefaultMaxBodyBytes;
    private const int Depth = RequestParser.DefaultMaxJsonDepth;

    public static TheoryData<string, RequestKind, string, string, bool, bool, int?, string> ValidBodies() => new()
    {
        // name, kind, body, model, stream, includeUsage, maxTokens, prompt bytes (as text)
        {
            "completions string prompt", RequestKind.Completions,
            """{"model":"llama","prompt":"Hello world","max_tokens":16}""",
            "llama", false, false, 16, "Hello world"
        },
        {
            "completions prompt array of strings", RequestKind.Completions,
            """{"prompt": ["a", "bc"], "model": "llama", "stream": true}""",
            "llama", true, false, null, """["a", "bc"]"""
        },
        {
            "completions prompt of token ids", RequestKind.Completions,
            """{"model":"llama","prompt":[1, 2, 3],"max_tokens":null}""",
            "llama", false, false, null, "[1, 2, 3]"
        },
        {
            "completions prompt batches of token ids", RequestKind.Completions,
            """{"model":"llama","prompt":[[1,2],[3]]}""",
            "llama", false, false, null, "[[1,2],[3]]"
        },
        {
            "chat messages raw json", RequestKind.ChatCompletions,
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}",
            "m", true, true, null, "[{\"role\":\"user\",\"content\":\"hi\"}]"
        },
        {
            "chat max_completion_tokens preferred", RequestKind.ChatCompletions,
            """{"model":"m","max_tokens":5,"max_completion_tokens":7,"messages":[]}""",
            "m", false, false, 7, "[]"
        },
        {
            "chat odd whitespace", RequestKind.ChatCompletions,
            "\r\n\t{ \"model\" :\t\"m\" ,\n \"messages\" : [ ] ,\"stream\" : false }  \n",
            "m", false, false, null, "[ ]"
        },
        {
            "chat unicode content", RequestKind.ChatCompletions,
            """{"model":"modèle-日本","messages":[{"role":"user","content":"héllo 👋"}]}""",
            "modèle-日本", false, false, null, """[{"role":"user","content":"héllo 👋"}]"""
        },
        {
            "escaped model name", RequestKind.ChatCompletions,
            """{"model":"org\/m\u00e9\"x","messages":[]}""",
            "org/mé\"x", false, false, null, "[]"
        },
        {
            "escaped property names", RequestKind.Completions,
            """{"mod\u0065l":"llama","\u0070rompt":"p","str\u0065am":true}""",
            "llama", true, false, null, "p"
        },
        {
            "escaped prompt is unescaped", RequestKind.Completions,
            """{"model":"llama","prompt":"caf\u00e9\n"}""",
            "llama", false, false, null, "café\n"
        },
        {
            "responses string input", RequestKind.Responses,
            """{"model":"m","input":"tell me","max_output_tokens":100,"stream":null}""",
            "m", false, false, 100, "tell me"
        },
        {
            "responses array input", RequestKind.Responses,
            """{"model":"m","input":[{"role":"user","content":"x"}]}""",
            "m", false, false, null, """[{"role":"user","content":"x"}]"""
        },
        {
            "embeddings input", RequestKind.Embeddings,
            """{"input":["one","two"],"model":"embed","encoding_format":"float"}""",
            "embed", false, false, null, """["one","two"]"""
        },
        {
            "unknown fields of every type are skipped", RequestKind.ChatCompletions,
            """{"model":"m","temperature":0.5,"tools":[{"type":"function","function":{"name":"f","parameters":{"a":[1,{"b":null}]}}}],"n":1,"logprobs":false,"messages":[],"stream_options":{"x":[1],"include_usage":false}}""",
            "m", false, false, null, "[]"
        },
        {
            "nested model keys are not the model", RequestKind.ChatCompletions,
            """{"metadata":{"model":"evil"},"tools":[{"model":"evil2"}],"model":"m","messages":[{"model":"x"}]}""",
            "m", false, false, null, """[{"model":"x"}]"""
        },
        {
            "stream_options null", RequestKind.ChatCompletions,
            """{"model":"m","messages":[],"stream_options":null}""",
            "m", false, false, null, "[]"
        },
        {
            "missing prompt field is allowed", RequestKind.Responses,
            """{"model":"m","previous_response_id":"r1"}""",
            "m", false, false, null, ""
        },
    };

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void TryParse_ValidBody_ExtractsRoutingFields(
        string name, RequestKind kind, string json, string model, bool stream, bool includeUsage, int? maxTokens, string prompt)
    {
        // Arrange
        var body = Encoding.UTF8.GetBytes(json);

        // Act
        var ok = RequestParser.TryParse(kind, body, Limit, Depth, out var parsed, out var error);

        // Assert
        Assert.True(ok, $"{name}: {error?.Message}");
        Assert.Equal(kind, parsed.Kind);
        Assert.Equal(model, parsed.Model);
        Assert.Equal(stream, parsed.Stream);
        Assert.Equal(includeUsage, parsed.IncludeUsage);
        Assert.Equal(maxTokens, parsed.MaxTokens);
        Assert.Equal(prompt, Encoding.UTF8.GetString(parsed.PromptBytes.Span));

        // The recorded offsets delimit the raw model token (quotes included), whatever its escaping.
        var token = body.AsSpan(parsed.ModelTokenStart, parsed.ModelTokenEnd - parsed.ModelTokenStart);
        Assert.Equal(model, JsonSerializer.Deserialize<string>(token));
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":"plain text"}""")]
    [InlineData("""{"model":"m","prompt":["a","b"]}""")]
    public void TryParse_UnescapedPrompt_IsSliceOfBodyWithoutCopy(string json)
    {
        // Arrange
        var body = Encoding.UTF8.GetBytes(json);

        // Act
        Assert.True(RequestParser.TryParse(RequestKind.Completions, body, Limit, Depth, out var parsed, out _));

        // Assert
        Assert.True(MemoryMarshal.TryGetArray(parsed.PromptBytes, out var segment));
        Assert.Same(body, segment.Array);
    }

    [Fact]
    public void TryParse_ChatMessages_IsExactRawSliceIncludingWhitespace()
    {
        // Arrange
        const string Messages = "[ {\"role\" : \"system\", \"content\":\"be \\\"brief\\\"\"},\n  {\"role\":\"user\",\"content\":\"\\u00e9\"} ]";
        var body = Encoding.UTF8.GetBytes("{\"messages\": " + Messages + " , \"model\":\"m\"}");

        // Act
        Assert.True(RequestParser.TryParse(RequestKind.ChatCompletions, body, Limit, Depth, out var parsed, out _));

        // Assert
        Assert.Equal(Messages, Encoding.UTF8.GetString(parsed.PromptBytes.Span));
        Assert.True(MemoryMarshal.TryGetArray(parsed.PromptBytes, out var segment));
        Assert.Same(body, segment.Array);
    }

    [Theory]
    [InlineData("""{"model":"m","prompt":""}""", 0)]
    [InlineData("""{"model":"m","prompt":"abcd"}""", 1)]
    [InlineData("""{"model":"m","prompt":"abcde"}""", 2)]
    [InlineData("""{"model":"m","prompt":["abcd","abcd"]}""", 2)]
    [InlineData("""{"model":"m","prompt":[101, 102, 103]}""", 3)]
    [InlineData("""{"model":"m","prompt":[[1,2],[3,4,5]]}""", 5)]
    public void TryParse_Prompt_EstimatesTokensFromTextBytesAndTokenIds(string json, int expected)
    {
        // Arrange
        var body = Encoding.UTF8.GetBytes(json);

        // Act
        Assert.True(RequestParser.TryParse(RequestKind.Completions, body, Limit, Depth, out var parsed, out _));

        // Assert
        Assert.Equal(expected, parsed.EstimatedPromptTokens);
    }

    [Fact]
    public void TryParse_ChatMessages_EstimateCountsStringValuesOnly()
    {
        // Arrange: "user" (4) + 12 chars of content = 16 bytes -> 4 tokens; property names are not counted.
        var body = """{"model":"m","messages":[{"role":"user","content":"abcdefghijkl"}]}"""u8.ToArray();

        // Act
        Assert.True(RequestParser.TryParse(RequestKind.ChatCompletions, body, Limit, Depth, out var parsed, out _));

        // Assert
        Assert.Equal(4, parsed.EstimatedPromptTokens);
    }

    public static TheoryData<RequestKind, string, int, string> InvalidBodies() => new()
    {
        { RequestKind.ChatCompletions, "", 400, "empty" },
        { RequestKind.ChatCompletions, "   \n ", 400, "empty" },
        { RequestKind.ChatCompletions, "[]", 400, "must be a JSON object" },
        { RequestKind.ChatCompletions, "\"model\"", 400, "must be a JSON object" },
        { RequestKind.ChatCompletions, "42", 400, "must be a JSON object" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\"", 400, "not valid JSON" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",}", 400, "not valid JSON" },
        { RequestKind.ChatCompletions, "{model:\"m\"}", 400, "not valid JSON" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\"} {}", 400, "not valid JSON" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\" /* c */}", 400, "not valid JSON" },
        { RequestKind.ChatCompletions, "{\"messages\":[]}", 400, "\"model\" is required" },
        { RequestKind.ChatCompletions, "{\"model\":null,\"messages\":[]}", 400, "\"model\" must be a string" },
        { RequestKind.ChatCompletions, "{\"model\":7,\"messages\":[]}", 400, "\"model\" must be a string" },
        { RequestKind.ChatCompletions, "{\"model\":[\"m\"],\"messages\":[]}", 400, "\"model\" must be a string" },
        { RequestKind.ChatCompletions, "{\"model\":\"\",\"messages\":[]}", 400, "must not be empty" },
        { RequestKind.ChatCompletions, "{\"model\":\"a\",\"model\":\"b\"}", 400, "duplicate \"model\"" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"stream\":\"true\"}", 400, "\"stream\" must be a boolean" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"stream\":1}", 400, "\"stream\" must be a boolean" },
        { RequestKind.Completions, "{\"model\":\"m\",\"max_tokens\":\"16\"}", 400, "\"max_tokens\" must be a non-negative integer" },
        { RequestKind.Completions, "{\"model\":\"m\",\"max_tokens\":1.5}", 400, "\"max_tokens\" must be a non-negative integer" },
        { RequestKind.Completions, "{\"model\":\"m\",\"max_tokens\":-1}", 400, "\"max_tokens\" must be a non-negative integer" },
        { RequestKind.Completions, "{\"model\":\"m\",\"max_tokens\":3000000000}", 400, "\"max_tokens\" must be a non-negative integer" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"max_completion_tokens\":true}", 400, "\"max_completion_tokens\" must be" },
        { RequestKind.Responses, "{\"model\":\"m\",\"max_output_tokens\":{}}", 400, "\"max_output_tokens\" must be" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"stream_options\":true}", 400, "\"stream_options\" must be an object" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"stream_options\":{\"include_usage\":\"yes\"}}", 400, "include_usage\" must be a boolean" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"messages\":\"hi\"}", 400, "\"messages\" must be an array" },
        { RequestKind.ChatCompletions, "{\"model\":\"m\",\"messages\":{}}", 400, "\"messages\" must be an array" },
        { RequestKind.Completions, "{\"model\":\"m\",\"prompt\":5}", 400, "\"prompt\" must be a string or an array" },
        { RequestKind.Completions, "{\"model\":\"m\",\"prompt\":null}", 400, "\"prompt\" must be a string or an array" },
        { RequestKind.Embeddings, "{\"model\":\"m\",\"input\":{}}", 400, "\"input\" must be a string or an array" },
    };

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void TryParse_InvalidBody_ReturnsOpenAiShapedClientError(RequestKind kind, string json, int status, string messagePart)
    {
        // Arrange
        var body = Encoding.UTF8.GetBytes(json);

        // Act
        var ok = RequestParser.TryParse(kind, body, Limit, Depth, out _, out var error);

        // Assert
        Assert.False(ok);
        Assert.NotNull(error);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        AssertOpenAiShape(error, "invalid_request_error");
    }

    [Fact]
    public void TryParse_InvalidUtf8InModel_Returns400()
    {
        // Arrange: 0xC3 0x28 is an invalid two-byte sequence.
        byte[] body = [.. "{\"model\":\"a"u8, 0xC3, 0x28, .. "\"}"u8];

        // Act
        var ok = RequestParser.TryParse(RequestKind.ChatCompletions, body, Limit, Depth, out _, out var error);

        // Assert
        Assert.False(ok);
        Assert.Equal(400, error!.StatusCode);
    }

    [Fact]
    public void TryParse_BodyOverLimit_Returns413()
    {
        // Arrange
        var body = Encoding.UTF8.GetBytes("{\"model\":\"m\",\"prompt\":\"" + new string('x', 100) + "\"}");

        // Act
        var ok = RequestParser.TryParse(RequestKind.Completions, body, body.Length - 1, Depth, out _, out var error);
        var atLimit = RequestParser.TryParse(RequestKind.Completions, body, body.Length, Depth, out _, out _);

        // Assert
        Assert.False(ok);
        Assert.Equal(413, error!.StatusCode);
        Assert.Contains("request body too large", error.Message, StringComparison.Ordinal);
        AssertOpenAiShape(error, "invalid_request_error");
        Assert.True(atLimit);
    }

    [Theory]
    [InlineData("tools", 64, true)]
    [InlineData("tools", 65, false)]
    [InlineData("messages", 64, true)]
    [InlineData("messages", 65, false)]
    public void TryParse_Nesting_IsLimitedToMaxDepth(string field, int levels, bool accepted)
    {
        // Arrange: the root object is level 1, so levels - 1 nested arrays follow it.
        var nested = new string('[', levels - 1) + new string(']', levels - 1);
        var body = Encoding.UTF8.GetBytes("{\"model\":\"m\",\"" + field + "\":" + nested + "}");

        // Act
        var ok = RequestParser.TryParse(RequestKind.ChatCompletions, body, Limit, 64, out _, out var error);

        // Assert
        Assert.Equal(accepted, ok);
        if (!accepted)
        {
            Assert.Equal(400, error!.StatusCode);
            Assert.Contains("deeper than 64", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void TryParse_VeryDeepNesting_Returns400NotException()
    {
        // Arrange
        var body = Encoding.UTF8.GetBytes("{\"model\":\"m\",\"x\":" + new string('[', 100_000) + new string(']', 100_000) + "}");

        // Act
        var ok = RequestParser.TryParse(RequestKind.ChatCompletions, body, Limit, Depth, out _, out var error);

        // Assert
        Assert.False(ok);
        Assert.Equal(400, error!.StatusCode);
    }

    internal static void AssertOpenAiShape(OpenAiError error, string type)
    {
        using var document = JsonDocument.Parse(error.ToJsonBytes());
        var inner = document.RootElement.GetProperty("error");
        Assert.Equal(error.Message, inner.GetProperty("message").GetString());
        Assert.Equal(type, inner.GetProperty("type").GetString());
        Assert.True(inner.TryGetProperty("code", out _));
    }
}
