using System.Text;
using Microsoft.AspNetCore.Http;

namespace InferenceGateway.Proxy.Tests;

/// <summary>Canned model-server answers, written the way vLLM writes them.</summary>
internal static class UpstreamResponses
{
    public const string ChatJson =
        """{"id":"chatcmpl-1","object":"chat.completion","created":1700000000,"model":"target-model","choices":[{"index":0,"message":{"role":"assistant","content":"Hello there"},"finish_reason":"stop"}],"usage":{"prompt_tokens":11,"completion_tokens":3,"total_tokens":14,"prompt_tokens_details":{"cached_tokens":8}}}""";

    public static readonly string[] ChatSseEvents =
    [
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"target-model\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"target-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"target-model\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"target-model\",\"choices\":[{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}]}\n\n",
        "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":1700000000,\"model\":\"target-model\",\"choices\":[],\"usage\":{\"prompt_tokens\":7,\"completion_tokens\":2,\"total_tokens\":9,\"prompt_tokens_details\":{\"cached_tokens\":4}}}\n\n",
        "data: [DONE]\n\n",
    ];

    public static string ChatSse => string.Concat(ChatSseEvents);

    public const string ResponsesJson =
        """{"id":"resp_1","object":"response","status":"completed","output":[{"type":"message","role":"assistant","content":[{"type":"output_text","text":"Hi"}]}],"usage":{"input_tokens":5,"output_tokens":6,"total_tokens":11,"input_tokens_details":{"cached_tokens":2},"output_tokens_details":{"reasoning_tokens":0}}}""";

    public static readonly string[] ResponsesSseEvents =
    [
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\",\"usage\":null}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"usage\":{\"input_tokens\":9,\"output_tokens\":1,\"total_tokens\":10,\"input_tokens_details\":{\"cached_tokens\":3}}}}\n\n",
    ];

    public static RequestDelegate Json(string body, int status = 200) => async context =>
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body);
    };

    /// <summary>SSE, one write and flush per event; the second event is split across two writes.</summary>
    public static RequestDelegate Sse(IReadOnlyList<string> events) => async context =>
    {
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        for (var i = 0; i < events.Count; i++)
        {
            var bytes = Encoding.UTF8.GetBytes(events[i]);
            if (i == 1 && bytes.Length > 10)
            {
                await context.Response.Body.WriteAsync(bytes.AsMemory(0, 10));
                await context.Response.Body.FlushAsync();
                await context.Response.Body.WriteAsync(bytes.AsMemory(10));
            }
            else
            {
                await context.Response.Body.WriteAsync(bytes);
            }

            await context.Response.Body.FlushAsync();
        }
    };
}
