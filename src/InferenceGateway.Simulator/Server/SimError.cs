using System.Text.Encodings.Web;
using System.Text.Json;

namespace InferenceGateway.Simulator.Server;

/// <summary>An OpenAI-shaped error `{"error":{"message","type","code"}}` with its HTTP status.</summary>
internal sealed record SimError(int StatusCode, string Message, string Type, string? Code)
{
    public static SimError BadRequest(string message, string? code = null) => new(400, message, "invalid_request_error", code);

    public static SimError ContextTooLong(string message) => new(400, message, "invalid_request_error", "context_length_exceeded");

    public static SimError ModelNotFound(string model) => new(404, $"The model `{model}` does not exist.", "invalid_request_error", "model_not_found");

    public static SimError QueueFull(string message) => new(429, message, "rate_limit_exceeded", "rate_limit_exceeded");

    public static SimError Internal(string message) => new(500, message, "server_error", "server_error");

    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            writer.WriteString("type", Type);
            writer.WriteNull("param");
            if (Code is null)
            {
                writer.WriteNull("code");
            }
            else
            {
                writer.WriteString("code", Code);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
