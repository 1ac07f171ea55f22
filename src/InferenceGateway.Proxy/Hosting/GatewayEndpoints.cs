using System.Text.Json;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;
using InferenceGateway.Proxy.Forwarding;
using Microsoft.AspNetCore.Http;
using Prometheus;

namespace InferenceGateway.Proxy.Hosting;

/// <summary>
/// The two request pipelines: the public OpenAI-compatible front door and the admin listener. A plain path
/// switch (no endpoint routing) keeps the per-request cost of the front door small.
/// </summary>
internal sealed class GatewayEndpoints(
    InferenceProxyHandler proxy,
    IDatastore datastore,
    CollectorRegistry registry,
    TimeProvider timeProvider)
{
    private static readonly string[] InferencePaths =
    [
        "/v1/chat/completions",
        "/v1/completions",
        "/v1/responses",
        "/v1/embeddings",
    ];

    public Task HandlePublicAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        var method = context.Request.Method;
        foreach (var inferencePath in InferencePaths)
        {
            if (PathEquals(path, inferencePath))
            {
                return HttpMethods.IsPost(method) ? proxy.HandleAsync(context) : MethodNotAllowed(context, "POST");
            }
        }

        if (PathEquals(path, "/v1/models"))
        {
            return HttpMethods.IsGet(method) ? WriteModelsAsync(context) : MethodNotAllowed(context, "GET");
        }

        return HandleProbeOr404(context, path);
    }

    public Task HandleAdminAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "/";
        if (PathEquals(path, "/metrics"))
        {
            return HttpMethods.IsGet(context.Request.Method) ? WriteMetricsAsync(context) : MethodNotAllowed(context, "GET");
        }

        return HandleProbeOr404(context, path);
    }

    /// <summary>Ready once a pool is loaded and it has at least one endpoint to send requests to.</summary>
    public bool IsReady()
    {
        var snapshot = datastore.Current;
        return snapshot.HasPool && !snapshot.Endpoints.IsDefaultOrEmpty;
    }

    private Task HandleProbeOr404(HttpContext context, string path)
    {
        if (PathEquals(path, "/health"))
        {
            return WritePlainAsync(context, StatusCodes.Status200OK, "ok\n");
        }

        if (PathEquals(path, "/ready"))
        {
            return IsReady()
                ? WritePlainAsync(context, StatusCodes.Status200OK, "ready\n")
                : WritePlainAsync(context, StatusCodes.Status503ServiceUnavailable, "not ready: no pool with endpoints loaded\n");
        }

        return OpenAiErrorWriter.WriteAsync(context, new OpenAiError(
            StatusCodes.Status404NotFound, $"Unknown path '{path}'. The gateway serves /v1/chat/completions, /v1/completions, /v1/responses, /v1/embeddings and /v1/models.",
            "invalid_request_error", "unknown_url"));
    }

    private static Task MethodNotAllowed(HttpContext context, string allowed)
    {
        context.Response.Headers.Allow = allowed;
        return OpenAiErrorWriter.WriteAsync(context, new OpenAiError(
            StatusCodes.Status405MethodNotAllowed, $"Use {allowed} for {context.Request.Path}.", "invalid_request_error", "method_not_allowed"));
    }

    private async Task WriteModelsAsync(HttpContext context)
    {
        var snapshot = datastore.Current;
        var names = new List<string>(snapshot.Models.Count);
        foreach (var model in snapshot.Models)
        {
            if (!IsReserved(model.Value))
            {
                names.Add(model.Key);
            }
        }

        names.Sort(StringComparer.Ordinal);
        var owner = snapshot.Pool?.Name ?? "inference-gateway";
        var now = timeProvider.GetUtcNow();

        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "application/json";
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            foreach (var name in names)
            {
                var route = snapshot.Models[name];
                var created = route.CreatedAt == default ? now : route.CreatedAt;
                writer.WriteStartObject();
                writer.WriteString("id", name);
                writer.WriteString("object", "model");
                writer.WriteNumber("created", created.ToUnixTimeSeconds());
                writer.WriteString("owned_by", owner);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.ContentLength = buffer.Length;
        await context.Response.Body.WriteAsync(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), context.RequestAborted).ConfigureAwait(false);
    }

    /// <summary>A model whose targets all have weight 0 is reserved: it answers 404, so it is not listed.</summary>
    private static bool IsReserved(ModelRoute route)
    {
        if (route.Targets.IsDefaultOrEmpty)
        {
            return false;
        }

        foreach (var target in route.Targets)
        {
            if (target.Weight > 0)
            {
                return false;
            }
        }

        return true;
    }

    private async Task WriteMetricsAsync(HttpContext context)
    {
        context.Response.StatusCode = StatusCodes.Status200OK;
        context.Response.ContentType = "text/plain; version=0.0.4; charset=utf-8";
        await registry.CollectAndExportAsTextAsync(context.Response.Body, context.RequestAborted).ConfigureAwait(false);
    }

    private static Task WritePlainAsync(HttpContext context, int status, string text)
    {
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/plain; charset=utf-8";
        context.Response.ContentLength = System.Text.Encoding.UTF8.GetByteCount(text);
        return HttpMethods.IsHead(context.Request.Method) ? Task.CompletedTask : context.Response.WriteAsync(text, context.RequestAborted);
    }

    private static bool PathEquals(string path, string expected) =>
        path.Length >= expected.Length
        && path.StartsWith(expected, StringComparison.OrdinalIgnoreCase)
        && (path.Length == expected.Length || (path.Length == expected.Length + 1 && path[^1] == '/'));
}
