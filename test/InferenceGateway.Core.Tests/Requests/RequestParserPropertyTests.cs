using System.Globalization;
using System.Text;
using System.Text.Json;
using CsCheck;
using InferenceGateway.Core.Requests;

namespace InferenceGateway.Core.Tests.Requests;

/// <summary>The parser against a DOM reference (JsonDocument) on generated chat bodies.</summary>
public sealed class RequestParserPropertyTests
{
    private static readonly Gen<string> Text = Gen.OneOfConst("a", "Z", " ", "\"", "\\", "\n", "é", "日", "👋", "/", "<", "\u0001")
        .Array[0, 12]
        .Select(static parts => string.Concat(parts));

    private static readonly Gen<string> Whitespace = Gen.OneOfConst("", " ", "\n", "\t ", "\r\n  ");

    private static readonly Gen<string> Messages = Gen.Select(Gen.OneOfConst("system", "user", "assistant"), Text)
        .Array[0, 4]
        .Select(static turns =>
        {
            var parts = new string[turns.Length];
            for (var i = 0; i < turns.Length; i++)
            {
                parts[i] = "{\"role\":" + JsonSerializer.Serialize(turns[i].Item1) + ",\"content\":" + JsonSerializer.Serialize(turns[i].Item2) + "}";
            }

            return "[" + string.Join(", ", parts) + "]";
        });

    [Fact]
    public void TryParse_GeneratedChatBodies_AgreesWithJsonDocument()
    {
        var fields = Gen.Select(
            Text.Where(static t => t.Length > 0),
            Gen.Int[0, 2].Select(static v => v == 0 ? (bool?)null : v == 1),
            Gen.Int[-1, 1_000_000].Select(static v => v < 0 ? (int?)null : v),
            Messages,
            Gen.Double[-2, 2],
            Gen.Int.Array[6]);
        Gen.Select(fields, Whitespace.Array[8]).Sample(static (f, ws) =>
        {
            // Arrange: the fields in a random order with random whitespace between the tokens.
            var (model, stream, maxTokens, messages, temperature, order) = f;
            var members = new List<(int Key, string Json)>
            {
                (order[0], "\"model\"" + ws[0] + ":" + ws[1] + JsonSerializer.Serialize(model)),
                (order[1], "\"messages\":" + ws[2] + messages),
                (order[2], "\"temperature\":" + temperature.ToString("R", CultureInfo.InvariantCulture)),
                (order[3], "\"metadata\":{\"model\":\"not-this-one\",\"n\":[1,{\"x\":null}]}"),
            };
            if (stream is { } s)
            {
                members.Add((order[4], "\"stream\":" + ws[3] + (s ? "true" : "false")));
            }

            if (maxTokens is { } m)
            {
                members.Add((order[5], "\"max_tokens\":" + m.ToString(CultureInfo.InvariantCulture)));
            }

            members.Sort(static (a, b) => a.Key.CompareTo(b.Key));
            var json = new StringBuilder(ws[4]).Append('{').Append(ws[5]);
            for (var i = 0; i < members.Count; i++)
            {
                json.Append(i == 0 ? "" : "," + ws[6]).Append(members[i].Json);
            }

            json.Append(ws[7]).Append('}');
            var body = Encoding.UTF8.GetBytes(json.ToString());

            // Act
            var ok = RequestParser.TryParse(RequestKind.ChatCompletions, body, 1 << 20, 64, out var parsed, out _);

            // Assert against the DOM.
            using var document = JsonDocument.Parse(body);
            var root = document.RootElement;
            var token = body.AsSpan(parsed.ModelTokenStart, parsed.ModelTokenEnd - parsed.ModelTokenStart);
            return ok
                && parsed.Model == root.GetProperty("model").GetString()
                && JsonSerializer.Deserialize<string>(token) == parsed.Model
                && parsed.Stream == (root.TryGetProperty("stream", out var st) && st.GetBoolean())
                && parsed.MaxTokens == (root.TryGetProperty("max_tokens", out var mt) ? mt.GetInt32() : null)
                && Encoding.UTF8.GetString(parsed.PromptBytes.Span) == root.GetProperty("messages").GetRawText();
        });
    }
}
