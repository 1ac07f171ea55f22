using System.Collections.Frozen;
using System.Globalization;
using System.Text;

namespace InferenceGateway.Core.Metrics;

/// <summary>
/// How one model-server engine names its load signals. One sealed class per engine; chosen per endpoint by the pod
/// label <c>inference.networking.k8s.io/engine-type</c> (default vllm).
/// </summary>
internal interface IEngineMetricsMapping
{
    /// <summary>Value of the engine-type label, e.g. "vllm".</summary>
    string EngineType { get; }

    /// <summary>HTTP path that serves the Prometheus text.</summary>
    string MetricsPath { get; }

    /// <summary>Reads one exposition. Missing required series make the scrape an error, never zeros.</summary>
    MetricsExtraction Extract(ReadOnlySpan<byte> exposition, DateTimeOffset scrapedAt);
}

/// <summary>Result of one extraction: metrics, or an error; plus how many exposition lines were skipped as bad.</summary>
internal readonly record struct MetricsExtraction(EndpointMetrics? Metrics, string? Error, int ProblemCount, PrometheusProblem? FirstProblem)
{
    public bool Succeeded => Metrics is not null;
}

/// <summary>What a selected series contributes.</summary>
internal enum MetricRole
{
    Waiting,
    Running,
    KvCacheUsage,
    BlockSize,
    NumBlocks,
    LoraInfo,
}

/// <summary>
/// Selects series by name and, optionally, one label value. With <see cref="ValueLabel"/> the number is read from
/// that label instead of the sample value (vLLM's and SGLang's <c>cache_config_info</c>).
/// </summary>
internal sealed class SeriesSelector
{
    public SeriesSelector(MetricRole role, string name, string? labelName = null, string? labelValue = null, string? valueLabel = null)
    {
        Role = role;
        DisplayName = labelName is null ? name : $"{name}{{{labelName}=\"{labelValue}\"}}";
        Name = Encoding.UTF8.GetBytes(name);
        LabelName = labelName is null ? null : Encoding.UTF8.GetBytes(labelName);
        LabelValue = labelValue is null ? null : Encoding.UTF8.GetBytes(labelValue);
        ValueLabel = valueLabel is null ? null : Encoding.UTF8.GetBytes(valueLabel);
    }

    public MetricRole Role { get; }

    public string DisplayName { get; }

    public byte[] Name { get; }

    public byte[]? LabelName { get; }

    public byte[]? LabelValue { get; }

    public byte[]? ValueLabel { get; }

    public bool Matches(in PrometheusSample sample) =>
        LabelName is null || sample.LabelEquals(LabelName, LabelValue);
}

/// <summary>
/// Shared extraction over a list of selectors. Aggregation when an engine exposes several series for one signal
/// (several <c>model_name</c> values, or data-parallel <c>engine</c> ranks behind one port): request counts are
/// summed (they are all queued on this endpoint), utilisation and block geometry take the maximum (the most
/// constrained cache decides), and for LoRA the series with the largest value (newest timestamp) wins.
/// </summary>
internal abstract class SelectorEngineMetricsMapping : IEngineMetricsMapping
{
    private static readonly byte[] RunningAdaptersLabel = "running_lora_adapters"u8.ToArray();
    private static readonly byte[] WaitingAdaptersLabel = "waiting_lora_adapters"u8.ToArray();
    private static readonly byte[] MaxLoraLabel = "max_lora"u8.ToArray();

    private readonly SeriesSelector[] _selectors;

    protected SelectorEngineMetricsMapping(params SeriesSelector[] selectors) => _selectors = selectors;

    public abstract string EngineType { get; }

    public virtual string MetricsPath => "/metrics";

    internal IReadOnlyList<SeriesSelector> Selectors => _selectors;

    public MetricsExtraction Extract(ReadOnlySpan<byte> exposition, DateTimeOffset scrapedAt)
    {
        var visitor = new Visitor(_selectors);
        var problems = new List<PrometheusProblem>(1);
        var problemCount = PrometheusTextParser.Parse(exposition, ref visitor, problems, FirstProblemOnly);
        PrometheusProblem? first = problems.Count > 0 ? problems[0] : null;

        var error = visitor.InvalidValue ?? MissingRequired(visitor);
        if (error is not null)
        {
            return new MetricsExtraction(null, error, problemCount, first);
        }

        var metrics = new EndpointMetrics(
            ToCount(visitor.Waiting),
            ToCount(visitor.Running),
            visitor.KvUsage,
            SplitAdapters(visitor.RunningAdapters),
            SplitAdapters(visitor.WaitingAdapters),
            visitor.MaxLora,
            visitor.HasBlockSize ? ToCount(visitor.BlockSize) : null,
            visitor.HasNumBlocks ? ToCount(visitor.NumBlocks) : null,
            scrapedAt);
        return new MetricsExtraction(metrics, null, problemCount, first);
    }

    private static readonly PrometheusParseLimits FirstProblemOnly = new() { MaxProblems = 1 };

    private string? MissingRequired(in Visitor visitor)
    {
        StringBuilder? missing = null;
        Check(MetricRole.Waiting, visitor.HasWaiting);
        Check(MetricRole.Running, visitor.HasRunning);
        Check(MetricRole.KvCacheUsage, visitor.HasKv);
        return missing is null ? null : $"required series missing: {missing}";

        void Check(MetricRole role, bool seen)
        {
            if (seen)
            {
                return;
            }

            var names = new List<string>();
            foreach (var selector in _selectors)
            {
                if (selector.Role == role)
                {
                    names.Add(selector.DisplayName);
                }
            }

            missing = missing is null ? new StringBuilder() : missing.Append(", ");
            missing.Append(string.Join(" or ", names));
        }
    }

    private static int ToCount(double value) => value >= int.MaxValue ? int.MaxValue : (int)Math.Round(value, MidpointRounding.AwayFromZero);

    private static FrozenSet<string> SplitAdapters(string? list)
    {
        if (string.IsNullOrEmpty(list))
        {
            return FrozenSet<string>.Empty;
        }

        return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToFrozenSet(StringComparer.Ordinal);
    }

    private struct Visitor(SeriesSelector[] selectors) : IPrometheusSampleVisitor
    {
        public double Waiting;
        public double Running;
        public double KvUsage;
        public double BlockSize;
        public double NumBlocks;
        public bool HasWaiting;
        public bool HasRunning;
        public bool HasKv;
        public bool HasBlockSize;
        public bool HasNumBlocks;
        public string? InvalidValue;
        public string? RunningAdapters;
        public string? WaitingAdapters;
        public int MaxLora;
        private double _loraStamp;
        private bool _hasLora;

        public readonly bool WantsSeries(ReadOnlySpan<byte> name, ReadOnlySpan<byte> familyName)
        {
            foreach (var selector in selectors)
            {
                if (name.SequenceEqual(selector.Name))
                {
                    return true;
                }
            }

            return false;
        }

        public void OnSample(in PrometheusSample sample)
        {
            foreach (var selector in selectors)
            {
                if (!sample.Name.SequenceEqual(selector.Name) || !selector.Matches(sample))
                {
                    continue;
                }

                if (selector.Role == MetricRole.LoraInfo)
                {
                    OnLora(sample);
                    continue;
                }

                double value;
                if (selector.ValueLabel is null)
                {
                    value = sample.Value;
                }
                else
                {
                    var index = sample.IndexOfLabel(selector.ValueLabel);
                    if (index < 0 || !double.TryParse(sample.GetLabelValue(index), NumberStyles.Float, CultureInfo.InvariantCulture, out value))
                    {
                        continue; // optional geometry; a missing or "None" label leaves it unknown
                    }
                }

                if (double.IsNaN(value) || double.IsInfinity(value) || value < 0)
                {
                    if (selector.Role is MetricRole.Waiting or MetricRole.Running or MetricRole.KvCacheUsage)
                    {
                        InvalidValue ??= $"series {selector.DisplayName} has invalid value {value.ToString(CultureInfo.InvariantCulture)} (line {sample.LineNumber})";
                    }

                    continue;
                }

                switch (selector.Role)
                {
                    case MetricRole.Waiting:
                        Waiting += value;
                        HasWaiting = true;
                        break;
                    case MetricRole.Running:
                        Running += value;
                        HasRunning = true;
                        break;
                    case MetricRole.KvCacheUsage:
                        KvUsage = HasKv ? Math.Max(KvUsage, value) : value;
                        HasKv = true;
                        break;
                    case MetricRole.BlockSize:
                        BlockSize = HasBlockSize ? Math.Max(BlockSize, value) : value;
                        HasBlockSize = true;
                        break;
                    case MetricRole.NumBlocks:
                        NumBlocks = HasNumBlocks ? Math.Max(NumBlocks, value) : value;
                        HasNumBlocks = true;
                        break;
                }
            }
        }

        private void OnLora(in PrometheusSample sample)
        {
            // The value is a Unix timestamp: the newest series describes the current adapter state. Ties: later line.
            if (double.IsNaN(sample.Value) || (_hasLora && sample.Value < _loraStamp))
            {
                return;
            }

            _hasLora = true;
            _loraStamp = sample.Value;
            RunningAdapters = sample.TryGetLabelValue(RunningAdaptersLabel, out var running) ? running : null;
            WaitingAdapters = sample.TryGetLabelValue(WaitingAdaptersLabel, out var waiting) ? waiting : null;
            MaxLora = sample.TryGetLabelValue(MaxLoraLabel, out var max) && int.TryParse(max, NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsed) && parsed >= 0
                ? parsed
                : 0;
        }

        public readonly void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type)
        {
        }

        public readonly void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText)
        {
        }
    }
}

/// <summary>vLLM: <c>vllm:*</c> gauges; KV under its current or its pre-0.9 name; LoRA and cache geometry from info gauges.</summary>
internal sealed class VllmMetricsMapping() : SelectorEngineMetricsMapping(
    new SeriesSelector(MetricRole.Waiting, "vllm:num_requests_waiting"),
    new SeriesSelector(MetricRole.Running, "vllm:num_requests_running"),
    new SeriesSelector(MetricRole.KvCacheUsage, "vllm:kv_cache_usage_perc"),
    new SeriesSelector(MetricRole.KvCacheUsage, "vllm:gpu_cache_usage_perc"),
    new SeriesSelector(MetricRole.LoraInfo, "vllm:lora_requests_info"),
    new SeriesSelector(MetricRole.BlockSize, "vllm:cache_config_info", valueLabel: "block_size"),
    new SeriesSelector(MetricRole.NumBlocks, "vllm:cache_config_info", valueLabel: "num_gpu_blocks"))
{
    public const string Name = "vllm";

    public override string EngineType => Name;
}

/// <summary>SGLang: queue and running gauges, token usage, page geometry from <c>sglang:cache_config_info</c>.</summary>
internal sealed class SglangMetricsMapping() : SelectorEngineMetricsMapping(
    new SeriesSelector(MetricRole.Waiting, "sglang:num_queue_reqs"),
    new SeriesSelector(MetricRole.Running, "sglang:num_running_reqs"),
    new SeriesSelector(MetricRole.KvCacheUsage, "sglang:token_usage"),
    new SeriesSelector(MetricRole.BlockSize, "sglang:cache_config_info", valueLabel: "page_size"),
    new SeriesSelector(MetricRole.NumBlocks, "sglang:cache_config_info", valueLabel: "num_pages"))
{
    public const string Name = "sglang";

    public override string EngineType => Name;
}

/// <summary>
/// trtllm-serve: <c>trtllm_*</c> gauges. It serves Prometheus text on <c>/prometheus/metrics</c> (its
/// <c>/metrics</c> answers JSON iteration stats).
/// </summary>
internal sealed class TrtllmServeMetricsMapping() : SelectorEngineMetricsMapping(
    new SeriesSelector(MetricRole.Waiting, "trtllm_num_requests_waiting"),
    new SeriesSelector(MetricRole.Running, "trtllm_num_requests_running"),
    new SeriesSelector(MetricRole.KvCacheUsage, "trtllm_kv_cache_utilization"),
    new SeriesSelector(MetricRole.BlockSize, "trtllm_kv_cache_tokens_per_block"),
    new SeriesSelector(MetricRole.NumBlocks, "trtllm_kv_cache_max_blocks"))
{
    public const string Name = "trtllm-serve";

    public override string EngineType => Name;

    public override string MetricsPath => "/prometheus/metrics";
}

/// <summary>Triton with the TensorRT-LLM backend: two gauge families told apart by a label.</summary>
internal sealed class TritonTensorRtLlmMetricsMapping() : SelectorEngineMetricsMapping(
    new SeriesSelector(MetricRole.Waiting, "nv_trt_llm_request_metrics", "request_type", "waiting"),
    new SeriesSelector(MetricRole.Running, "nv_trt_llm_request_metrics", "request_type", "scheduled"),
    new SeriesSelector(MetricRole.KvCacheUsage, "nv_trt_llm_kv_cache_block_metrics", "kv_cache_block_type", "fraction"),
    new SeriesSelector(MetricRole.BlockSize, "nv_trt_llm_kv_cache_block_metrics", "kv_cache_block_type", "tokens_per"),
    new SeriesSelector(MetricRole.NumBlocks, "nv_trt_llm_kv_cache_block_metrics", "kv_cache_block_type", "max"))
{
    public const string Name = "triton-tensorrt-llm";

    public override string EngineType => Name;
}

/// <summary>The engine mappings by engine-type label value (case-insensitive), resolved once into a frozen dictionary.</summary>
internal sealed class EngineMetricsMappings
{
    private readonly FrozenDictionary<string, IEngineMetricsMapping> _byName;
    private readonly IEngineMetricsMapping _default;

    public EngineMetricsMappings(IEnumerable<IEngineMetricsMapping> mappings, string defaultEngineType = Datastore.Endpoint.DefaultEngineType)
    {
        var byName = new Dictionary<string, IEngineMetricsMapping>(StringComparer.OrdinalIgnoreCase);
        foreach (var mapping in mappings)
        {
            byName[mapping.EngineType] = mapping;
        }

        _byName = byName.ToFrozenDictionary(StringComparer.OrdinalIgnoreCase);
        _default = _byName.TryGetValue(defaultEngineType, out var fallback)
            ? fallback
            : throw new ArgumentException($"no mapping for the default engine type '{defaultEngineType}'", nameof(defaultEngineType));
    }

    public static EngineMetricsMappings CreateDefault() => new(
    [
        new VllmMetricsMapping(),
        new SglangMetricsMapping(),
        new TrtllmServeMetricsMapping(),
        new TritonTensorRtLlmMetricsMapping(),
    ]);

    public IReadOnlyCollection<string> EngineTypes => _byName.Keys;

    /// <summary>The mapping for an engine type; empty means the default. Unknown types fall back to the default (known = false).</summary>
    public IEngineMetricsMapping Resolve(string? engineType, out bool known)
    {
        if (string.IsNullOrWhiteSpace(engineType))
        {
            known = true;
            return _default;
        }

        known = _byName.TryGetValue(engineType.Trim(), out var mapping);
        return mapping ?? _default;
    }
}
