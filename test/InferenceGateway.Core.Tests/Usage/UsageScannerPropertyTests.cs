using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CsCheck;
using InferenceGateway.Core.Usage;

namespace InferenceGateway.Core.Tests.Usage;

/// <summary>
/// Generated OpenAI-style responses (JSON bodies and SSE streams) cut into arbitrary chunks: the usage read must
/// be the one written, and the same however the body is split.
/// </summary>
public sealed class UsageScannerPropertyTests
{
    private static readonly UsageParserLimits Limits = new(1 << 20, 1 << 16, 1 << 16);

    // Raw UTF-8 (not \u escapes) so cuts land inside multi-byte characters.
    private static readonly JsonSerializerOptions RawText = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly Gen<string> Text = Gen.OneOfConst("a", "Z", " ", "\"", "\\", "\n", "\r", "é", "日", "👋", "{", "}", ":", "usage", "data: ", "\u0001")
        .Array[0, 10]
        .Select(static parts => string.Concat(parts));

    private static readonly Gen<string> Blank = Gen.OneOfConst("", " ", "\n ", "\t");

    /// <summary>A usage object as written, and what it means.</summary>
    private static readonly Gen<(string Json, TokenUsage Usage)> UsageObject = Gen.Select(
        Gen.Int[0, 200_000],
        Gen.Int[0, 8_000],
        Gen.Int[-1, 200_000],
        Gen.Bool,
        Gen.Bool,
        static (prompt, completion, cached, asReal, responsesNames) =>
        {
            string Count(int value) => value.ToString(CultureInfo.InvariantCulture) + (asReal ? ".0" : string.Empty);
            var (p, c, d) = responsesNames ? ("input_tokens", "output_tokens", "input_tokens_details") : ("prompt_tokens", "completion_tokens", "prompt_tokens_details");
            var json = "{\"" + p + "\":" + Count(prompt) + ",\"" + c + "\":" + Count(completion) + ",\"total_tokens\":" + Count(prompt + completion)
                + (cached < 0 ? string.Empty : ",\"" + d + "\":{\"audio_tokens\":0,\"cached_tokens\":" + Count(cached) + "}") + "}";
            return (json, new TokenUsage(prompt, completion, Math.Max(cached, 0)));
        });

    private static readonly Gen<int[]> Cuts = Gen.Int[0, 100_000].Array[0, 24];

    private static string Serialize(string text) => JsonSerializer.Serialize(text, RawText);

    private static TokenUsage? Parse(UsageBodyFormat format, byte[] body, int[] cuts)
    {
        var positions = new int[cuts.Length];
        for (var i = 0; i < cuts.Length; i++)
        {
            positions[i] = cuts[i] % (body.Length + 1);
        }

        Array.Sort(positions);
        return UsageScannerTests.Parse(format, body, positions, Limits);
    }

    [Fact]
    public void Complete_GeneratedJsonBodyCutAnywhere_ReadsTheWrittenUsage()
    {
        var body = Gen.Select(UsageObject, Text, Text, Blank.Array[4], Gen.Bool, static (usage, content, other, ws, usageFirst) =>
        {
            var choices = "\"choices\":" + ws[0] + "[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":" + Serialize(content)
                + ",\"tool\":{\"usage\":{\"prompt_tokens\":99,\"completion_tokens\":99}}}}]";
            var usageMember = "\"usage\"" + ws[1] + ":" + ws[2] + usage.Json;
            var json = "{" + ws[3] + "\"id\":" + Serialize(other) + ","
                + (usageFirst ? usageMember + "," + choices : choices + "," + usageMember) + "}";
            return (Bytes: Encoding.UTF8.GetBytes(json), usage.Usage);
        });

        Gen.Select(body, Cuts, Gen.Bool).Sample(static (b, cuts, sniff) =>
        {
            var format = sniff ? UsageBodyFormat.Sniff : UsageBodyFormat.Json;
            var whole = Parse(format, b.Bytes, []);
            var split = Parse(format, b.Bytes, cuts);
            return whole == b.Usage && split == whole;
        });
    }

    [Fact]
    public void Complete_GeneratedSseStreamCutAnywhere_ReadsTheWrittenUsage()
    {
        var stream = Gen.Select(
            UsageObject,
            Text.Array[0, 5],
            Gen.OneOfConst("\n", "\r\n", "\r"),
            Gen.Bool,
            Gen.Bool,
            Gen.Bool,
            static (usage, deltas, end, responsesShape, comments, unterminated) =>
            {
                var sb = new StringBuilder();
                if (comments)
                {
                    sb.Append(": ping").Append(end).Append(end);
                }

                foreach (var delta in deltas)
                {
                    if (responsesShape)
                    {
                        sb.Append("event: response.output_text.delta").Append(end)
                            .Append("data: {\"type\":\"response.output_text.delta\",\"delta\":").Append(Serialize(delta)).Append('}').Append(end).Append(end);
                    }
                    else
                    {
                        sb.Append("data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":").Append(Serialize(delta)).Append("}}],\"usage\":null}").Append(end).Append(end);
                    }
                }

                if (responsesShape)
                {
                    sb.Append("event: response.completed").Append(end)
                        .Append("data: {\"type\":\"response.completed\",\"response\":{\"id\":\"r\",\"usage\":").Append(usage.Json).Append("}}");
                }
                else
                {
                    sb.Append("data: {\"id\":\"c\",\"choices\":[],\"usage\":").Append(usage.Json).Append('}');
                }

                if (!unterminated)
                {
                    sb.Append(end).Append(end);
                    if (!responsesShape)
                    {
                        sb.Append("data: [DONE]").Append(end).Append(end);
                    }
                }

                return (Bytes: Encoding.UTF8.GetBytes(sb.ToString()), usage.Usage);
            });

        Gen.Select(stream, Cuts, Gen.Bool).Sample(static (s, cuts, sniff) =>
        {
            var format = sniff ? UsageBodyFormat.Sniff : UsageBodyFormat.EventStream;
            var whole = Parse(format, s.Bytes, []);
            var split = Parse(format, s.Bytes, cuts);
            return whole == s.Usage && split == whole;
        });
    }
}
