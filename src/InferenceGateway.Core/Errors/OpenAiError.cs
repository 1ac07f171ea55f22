using System.Text.Json;

namespace InferenceGateway.Core.Errors;

/// <summary>An error a client sees, in the OpenAI shape: {"error":{"message","type","code"}}, with its HTTP status.</summary>
public sealed record OpenAiError(int StatusCode, string Message, string Type, string? Code = null, TimeSpan? RetryAfter = null)
{
    public static OpenAiError BadRequest(string message, string? code = null) => new(400, message, "invalid_request_error", code);
    public static OpenAiError NotFound(string message, string? code = "model_not_found") => new(404, message, "invalid_request_error", code);
    public static OpenAiError TooLarge(string message) => new(413, message, "invalid_request_error", "request_too_large");
    public static OpenAiError TooManyRequests(string message, TimeSpan? retryAfter) => new(429, message, "rate_limit_exceeded", "capacity_exceeded", retryAfter);
    public static OpenAiError Unavailable(string message) => new(503, message, "service_unavailable", "no_healthy_upstream");
    public static OpenAiError Internal(string message) => new(500, message, "internal_error");

    public byte[] ToJsonBytes()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("error");
            writer.WriteString("message", Message);
            writer.WriteString("type", Type);
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
