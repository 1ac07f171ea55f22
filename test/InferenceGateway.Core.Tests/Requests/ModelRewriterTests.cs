using System.Text;
using System.Text.Json;
using CsCheck;
using InferenceGateway.Core.Requests;

namespace InferenceGateway.Core.Tests.Requests;

public sealed class ModelRewriterTests
{
    [Theory]
    [InlineData("lora-a")]
    [InlineData("org/adapter \"quoted\" \\ back")]
    [InlineData("modèle-日本-👋")]
    [InlineData("tab\tnewline\ncontrol\u0001")]
    [InlineData("<html>&'")]
    public void Rewrite_ChangesOnlyTheModelValue(string target)
    {
        // Arrange: odd whitespace, escapes, number formats and key order that a re-serialisation would change.
        const string Before = "\t{ \"temperature\" : 1.50E0 ,\n  \"messages\":[{\"role\":\"user\",\"content\":\"\\u00e9\\/x\"}],\r\n \"model\"  :  ";
        const string After = " , \"stream\":true,\"x\":\"\\ud83d\\udc4b\" }\n";
        var body = Encoding.UTF8.GetBytes(Before + "\"base\\u002Dmodel\"" + After);
        Assert.True(RequestParser.TryParse(RequestKind.ChatCompletions, body, 1 << 20, 64, out var parsed, out _));

        // Act
        var rewritten = ModelRewriter.Rewrite(body, parsed.ModelTokenStart, parsed.ModelTokenEnd, target);

        // Assert: identical bytes around the value, and the value decodes to the target.
        var before = Encoding.UTF8.GetBytes(Before);
        var after = Encoding.UTF8.GetBytes(After);
        Assert.Equal(before, rewritten.AsSpan(0, before.Length).ToArray());
        Assert.Equal(after, rewritten.AsSpan(rewritten.Length - after.Length).ToArray());
        var token = rewritten.AsSpan(before.Length, rewritten.Length - before.Length - after.Length);
        Assert.Equal(target, JsonSerializer.Deserialize<string>(token));
        Assert.True(RequestParser.TryParse(RequestKind.ChatCompletions, rewritten, 1 << 20, 64, out var reparsed, out _));
        Assert.Equal(target, reparsed.Model);
    }

    [Fact]
    public void Rewrite_AnyModelAndTarget_RoundTripsAndPreservesEverythingElse()
    {
        // Fragments that exercise escaping: quotes, backslashes, control characters, multi-byte UTF-8, surrogate pairs.
        var text = Gen.OneOfConst("a", "Z", "9", "-", "/", " ", "\"", "\\", "\n", "\u0001", "<", "&", "é", "日", "👋")
            .Array[0, 20]
            .Select(static parts => string.Concat(parts));
        Gen.Select(text, text.Where(static s => s.Length > 0), text.Where(static s => s.Length > 0)).Sample(static (filler, model, target) =>
        {
            // Arrange
            var prefix = "{\"a\" : " + JsonSerializer.Serialize(filler) + ",\n\"model\":";
            const string Suffix = " ,\"b\":[1, 2.0e1]}";
            var body = Encoding.UTF8.GetBytes(prefix + JsonSerializer.Serialize(model) + Suffix);
            if (!RequestParser.TryParse(RequestKind.Completions, body, 1 << 20, 64, out var parsed, out _) || parsed.Model != model)
            {
                return false;
            }

            // Act
            var rewritten = ModelRewriter.Rewrite(body, parsed.ModelTokenStart, parsed.ModelTokenEnd, target);

            // Assert
            var head = Encoding.UTF8.GetBytes(prefix);
            var tail = Encoding.UTF8.GetBytes(Suffix);
            using var document = JsonDocument.Parse(rewritten);
            return rewritten.AsSpan(0, head.Length).SequenceEqual(head)
                && rewritten.AsSpan(rewritten.Length - tail.Length).SequenceEqual(tail)
                && document.RootElement.GetProperty("model").GetString() == target;
        });
    }
}
