using System.Text;
using System.Text.Json;

namespace InferenceGateway.Simulator.Server;

/// <summary>The fields of an OpenAI completion / chat completion body the simulator uses.</summary>
internal sealed record GenerationRequest(
    string Model,
    string PromptText,
    string EchoText,
    int? MaxTokens,
    bool Stream,
    bool IncludeUsage,
    bool IgnoreEos,
    long? Seed)
{
    /// <summary>Reads a body; null with <paramref name="error"/> set when it is not a valid request.</summary>
    public static GenerationRequest? TryParse(JsonElement root, bool chat, out SimError? error)
    {
        error = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = SimError.BadRequest("The request body must be a JSON object.");
            return null;
        }

        if (!root.TryGetProperty("model", out var modelElement) || modelElement.ValueKind != JsonValueKind.String
            || string.IsNullOrEmpty(modelElement.GetString()))
        {
            error = SimError.BadRequest("The 'model' field is required and must be a string.");
            return null;
        }

        string prompt;
        string echo;
        if (chat)
        {
            if (!TryReadMessages(root, out prompt, out echo, out error))
            {
                return null;
            }
        }
        else if (!TryReadPrompt(root, out prompt, out error))
        {
            return null;
        }
        else
        {
            echo = prompt;
        }

        int? maxTokens = null;
        foreach (var name in chat ? MaxTokenFieldsChat : MaxTokenFieldsCompletion)
        {
            if (root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null)
            {
                if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var parsed) || parsed < 1)
                {
                    error = SimError.BadRequest($"'{name}' must be a positive integer.");
                    return null;
                }

                maxTokens = parsed;
                break;
            }
        }

        var stream = ReadBool(root, "stream");
        var includeUsage = root.TryGetProperty("stream_options", out var options) && options.ValueKind == JsonValueKind.Object
            && ReadBool(options, "include_usage");
        long? seed = root.TryGetProperty("seed", out var seedElement) && seedElement.ValueKind == JsonValueKind.Number
            && seedElement.TryGetInt64(out var s) ? s : null;
        return new GenerationRequest(modelElement.GetString()!, prompt, echo, maxTokens, stream, includeUsage, ReadBool(root, "ignore_eos"), seed);
    }

    private static readonly string[] MaxTokenFieldsChat = ["max_completion_tokens", "max_tokens"];
    private static readonly string[] MaxTokenFieldsCompletion = ["max_tokens"];

    private static bool ReadBool(JsonElement root, string name) =>
        root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.True;

    private static bool TryReadPrompt(JsonElement root, out string prompt, out SimError? error)
    {
        prompt = string.Empty;
        error = null;
        if (!root.TryGetProperty("prompt", out var element))
        {
            error = SimError.BadRequest("The 'prompt' field is required.");
            return false;
        }

        if (element.ValueKind == JsonValueKind.String)
        {
            prompt = element.GetString()!;
        }
        else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 1 && element[0].ValueKind == JsonValueKind.String)
        {
            prompt = element[0].GetString()!;
        }
        else
        {
            error = SimError.BadRequest("'prompt' must be a string (or an array of one string).");
            return false;
        }

        if (prompt.Length == 0)
        {
            error = SimError.BadRequest("'prompt' must not be empty.");
            return false;
        }

        return true;
    }

    /// <summary>Renders messages with a fixed chat template, so a growing conversation keeps its prefix.</summary>
    private static bool TryReadMessages(JsonElement root, out string prompt, out string echo, out SimError? error)
    {
        prompt = string.Empty;
        echo = string.Empty;
        error = null;
        if (!root.TryGetProperty("messages", out var messages) || messages.ValueKind != JsonValueKind.Array || messages.GetArrayLength() == 0)
        {
            error = SimError.BadRequest("The 'messages' field is required and must be a non-empty array.");
            return false;
        }

        var builder = new StringBuilder();
        foreach (var message in messages.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty("role", out var role) || role.ValueKind != JsonValueKind.String)
            {
                error = SimError.BadRequest("Each message needs a string 'role'.");
                return false;
            }

            var content = ReadContent(message);
            if (content is null)
            {
                error = SimError.BadRequest("A message's 'content' must be a string or an array of text parts.");
                return false;
            }

            builder.Append("<|").Append(role.GetString()).Append("|>\n").Append(content).Append('\n');
            if (role.GetString() == "user")
            {
                echo = content;
            }
        }

        builder.Append("<|assistant|>\n");
        prompt = builder.ToString();
        return true;
    }

    private static string? ReadContent(JsonElement message)
    {
        if (!message.TryGetProperty("content", out var content) || content.ValueKind == JsonValueKind.Null)
        {
            return string.Empty;
        }

        if (content.ValueKind == JsonValueKind.String)
        {
            return content.GetString();
        }

        if (content.ValueKind != JsonValueKind.Array)
        {
            return null;
        }

        var builder = new StringBuilder();
        foreach (var part in content.EnumerateArray())
        {
            if (part.ValueKind == JsonValueKind.Object && part.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String)
            {
                builder.Append(text.GetString());
            }
        }

        return builder.ToString();
    }
}
