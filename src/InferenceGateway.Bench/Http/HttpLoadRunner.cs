using System.Buffers;
using System.Net.Http.Headers;
using System.Text.Json;
using InferenceGateway.Bench.Measurement;
using InferenceGateway.Bench.Workloads;

namespace InferenceGateway.Bench.Http;

/// <summary>What an http run produced: per-request results and every inter-token gap with its stage.</summary>
internal sealed record HttpRunResult(IReadOnlyList<RequestResult> Requests, IReadOnlyList<(int Stage, double Gap)> Gaps, StageWindows Windows);

/// <summary>
/// Open-loop streaming load against an OpenAI-compatible URL: each planned request is sent at its time (later if
/// all <c>maxConcurrency</c> workers are busy) as a streaming completion (chat for multi-turn workloads) with a fixed
/// <c>max_tokens</c>, <c>ignore_eos</c> and <c>stream_options.include_usage</c>. Every SSE frame is timed on arrival.
/// The run ends by itself once every request has finished or hit its timeout.
/// </summary>
internal sealed class HttpLoadRunner
{
    private readonly HttpClient _client;
    private readonly Uri _target;
    private readonly string? _model;
    private readonly int _maxConcurrency;
    private readonly TimeSpan _requestTimeout;
    private readonly TimeProvider _time;

    public HttpLoadRunner(HttpClient client, Uri target, string? model, int maxConcurrency, TimeSpan requestTimeout, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxConcurrency, 1);
        _client = client;
        _target = target;
        _model = model;
        _maxConcurrency = maxConcurrency;
        _requestTimeout = requestTimeout;
        _time = time;
    }

    public async Task<HttpRunResult> RunAsync(LoadPlan plan, Action<double>? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var model = _model ?? await DiscoverModelAsync(cancellationToken).ConfigureAwait(false);
        var results = new RequestResult[plan.Requests.Count];
        var gaps = new List<(int, double)>();
        var windows = new StageWindows([.. plan.Stages.Select(s => s.Duration)]);
        using var workers = new SemaphoreSlim(_maxConcurrency);
        var tasks = new List<Task>(plan.Requests.Count);
        var done = 0;
        var start = _time.GetTimestamp();
        foreach (var planned in plan.Requests)
        {
            var wait = planned.At - _time.GetElapsedTime(start);
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, _time, cancellationToken).ConfigureAwait(false);
            }

            await workers.WaitAsync(cancellationToken).ConfigureAwait(false);
            tasks.Add(Task.Run(
                async () =>
                {
                    try
                    {
                        var (result, requestGaps, chunks) = await SendAsync(planned, model, start, cancellationToken).ConfigureAwait(false);
                        results[planned.Index] = result;
                        lock (gaps)
                        {
                            foreach (var chunk in chunks)
                            {
                                windows.AddTokens(chunk, 1);
                            }

                            if (result.Succeeded)
                            {
                                windows.AddCompletion(result.EndTime, result.PromptTokens);
                            }

                            foreach (var gap in requestGaps)
                            {
                                gaps.Add((planned.Stage, gap));
                            }
                        }
                    }
                    finally
                    {
                        workers.Release();
                        var count = Interlocked.Increment(ref done);
                        progress?.Invoke((double)count / results.Length);
                    }
                },
                cancellationToken));
        }

        await Task.WhenAll(tasks).ConfigureAwait(false);
        return new HttpRunResult(results, gaps, windows);
    }

    /// <summary>The JSON body of one streaming request.</summary>
    public static byte[] BuildBody(PromptItem item, string model)
    {
        ArgumentNullException.ThrowIfNull(item);
        var buffer = new ArrayBufferWriter<byte>(item.PromptBytes.Length + 256);
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteString("model", item.Adapter ?? model);
            if (item.Messages is { } messages)
            {
                json.WriteStartArray("messages");
                foreach (var message in messages)
                {
                    json.WriteStartObject();
                    json.WriteString("role", message.Role);
                    json.WriteString("content", message.Content);
                    json.WriteEndObject();
                }

                json.WriteEndArray();
            }
            else
            {
                json.WriteString("prompt", item.Prompt);
            }

            json.WriteNumber("max_tokens", item.OutputTokens);
            json.WriteBoolean("ignore_eos", true);
            json.WriteBoolean("stream", true);
            json.WriteStartObject("stream_options");
            json.WriteBoolean("include_usage", true);
            json.WriteEndObject();
            json.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Reads one SSE data payload: the text it carries (completions <c>choices[0].text</c>, chat
    /// <c>choices[0].delta.content</c>) and, in the usage chunk, the token counts.
    /// </summary>
    public static (string? Text, int? PromptTokens, int? CompletionTokens, int? CachedTokens) ParseChunk(ReadOnlySpan<byte> payload)
    {
        using var document = JsonDocument.Parse(payload.ToArray());
        var root = document.RootElement;
        string? text = null;
        if (root.TryGetProperty("choices", out var choices) && choices.ValueKind == JsonValueKind.Array && choices.GetArrayLength() > 0)
        {
            var choice = choices[0];
            if (choice.TryGetProperty("text", out var t) && t.ValueKind == JsonValueKind.String)
            {
                text = t.GetString();
            }
            else if (choice.TryGetProperty("delta", out var delta) && delta.ValueKind == JsonValueKind.Object
                && delta.TryGetProperty("content", out var c) && c.ValueKind == JsonValueKind.String)
            {
                text = c.GetString();
            }
        }

        int? prompt = null;
        int? completion = null;
        int? cached = null;
        if (root.TryGetProperty("usage", out var usage) && usage.ValueKind == JsonValueKind.Object)
        {
            prompt = ReadInt(usage, "prompt_tokens");
            completion = ReadInt(usage, "completion_tokens");
            if (usage.TryGetProperty("prompt_tokens_details", out var details) && details.ValueKind == JsonValueKind.Object)
            {
                cached = ReadInt(details, "cached_tokens");
            }
        }

        return (text, prompt, completion, cached);
    }

    private static int? ReadInt(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var n) ? n : null;

    private async Task<(RequestResult Result, double[] Gaps, List<double> Chunks)> SendAsync(PlannedRequest planned, string model, long start, CancellationToken cancellationToken)
    {
        var item = planned.Item;
        var chunkTimes = new List<double>(item.OutputTokens);
        int? promptTokens = null;
        int? completionTokens = null;
        int? cachedTokens = null;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_requestTimeout);
        var send = Elapsed(start);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_target, item.IsChat ? "v1/chat/completions" : "v1/completions"))
            {
                Content = new ByteArrayContent(BuildBody(item, model)),
            };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                var body = await response.Content.ReadAsStringAsync(timeout.Token).ConfigureAwait(false);
                return (Failure(planned, send, Elapsed(start), (int)response.StatusCode, Truncate(body)), [], chunkTimes);
            }

            var stream = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                using var reader = new StreamReader(stream);
                while (await reader.ReadLineAsync(timeout.Token).ConfigureAwait(false) is { } line)
                {
                    if (!line.StartsWith("data:", StringComparison.Ordinal))
                    {
                        continue;
                    }

                    var now = Elapsed(start);
                    var payload = line.AsSpan(5).Trim();
                    if (payload.SequenceEqual("[DONE]"))
                    {
                        break;
                    }

                    var (text, p, c, cached) = ParseChunk(System.Text.Encoding.UTF8.GetBytes(payload.ToString()));
                    if (!string.IsNullOrEmpty(text))
                    {
                        chunkTimes.Add(now);
                    }

                    promptTokens = p ?? promptTokens;
                    completionTokens = c ?? completionTokens;
                    cachedTokens = cached ?? cachedTokens;
                }
            }
        }
        catch (Exception exception) when (exception is HttpRequestException or IOException or JsonException || (exception is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            var error = exception is OperationCanceledException ? "timed out" : exception.Message;
            return (Failure(planned, send, Elapsed(start), 0, error), [], chunkTimes);
        }

        var end = Elapsed(start);
        var output = completionTokens ?? chunkTimes.Count;
        var metrics = StreamMetrics.Compute(send, chunkTimes, end, output);
        var ok = chunkTimes.Count > 0;
        return (new RequestResult
        {
            Index = planned.Index,
            Stage = planned.Stage,
            SendTime = send,
            ArrivalTime = planned.At.TotalSeconds,
            Succeeded = ok,
            StatusCode = 200,
            Error = ok ? null : "stream carried no tokens",
            FirstTokenTime = chunkTimes.Count > 0 ? chunkTimes[0] : null,
            EndTime = end,
            PromptTokens = promptTokens ?? item.PromptTokens,
            CachedTokens = cachedTokens ?? 0,
            OutputTokens = output,
        }, metrics.Gaps, chunkTimes);
    }

    private async Task<string> DiscoverModelAsync(CancellationToken cancellationToken)
    {
        using var response = await _client.GetAsync(new Uri(_target, "v1/models"), cancellationToken).ConfigureAwait(false);
        response.EnsureSuccessStatusCode();
        using var document = await JsonDocument.ParseAsync(await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false), cancellationToken: cancellationToken).ConfigureAwait(false);
        foreach (var model in document.RootElement.GetProperty("data").EnumerateArray())
        {
            if (model.TryGetProperty("id", out var id) && id.GetString() is { Length: > 0 } name)
            {
                return name;
            }
        }

        throw new InvalidOperationException("the target's /v1/models lists no model; pass --model");
    }

    private double Elapsed(long start) => _time.GetElapsedTime(start).TotalSeconds;

    private static RequestResult Failure(PlannedRequest planned, double send, double end, int status, string error) => new()
    {
        Index = planned.Index,
        Stage = planned.Stage,
        SendTime = send,
        ArrivalTime = planned.At.TotalSeconds,
        Succeeded = false,
        StatusCode = status,
        Error = error,
        EndTime = end,
        PromptTokens = planned.Item.PromptTokens,
    };

    private static string Truncate(string text) => text.Length <= 300 ? text : text[..300];
}
