using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using InferenceGateway.Api.Schema;

namespace InferenceGateway.Api.Serialization;

/// <summary>System.Text.Json settings that read and write objects the way the API server does.</summary>
internal static class KubernetesJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNameCaseInsensitive = false,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Converters = { new Rfc3339Converter() },
    };

    /// <summary>metav1.Time: RFC 3339 in UTC with whole seconds on output (2024-01-02T03:04:05Z), any RFC 3339 on input.</summary>
    private sealed class Rfc3339Converter : JsonConverter<DateTimeOffset>
    {
        public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var text = reader.GetString();
            if (text is null || !Formats.TryParseDateTime(text, out var value))
            {
                throw new JsonException($"\"{text}\" is not an RFC 3339 date-time");
            }

            return value;
        }

        public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Format(value));
    }

    public static string Format(DateTimeOffset value) =>
        value.ToUniversalTime().ToString("yyyy'-'MM'-'dd'T'HH':'mm':'ss'Z'", CultureInfo.InvariantCulture);
}
