using System.Text.Json;
using System.Text.Json.Serialization;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Workloads;

namespace InferenceGateway.Bench;

/// <summary>Writes NaN and infinities (undefined metrics) as JSON null.</summary>
internal sealed class NanAsNullConverter : JsonConverter<double>
{
    public override double Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.Null ? double.NaN : reader.GetDouble();

    public override void Write(Utf8JsonWriter writer, double value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumberValue(value);
        }
        else
        {
            writer.WriteNullValue();
        }
    }

    public override bool HandleNull => true;
}

/// <summary>The JSON written by the benchmark (snake_case, like the field's tools).</summary>
internal sealed record BenchReport(string Mode, string Workload, ulong Seed, int? Servers, string? Profile, double? ScrapeIntervalMs, IReadOnlyList<SummaryRecord> Results)
{
    /// <summary>`--seeds`: every seed run, in order (<see cref="Seed"/> is the first); null (not written) for a single-seed run.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public IReadOnlyList<ulong>? Seeds { get; init; }
}

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    WriteIndented = true,
    Converters = [typeof(NanAsNullConverter)])]
[JsonSerializable(typeof(BenchReport))]
[JsonSerializable(typeof(SeedsReport))]
[JsonSerializable(typeof(IReadOnlyList<ChatMessage>))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;
