using InferenceGateway.Simulator.Engines;

namespace InferenceGateway.Simulator.Server;

public enum GenerationMode
{
    /// <summary>Deterministic pseudo-random words from the seed.</summary>
    Random,

    /// <summary>The prompt (the last user message for chat) cut to max_tokens.</summary>
    Echo,
}

public enum MetricsFlavor
{
    Vllm,
    Sglang,
}

public enum FailureType
{
    /// <summary>HTTP 429 rate_limit_exceeded.</summary>
    RateLimit,

    /// <summary>HTTP 401 invalid_api_key.</summary>
    InvalidApiKey,

    /// <summary>HTTP 400 context_length_exceeded.</summary>
    ContextLength,

    /// <summary>HTTP 500 server_error.</summary>
    ServerError,

    /// <summary>HTTP 400 invalid_request_error.</summary>
    InvalidRequest,

    /// <summary>HTTP 404 model_not_found.</summary>
    ModelNotFound,

    /// <summary>The connection is reset after a few tokens (streaming) or before the response (non-streaming).</summary>
    ConnectionReset,

    /// <summary>The first token is held back for <see cref="SimulatorOptions.SlowFirstTokenDelay"/>.</summary>
    SlowFirstToken,
}

/// <summary>Everything `inference-gateway sim` takes; defaults follow the reference simulator.</summary>
public sealed class SimulatorOptions
{
    public string Host { get; set; } = "127.0.0.1";

    /// <summary>0 = any free port (the bound URL is reported by <see cref="SimulatorServer.BaseAddress"/>).</summary>
    public int Port { get; set; } = 8000;

    public string Model { get; set; } = "meta-llama/Llama-3.1-8B-Instruct";

    /// <summary>Names clients use for the base model; empty = <see cref="Model"/>. The first labels the metrics.</summary>
    public IReadOnlyList<string> ServedModelNames { get; set; } = [];

    /// <summary>LoRA adapters available at start (name and optional path).</summary>
    public IReadOnlyList<LoraModule> LoraModules { get; set; } = [];

    public GenerationMode Mode { get; set; } = GenerationMode.Random;

    public EngineOptions Engine { get; set; } = EngineOptions.FromProfile(EngineProfile.Test);

    public MetricsFlavor Flavor { get; set; } = MetricsFlavor.Vllm;

    public long Seed { get; set; }

    /// <summary>Reported load pinned at start (reference simulator JSON); null = report the real values.</summary>
    public FakeMetrics? FakeMetrics { get; set; }

    /// <summary>Percentage (0..100) of generation requests that fail with one of <see cref="FailureTypes"/>.</summary>
    public double FailureInjectionRate { get; set; }

    /// <summary>Types drawn from when a failure is injected; empty = all.</summary>
    public IReadOnlyList<FailureType> FailureTypes { get; set; } = [];

    /// <summary>Wall-clock seconds per simulated second (0.5 = twice as fast; 0 = no waiting at all).</summary>
    public double TimeScale { get; set; } = 1.0;

    public TimeSpan SlowFirstTokenDelay { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Tokens streamed before an injected connection reset.</summary>
    public int ResetAfterTokens { get; set; } = 2;

    public string PrimaryModelName => ServedModelNames.Count > 0 ? ServedModelNames[0] : Model;

    public void Validate()
    {
        Engine.Validate();
        if (FailureInjectionRate is < 0 or > 100)
        {
            throw new ArgumentOutOfRangeException(nameof(FailureInjectionRate), "must be 0..100");
        }

        ArgumentOutOfRangeException.ThrowIfNegative(TimeScale);
        ArgumentOutOfRangeException.ThrowIfNegative(ResetAfterTokens);
        if (LoraModules.Count > 0 && Engine.MaxLoras < 1)
        {
            throw new ArgumentException("LoRA modules need --max-loras >= 1.");
        }

        if (string.IsNullOrWhiteSpace(Model))
        {
            throw new ArgumentException("--model is required.");
        }
    }

    /// <summary>Parses a failure type name (`server_error`, `rate_limit`, ...).</summary>
    public static bool TryParseFailureType(string text, out FailureType type)
    {
        switch (text.Trim().ToLowerInvariant())
        {
            case "rate_limit":
                type = FailureType.RateLimit;
                return true;
            case "invalid_api_key":
                type = FailureType.InvalidApiKey;
                return true;
            case "context_length":
                type = FailureType.ContextLength;
                return true;
            case "server_error":
                type = FailureType.ServerError;
                return true;
            case "invalid_request":
                type = FailureType.InvalidRequest;
                return true;
            case "model_not_found":
                type = FailureType.ModelNotFound;
                return true;
            case "connection_reset":
                type = FailureType.ConnectionReset;
                return true;
            case "slow_first_token":
                type = FailureType.SlowFirstToken;
                return true;
            default:
                type = default;
                return false;
        }
    }
}

/// <summary>A LoRA adapter: its name and (informational) path.</summary>
public sealed record LoraModule(string Name, string? Path)
{
    /// <summary>Accepts `name`, `name=path` or JSON `{"name":"..","path":".."}` (vLLM / reference simulator forms).</summary>
    public static LoraModule Parse(string text)
    {
        text = text.Trim();
        if (text.StartsWith('{'))
        {
            using var document = System.Text.Json.JsonDocument.Parse(text);
            var root = document.RootElement;
            var name = root.TryGetProperty("name", out var n) ? n.GetString() : null;
            if (string.IsNullOrWhiteSpace(name))
            {
                throw new FormatException($"LoRA module '{text}' has no name.");
            }

            return new LoraModule(name, root.TryGetProperty("path", out var p) ? p.GetString() : null);
        }

        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals < 0)
        {
            return new LoraModule(text, null);
        }

        return new LoraModule(text[..equals].Trim(), text[(equals + 1)..].Trim());
    }
}
