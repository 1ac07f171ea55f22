using System.Buffers;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using InferenceGateway.Simulator.Engines;
using InferenceGateway.Simulator.Tokens;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceGateway.Simulator.Server;

/// <summary>
/// A vLLM-compatible model server over one simulated <see cref="Engine"/>: the OpenAI completion and chat
/// endpoints (streaming and not), /v1/models, /health, /metrics (vLLM or SGLang names), LoRA load/unload,
/// pinned (fake) metrics and injected failures. Tokens reach the client when the engine produces them.
/// </summary>
public sealed class SimulatorServer : IAsyncDisposable
{
    private static readonly byte[] DataPrefix = "data: "u8.ToArray();
    private static readonly byte[] FrameEnd = "\n\n"u8.ToArray();
    private static readonly byte[] DoneFrame = "data: [DONE]\n\n"u8.ToArray();
    private const int DefaultRandomOutputTokens = 128;
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private readonly SimulatorOptions _options;
    private readonly TimeProvider _time;
    private readonly EngineHost _host;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<string, LoraModule> _loras = new(StringComparer.Ordinal);
    private readonly HashSet<string> _baseNames;
    private readonly Lock _randomGate = new();
    private readonly long _created;
    private SplitMix64 _failureRandom;
    private FakeMetrics? _fakeMetrics;
    private long _nextRequestId;
    private WebApplication? _app;

    private SimulatorServer(SimulatorOptions options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _options = options;
        _time = time;
        _logger = loggerFactory.CreateLogger("InferenceGateway.Simulator");
        _host = new EngineHost(new Engine(options.Engine), time, options.TimeScale);
        _baseNames = new HashSet<string>(StringComparer.Ordinal) { options.Model };
        foreach (var name in options.ServedModelNames)
        {
            _baseNames.Add(name);
        }

        foreach (var lora in options.LoraModules)
        {
            _loras[lora.Name] = lora;
        }

        _fakeMetrics = options.FakeMetrics;
        _failureRandom = new SplitMix64(unchecked((ulong)options.Seed ^ 0xFA11_0000UL));
        _created = time.GetUtcNow().ToUnixTimeSeconds();
    }

    /// <summary>The bound address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    public SimulatorOptions Options => _options;

    /// <summary>The reported load now (real values, before any fake-metrics pinning).</summary>
    public EngineSnapshot Snapshot() => _host.Snapshot();

    public static async Task<SimulatorServer> StartAsync(
        SimulatorOptions options, TimeProvider? timeProvider = null, Action<ILoggingBuilder>? configureLogging = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        configureLogging?.Invoke(builder.Logging);
        // Long streams must not hold a shutdown for the default 30 s.
        builder.WebHost.UseShutdownTimeout(TimeSpan.FromSeconds(2));
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            if (IPAddress.TryParse(options.Host, out var address))
            {
                kestrel.Listen(address, options.Port);
            }
            else if (string.Equals(options.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            {
                kestrel.Listen(IPAddress.Loopback, options.Port);
            }
            else
            {
                kestrel.ListenAnyIP(options.Port);
            }
        });

        var app = builder.Build();
        var loggerFactory = app.Services.GetService<ILoggerFactory>() ?? NullLoggerFactory.Instance;
        var server = new SimulatorServer(options, timeProvider ?? TimeProvider.System, loggerFactory) { _app = app };
        server.Map(app);
        server._host.Start();
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
        var bound = new Uri(addresses.First());
        // Report a dialable address when bound to a wildcard.
        var host = IPAddress.TryParse(options.Host, out var ip) && !ip.Equals(IPAddress.Any) && !ip.Equals(IPAddress.IPv6Any) ? options.Host : bound.Host;
        if (host is "0.0.0.0" or "[::]" or "+" or "*")
        {
            host = "127.0.0.1";
        }

        server.BaseAddress = new UriBuilder(bound.Scheme, host, bound.Port).Uri;
        SimulatorLog.Listening(server._logger, options.PrimaryModelName, options.Engine.Profile.Name, server.BaseAddress.ToString());
        return server;
    }

    /// <summary>Replaces the pinned metric values (null = report real values).</summary>
    public void SetFakeMetrics(FakeMetrics? fake) => Volatile.Write(ref _fakeMetrics, fake);

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync().ConfigureAwait(false);
            await _app.DisposeAsync().ConfigureAwait(false);
        }

        await _host.DisposeAsync().ConfigureAwait(false);
    }

    private void Map(WebApplication app)
    {
        app.MapPost("/v1/chat/completions", context => GenerateAsync(context, chat: true));
        app.MapPost("/v1/completions", context => GenerateAsync(context, chat: false));
        app.MapGet("/v1/models", ModelsAsync);
        app.MapGet("/health", context =>
        {
            context.Response.StatusCode = 200;
            return Task.CompletedTask;
        });
        app.MapGet("/metrics", MetricsAsync);
        app.MapPost("/v1/load_lora_adapter", LoadLoraAsync);
        app.MapPost("/v1/unload_lora_adapter", UnloadLoraAsync);
        app.MapPost("/fake_metrics", FakeMetricsAsync);
    }

    private async Task GenerateAsync(HttpContext context, bool chat)
    {
        var cancellationToken = context.RequestAborted;
        var requestId = Interlocked.Increment(ref _nextRequestId);
        GenerationRequest? parsed;
        SimError? error;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, cancellationToken).ConfigureAwait(false);
            parsed = GenerationRequest.TryParse(document.RootElement, chat, out error);
        }
        catch (JsonException exception)
        {
            parsed = null;
            error = SimError.BadRequest("The request body is not valid JSON: " + exception.Message);
        }

        if (parsed is null)
        {
            await WriteErrorAsync(context, error!).ConfigureAwait(false);
            return;
        }

        string? adapter = null;
        if (!_baseNames.Contains(parsed.Model))
        {
            if (!_loras.ContainsKey(parsed.Model))
            {
                await WriteErrorAsync(context, SimError.ModelNotFound(parsed.Model)).ConfigureAwait(false);
                return;
            }

            adapter = parsed.Model;
        }

        var tokenIds = ApproxTokenizer.TokenIds(parsed.PromptText);
        var promptTokens = tokenIds.Length;
        var maxModelLen = _options.Engine.MaxModelLen;
        if ((long)promptTokens + (parsed.MaxTokens ?? 1) > maxModelLen)
        {
            await WriteErrorAsync(context, ContextError(promptTokens, parsed.MaxTokens ?? 1, maxModelLen)).ConfigureAwait(false);
            return;
        }

        var failure = DrawFailure();
        if (failure is { } injected)
        {
            SimulatorLog.FailureInjected(_logger, injected, requestId);
            var failureError = FailureError(injected, parsed.Model, promptTokens, maxModelLen);
            if (failureError is not null)
            {
                await WriteErrorAsync(context, failureError).ConfigureAwait(false);
                return;
            }
        }

        var seed = parsed.Seed is { } requestSeed
            ? unchecked((ulong)requestSeed * 0x9E3779B97F4A7C15UL) ^ unchecked((ulong)_options.Seed)
            : unchecked((ulong)_options.Seed * 0x9E3779B97F4A7C15UL) ^ unchecked((ulong)requestId);
        var source = new TokenSource(_options.Mode, parsed.EchoText, seed);
        var limit = parsed.MaxTokens ?? (maxModelLen - promptTokens);
        int outputTokens;
        if (parsed.IgnoreEos)
        {
            outputTokens = limit;
        }
        else if (source.NaturalLength > 0)
        {
            outputTokens = Math.Min(source.NaturalLength, limit);
        }
        else
        {
            outputTokens = source.RandomLength(parsed.MaxTokens ?? Math.Min(limit, DefaultRandomOutputTokens));
        }

        var finishReason = outputTokens >= limit ? "length" : "stop";
        var hashes = PromptHasher.BlockHashes(tokenIds, _options.Engine.BlockSize, PromptHasher.SeedFor(adapter));
        var stream = new RequestStream();
        var request = new EngineRequest(requestId, promptTokens, hashes, outputTokens, adapter, stream);
        var result = _host.Submit(request);
        if (result != SubmitResult.Accepted)
        {
            await WriteErrorAsync(context, result switch
            {
                SubmitResult.QueueFull => SimError.QueueFull($"The waiting queue is full ({_options.Engine.MaxWaitingQueueLength} requests); retry later."),
                SubmitResult.ContextTooLong => ContextError(promptTokens, outputTokens, maxModelLen),
                _ => SimError.BadRequest($"The request needs more KV cache than the server has ({_options.Engine.KvCacheBlocks} blocks of {_options.Engine.BlockSize} tokens)."),
            }).ConfigureAwait(false);
            return;
        }

        var completed = false;
        try
        {
            var response = new ResponseContext(context, chat, parsed, request, source, finishReason, failure, requestId, _time.GetUtcNow().ToUnixTimeSeconds());
            completed = parsed.Stream
                ? await StreamAsync(response, stream, cancellationToken).ConfigureAwait(false)
                : await CompleteAsync(response, stream, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (cancellationToken.IsCancellationRequested && exception is OperationCanceledException or IOException)
        {
            // The client went away; the finally block frees the request's slot and KV.
        }
        finally
        {
            if (!completed)
            {
                _host.Cancel(request);
            }
        }
    }

    private sealed record ResponseContext(
        HttpContext Http, bool Chat, GenerationRequest Parsed, EngineRequest Request, TokenSource Source, string FinishReason,
        FailureType? Failure, long RequestId, long Created)
    {
        public string Id => (Chat ? "chatcmpl-" : "cmpl-") + RequestId.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Waits for the engine's tokens (honouring injected faults); false when the request was cut short.</summary>
    private async Task<bool> CompleteAsync(ResponseContext response, RequestStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        var produced = 0;
        while (await stream.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (stream.Reader.TryRead(out var kind))
            {
                if (kind == EngineEventKind.Finished)
                {
                    continue;
                }

                if (produced == 0 && response.Failure == FailureType.SlowFirstToken)
                {
                    await Task.Delay(_options.SlowFirstTokenDelay, _time, cancellationToken).ConfigureAwait(false);
                }

                text.Append(response.Source.Next(produced));
                produced++;
                if (response.Failure == FailureType.ConnectionReset && produced >= Math.Min(_options.ResetAfterTokens, response.Request.OutputTokens))
                {
                    response.Http.Abort();
                    return false;
                }
            }
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            WriteEnvelope(writer, response, response.Chat ? "chat.completion" : "text_completion");
            writer.WriteStartArray("choices");
            writer.WriteStartObject();
            writer.WriteNumber("index", 0);
            if (response.Chat)
            {
                writer.WriteStartObject("message");
                writer.WriteString("role", "assistant");
                writer.WriteString("content", text.ToString());
                writer.WriteEndObject();
            }
            else
            {
                writer.WriteString("text", text.ToString());
            }

            writer.WriteNull("logprobs");
            writer.WriteString("finish_reason", response.FinishReason);
            writer.WriteEndObject();
            writer.WriteEndArray();
            WriteUsage(writer, response.Request);
            writer.WriteEndObject();
        }

        response.Http.Response.StatusCode = 200;
        response.Http.Response.ContentType = "application/json";
        await response.Http.Response.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <summary>Streams one SSE frame per engine token; false when the request was cut short.</summary>
    private async Task<bool> StreamAsync(ResponseContext response, RequestStream stream, CancellationToken cancellationToken)
    {
        var http = response.Http.Response;
        http.StatusCode = 200;
        http.ContentType = "text/event-stream";
        http.Headers.CacheControl = "no-cache";
        await http.StartAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new ArrayBufferWriter<byte>(512);
        await using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        var produced = 0;
        while (await stream.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
        {
            while (stream.Reader.TryRead(out var kind))
            {
                if (kind == EngineEventKind.Finished)
                {
                    continue;
                }

                if (produced == 0 && response.Failure == FailureType.SlowFirstToken)
                {
                    await Task.Delay(_options.SlowFirstTokenDelay, _time, cancellationToken).ConfigureAwait(false);
                }

                var token = response.Source.Next(produced);
                WriteChunk(writer, buffer, response, token, first: produced == 0, finishReason: null);
                produced++;
                await WriteFrameAsync(http, buffer, cancellationToken).ConfigureAwait(false);
                if (response.Failure == FailureType.ConnectionReset && produced >= Math.Min(_options.ResetAfterTokens, response.Request.OutputTokens))
                {
                    response.Http.Abort();
                    return false;
                }
            }
        }

        WriteChunk(writer, buffer, response, string.Empty, first: false, finishReason: response.FinishReason);
        await WriteFrameAsync(http, buffer, cancellationToken).ConfigureAwait(false);
        if (response.Parsed.IncludeUsage)
        {
            writer.Reset();
            writer.WriteStartObject();
            WriteEnvelope(writer, response, response.Chat ? "chat.completion.chunk" : "text_completion");
            writer.WriteStartArray("choices");
            writer.WriteEndArray();
            WriteUsage(writer, response.Request);
            writer.WriteEndObject();
            writer.Flush();
            await WriteFrameAsync(http, buffer, cancellationToken).ConfigureAwait(false);
        }

        await http.Body.WriteAsync(DoneFrame, cancellationToken).ConfigureAwait(false);
        await http.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        return true;
    }

    private static void WriteChunk(Utf8JsonWriter writer, ArrayBufferWriter<byte> buffer, ResponseContext response, string token, bool first, string? finishReason)
    {
        buffer.ResetWrittenCount();
        writer.Reset(buffer);
        writer.WriteStartObject();
        WriteEnvelope(writer, response, response.Chat ? "chat.completion.chunk" : "text_completion");
        writer.WriteStartArray("choices");
        writer.WriteStartObject();
        writer.WriteNumber("index", 0);
        if (response.Chat)
        {
            writer.WriteStartObject("delta");
            if (first)
            {
                writer.WriteString("role", "assistant");
            }

            if (finishReason is null)
            {
                writer.WriteString("content", token);
            }

            writer.WriteEndObject();
        }
        else
        {
            writer.WriteString("text", token);
        }

        writer.WriteNull("logprobs");
        if (finishReason is null)
        {
            writer.WriteNull("finish_reason");
        }
        else
        {
            writer.WriteString("finish_reason", finishReason);
        }

        writer.WriteEndObject();
        writer.WriteEndArray();
        writer.WriteEndObject();
        writer.Flush();
    }

    private static async Task WriteFrameAsync(HttpResponse http, ArrayBufferWriter<byte> buffer, CancellationToken cancellationToken)
    {
        await http.Body.WriteAsync(DataPrefix, cancellationToken).ConfigureAwait(false);
        await http.Body.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
        await http.Body.WriteAsync(FrameEnd, cancellationToken).ConfigureAwait(false);
        await http.Body.FlushAsync(cancellationToken).ConfigureAwait(false);
        buffer.ResetWrittenCount();
    }

    private static void WriteEnvelope(Utf8JsonWriter writer, ResponseContext response, string objectName)
    {
        writer.WriteString("id", response.Id);
        writer.WriteString("object", objectName);
        writer.WriteNumber("created", response.Created);
        writer.WriteString("model", response.Parsed.Model);
    }

    private static void WriteUsage(Utf8JsonWriter writer, EngineRequest request)
    {
        writer.WriteStartObject("usage");
        writer.WriteNumber("prompt_tokens", request.PromptTokens);
        writer.WriteNumber("completion_tokens", request.GeneratedTokens);
        writer.WriteNumber("total_tokens", request.PromptTokens + request.GeneratedTokens);
        writer.WriteStartObject("prompt_tokens_details");
        writer.WriteNumber("cached_tokens", request.CachedTokens);
        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private FailureType? DrawFailure()
    {
        if (_options.FailureInjectionRate <= 0)
        {
            return null;
        }

        lock (_randomGate)
        {
            if (_failureRandom.NextDouble() * 100 >= _options.FailureInjectionRate)
            {
                return null;
            }

            var types = _options.FailureTypes;
            return types.Count == 0 ? (FailureType)_failureRandom.NextInt(Enum.GetValues<FailureType>().Length) : types[_failureRandom.NextInt(types.Count)];
        }
    }

    private static SimError? FailureError(FailureType failure, string model, int promptTokens, int maxModelLen) => failure switch
    {
        FailureType.RateLimit => new SimError(429, "Rate limit reached (injected failure).", "rate_limit_exceeded", "rate_limit_exceeded"),
        FailureType.InvalidApiKey => new SimError(401, "Incorrect API key provided (injected failure).", "invalid_request_error", "invalid_api_key"),
        FailureType.ContextLength => SimError.ContextTooLong(
            string.Create(CultureInfo.InvariantCulture, $"This model's maximum context length is {maxModelLen} tokens. However, you requested {maxModelLen + 1} tokens ({promptTokens} in the messages). Please reduce the length of the messages (injected failure).")),
        FailureType.ServerError => SimError.Internal("The server had an error while processing your request (injected failure)."),
        FailureType.InvalidRequest => SimError.BadRequest("Invalid request (injected failure).", "invalid_request"),
        FailureType.ModelNotFound => new SimError(404, $"The model `{model}` does not exist (injected failure).", "invalid_request_error", "model_not_found"),
        _ => null,
    };

    private static SimError ContextError(int promptTokens, int completionTokens, int maxModelLen) =>
        SimError.ContextTooLong(string.Create(CultureInfo.InvariantCulture,
            $"This model's maximum context length is {maxModelLen} tokens. However, you requested {promptTokens + completionTokens} tokens ({promptTokens} in the messages, {completionTokens} in the completion). Please reduce the length of the messages or completion."));

    private async Task ModelsAsync(HttpContext context)
    {
        var buffer = new ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString("object", "list");
            writer.WriteStartArray("data");
            var names = _options.ServedModelNames.Count > 0 ? _options.ServedModelNames : [_options.Model];
            foreach (var name in names)
            {
                WriteModel(writer, name, _options.Model, parent: null);
            }

            var adapters = _loras.Values.ToArray();
            Array.Sort(adapters, (a, b) => string.CompareOrdinal(a.Name, b.Name));
            foreach (var lora in adapters)
            {
                WriteModel(writer, lora.Name, lora.Path ?? lora.Name, parent: _options.PrimaryModelName);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(buffer.WrittenMemory, context.RequestAborted).ConfigureAwait(false);
    }

    private void WriteModel(Utf8JsonWriter writer, string id, string root, string? parent)
    {
        writer.WriteStartObject();
        writer.WriteString("id", id);
        writer.WriteString("object", "model");
        writer.WriteNumber("created", _created);
        writer.WriteString("owned_by", "vllm");
        writer.WriteString("root", root);
        if (parent is null)
        {
            writer.WriteNull("parent");
        }
        else
        {
            writer.WriteString("parent", parent);
        }

        writer.WriteNumber("max_model_len", _options.Engine.MaxModelLen);
        writer.WriteEndObject();
    }

    private async Task MetricsAsync(HttpContext context)
    {
        var snapshot = _host.Snapshot();
        var unixNow = _time.GetUtcNow().ToUnixTimeMilliseconds() / 1000.0;
        var text = MetricsWriter.Write(snapshot, _options.PrimaryModelName, _options.Flavor, Volatile.Read(ref _fakeMetrics), unixNow);
        context.Response.ContentType = MetricsWriter.ContentType;
        await context.Response.WriteAsync(text, context.RequestAborted).ConfigureAwait(false);
    }

    private async Task LoadLoraAsync(HttpContext context)
    {
        var body = await ReadLoraBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (_options.Engine.MaxLoras < 1)
        {
            await WriteErrorAsync(context, SimError.BadRequest("LoRA is disabled on this server (--max-loras 0).")).ConfigureAwait(false);
            return;
        }

        if (_baseNames.Contains(body.Name) || !_loras.TryAdd(body.Name, body))
        {
            await WriteErrorAsync(context, SimError.BadRequest($"The lora adapter '{body.Name}' has already been loaded.")).ConfigureAwait(false);
            return;
        }

        SimulatorLog.LoraChanged(_logger, body.Name, "loaded");
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync($"Success: LoRA adapter '{body.Name}' added successfully.", context.RequestAborted).ConfigureAwait(false);
    }

    private async Task UnloadLoraAsync(HttpContext context)
    {
        var body = await ReadLoraBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (!_loras.TryRemove(body.Name, out _))
        {
            await WriteErrorAsync(context, new SimError(404, $"The lora adapter '{body.Name}' cannot be found.", "invalid_request_error", "lora_not_found")).ConfigureAwait(false);
            return;
        }

        SimulatorLog.LoraChanged(_logger, body.Name, "unloaded");
        context.Response.ContentType = "text/plain";
        await context.Response.WriteAsync($"Success: LoRA adapter '{body.Name}' removed successfully.", context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task<LoraModule?> ReadLoraBodyAsync(HttpContext context)
    {
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            var root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object && root.TryGetProperty("lora_name", out var name) && name.ValueKind == JsonValueKind.String
                && !string.IsNullOrWhiteSpace(name.GetString()))
            {
                var path = root.TryGetProperty("lora_path", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                return new LoraModule(name.GetString()!, path);
            }
        }
        catch (JsonException)
        {
            // Reported below.
        }

        await WriteErrorAsync(context, SimError.BadRequest("The body must be a JSON object with a string 'lora_name'.")).ConfigureAwait(false);
        return null;
    }

    private async Task FakeMetricsAsync(HttpContext context)
    {
        FakeMetrics fake;
        try
        {
            using var document = await JsonDocument.ParseAsync(context.Request.Body, default, context.RequestAborted).ConfigureAwait(false);
            fake = FakeMetrics.Parse(document.RootElement);
        }
        catch (Exception exception) when (exception is JsonException or FormatException or InvalidOperationException)
        {
            await WriteErrorAsync(context, SimError.BadRequest("Invalid fake metrics: " + exception.Message)).ConfigureAwait(false);
            return;
        }

        SetFakeMetrics(fake);
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync("{\"status\":\"ok\"}", context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task WriteErrorAsync(HttpContext context, SimError error)
    {
        if (context.Response.HasStarted)
        {
            context.Abort();
            return;
        }

        context.Response.StatusCode = error.StatusCode;
        context.Response.ContentType = "application/json";
        await context.Response.Body.WriteAsync(error.ToJsonBytes(), context.RequestAborted).ConfigureAwait(false);
    }
}
