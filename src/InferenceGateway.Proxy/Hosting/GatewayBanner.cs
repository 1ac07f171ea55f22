using System.Text;

namespace InferenceGateway.Proxy.Hosting;

/// <summary>The start-up text telling a person where the gateway listens and how to call it.</summary>
internal static class GatewayBanner
{
    /// <param name="publicUrl">Public base URL, e.g. http://localhost:8080/.</param>
    /// <param name="adminUrl">Admin base URL, e.g. http://localhost:9090/.</param>
    /// <param name="models">Served model names; the first is used in the examples.</param>
    /// <param name="extraLines">Anything the caller wants listed (e.g. the simulated servers of the quickstart).</param>
    public static string Format(Uri publicUrl, Uri adminUrl, IReadOnlyList<string> models, IReadOnlyList<string>? extraLines = null)
    {
        var baseUrl = publicUrl.GetLeftPart(UriPartial.Authority);
        var adminBase = adminUrl.GetLeftPart(UriPartial.Authority);
        var model = models.Count > 0 ? models[0] : "<model>";
        var text = new StringBuilder();
        text.AppendLine("InferenceGateway standalone gateway is running.");
        text.AppendLine($"  OpenAI API : {baseUrl}/v1   (chat/completions, completions, responses, embeddings, models)");
        text.AppendLine($"  Admin      : {adminBase}/metrics   {adminBase}/health   {adminBase}/ready");
        text.AppendLine($"  Models     : {(models.Count > 0 ? string.Join(", ", models) : "(none loaded yet)")}");
        if (extraLines is not null)
        {
            foreach (var line in extraLines)
            {
                text.AppendLine($"  {line}");
            }
        }

        text.AppendLine();
        text.AppendLine("Try it with curl:");
        text.AppendLine($"  curl {baseUrl}/v1/models");
        text.AppendLine($"  curl {baseUrl}/v1/chat/completions -H 'Content-Type: application/json' \\");
        text.AppendLine($"    -d '{{\"model\":\"{model}\",\"messages\":[{{\"role\":\"user\",\"content\":\"Hello!\"}}]}}'");
        text.AppendLine($"  curl -N {baseUrl}/v1/chat/completions -H 'Content-Type: application/json' \\");
        text.AppendLine($"    -d '{{\"model\":\"{model}\",\"stream\":true,\"messages\":[{{\"role\":\"user\",\"content\":\"Hello!\"}}]}}'");
        text.AppendLine();
        text.AppendLine("Python (pip install openai):");
        text.AppendLine("  from openai import OpenAI");
        text.AppendLine($"  client = OpenAI(base_url=\"{baseUrl}/v1\", api_key=\"unused\")");
        text.AppendLine($"  reply = client.chat.completions.create(model=\"{model}\", messages=[{{\"role\": \"user\", \"content\": \"Hello!\"}}])");
        text.AppendLine("  print(reply.choices[0].message.content)");
        text.AppendLine();
        text.AppendLine("C# (dotnet add package OpenAI):");
        text.AppendLine($"  var chat = new ChatClient(\"{model}\", new ApiKeyCredential(\"unused\"),");
        text.AppendLine($"      new OpenAIClientOptions {{ Endpoint = new Uri(\"{baseUrl}/v1\") }});");
        text.AppendLine("  Console.WriteLine((await chat.CompleteChatAsync(\"Hello!\")).Value.Content[0].Text);");
        text.AppendLine();
        text.AppendLine("Press Ctrl+C to stop.");
        return text.ToString();
    }
}
