using Prometheus;

namespace InferenceGateway.ExtProc.Metrics;

/// <summary>
/// The picker's Prometheus metrics, named as the Gateway API Inference Extension names them. The ext_proc service
/// records per-request values; the host refreshes the pool gauges from a timer with <see cref="UpdatePool"/>.
/// </summary>
public sealed class PickerMetrics
{
    private static readonly string[] ModelLabels = ["model_name", "target_model_name"];
    private static readonly string[] ErrorLabels = ["model_name", "target_model_name", "error_code"];
    private static readonly string[] PoolLabels = ["name"];

    private readonly Counter _requests;
    private readonly Counter _errors;
    private readonly Histogram _duration;
    private readonly Histogram _inputTokens;
    private readonly Histogram _outputTokens;
    private readonly Gauge _running;
    private readonly Histogram _schedulerLatency;
    private readonly Gauge _readyPods;
    private readonly Gauge _averageQueue;
    private readonly Gauge _averageKvCache;
    private readonly Gauge _inFlightRequests;
    private readonly Gauge _inFlightTokens;
    private readonly Gauge _trackedEndpoints;

    public PickerMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var factory = Prometheus.Metrics.WithCustomRegistry(registry);
        _requests = factory.CreateCounter("inference_model_request_total", "Requests routed, per requested and target model.", ModelLabels);
        _errors = factory.CreateCounter("inference_model_request_error_total", "Requests that ended in an error, per model and error code (HTTP status).", ErrorLabels);
        _duration = factory.CreateHistogram("inference_model_request_duration_seconds", "Time from the request headers to the end of the response.", new HistogramConfiguration
        {
            LabelNames = ModelLabels,
            Buckets = [0.005, 0.025, 0.05, 0.1, 0.2, 0.4, 0.6, 0.8, 1, 1.25, 1.5, 2, 3, 4, 5, 6, 8, 10, 15, 20, 30, 45, 60, 120, 180, 240, 300, 360, 480, 600, 900, 1200, 1800, 2700, 3600],
        });
        var tokenBuckets = Histogram.ExponentialBuckets(1, 2, 18);
        _inputTokens = factory.CreateHistogram("inference_model_input_tokens", "Prompt tokens per request, from the response usage.", new HistogramConfiguration { LabelNames = ModelLabels, Buckets = tokenBuckets });
        _outputTokens = factory.CreateHistogram("inference_model_output_tokens", "Completion tokens per request, from the response usage.", new HistogramConfiguration { LabelNames = ModelLabels, Buckets = tokenBuckets });
        _running = factory.CreateGauge("inference_model_running_requests", "Requests between the pick and the end of the response.", ["model_name"]);
        _schedulerLatency = factory.CreateHistogram("inference_extension_scheduler_e2e_duration_seconds", "Time the request pipeline (parse, admit, schedule) took per request.", new HistogramConfiguration
        {
            Buckets = [0.0001, 0.0002, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1],
        });
        _readyPods = factory.CreateGauge("inference_pool_ready_pods", "Ready endpoints in the pool.", PoolLabels);
        _averageQueue = factory.CreateGauge("inference_pool_average_queue_size", "Average number of waiting requests per endpoint of the pool.", PoolLabels);
        _averageKvCache = factory.CreateGauge("inference_pool_average_kv_cache_utilization", "Average KV-cache utilization (0..1) of the pool's endpoints.", PoolLabels);
        _inFlightRequests = factory.CreateGauge("inference_gateway_picker_inflight_requests", "Requests the in-flight tracker counts against endpoints (picked, response not finished).");
        _inFlightTokens = factory.CreateGauge("inference_gateway_picker_inflight_tokens", "Estimated tokens (prompt + max output) of the requests the in-flight tracker counts.");
        _trackedEndpoints = factory.CreateGauge("inference_gateway_picker_tracked_endpoints", "Endpoint slots the in-flight tracker holds (bounded by the pool plus busy endpoints that left it).");
    }

    /// <summary>A request was routed to a target model.</summary>
    public void RequestStarted(string modelName, string targetModelName)
    {
        _requests.WithLabels(modelName, targetModelName).Inc();
        _running.WithLabels(modelName).Inc();
    }

    /// <summary>A routed request's response ended (or the stream ended); usage is null when none was reported.</summary>
    public void RequestEnded(string modelName, string targetModelName, TimeSpan duration, int? promptTokens, int? completionTokens)
    {
        _running.WithLabels(modelName).Dec();
        _duration.WithLabels(modelName, targetModelName).Observe(duration.TotalSeconds);
        if (promptTokens is { } prompt)
        {
            _inputTokens.WithLabels(modelName, targetModelName).Observe(prompt);
        }

        if (completionTokens is { } completion)
        {
            _outputTokens.WithLabels(modelName, targetModelName).Observe(completion);
        }
    }

    /// <summary>An error answered by the picker or reported by the upstream; the code is the HTTP status.</summary>
    public void RequestFailed(string modelName, string targetModelName, int statusCode) =>
        _errors.WithLabels(modelName, targetModelName, StatusText(statusCode)).Inc();

    public void SchedulerLatency(TimeSpan elapsed) => _schedulerLatency.Observe(elapsed.TotalSeconds);

    /// <summary>Refreshes the pool gauges (called by the host from a timer).</summary>
    public void UpdatePool(string poolName, int readyEndpoints, double averageQueueSize, double averageKvCacheUtilization)
    {
        _readyPods.WithLabels(poolName).Set(readyEndpoints);
        _averageQueue.WithLabels(poolName).Set(averageQueueSize);
        _averageKvCache.WithLabels(poolName).Set(averageKvCacheUtilization);
    }

    /// <summary>Refreshes the in-flight tracker gauges (the host calls it before each scrape).</summary>
    public void UpdateInFlight(int requests, long tokens, int trackedEndpoints)
    {
        _inFlightRequests.Set(requests);
        _inFlightTokens.Set(tokens);
        _trackedEndpoints.Set(trackedEndpoints);
    }

    private static string StatusText(int statusCode) => statusCode switch
    {
        400 => "400",
        404 => "404",
        413 => "413",
        429 => "429",
        500 => "500",
        503 => "503",
        _ => statusCode.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };
}
