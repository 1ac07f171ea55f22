using System.Globalization;
using InferenceGateway.Core.Routing;
using Prometheus;

namespace InferenceGateway.Proxy.Hosting;

/// <summary>
/// Prometheus metrics of the standalone gateway, recorded from the router's request observer: every placed request
/// once it is finished (requests, errors, duration, time to first token and tokens per model, target model and
/// served endpoint). Requests the router refuses (unknown model, shed, bad body) never get a lease and are not
/// counted here. Served on the admin listener's /metrics.
/// </summary>
internal sealed class GatewayRequestMetrics : IRequestObserver
{
    private static readonly string[] RequestLabels = ["model_name", "target_model_name", "endpoint", "code"];
    private static readonly string[] ModelLabels = ["model_name", "target_model_name"];
    private static readonly string[] TokenLabels = ["model_name", "target_model_name", "type"];

    private readonly Counter _requests;
    private readonly Counter _errors;
    private readonly Gauge _running;
    private readonly Histogram _duration;
    private readonly Histogram _timeToFirstToken;
    private readonly Counter _tokens;

    public GatewayRequestMetrics(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        var factory = Metrics.WithCustomRegistry(registry);
        _requests = factory.CreateCounter("inference_gateway_requests_total",
            "Finished requests per requested model, target model, served endpoint and HTTP status (0 = none recorded).", RequestLabels);
        _errors = factory.CreateCounter("inference_gateway_request_errors_total",
            "Finished requests that ended with status >= 400 or none at all (client gone), per model and status.", ["model_name", "target_model_name", "code"]);
        _running = factory.CreateGauge("inference_gateway_running_requests", "Requests placed and not finished yet, per requested model.", ["model_name"]);
        _duration = factory.CreateHistogram("inference_gateway_request_duration_seconds", "Time from placing a request to the end of its response.", new HistogramConfiguration
        {
            LabelNames = ModelLabels,
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30, 60, 120, 300, 600],
        });
        _timeToFirstToken = factory.CreateHistogram("inference_gateway_time_to_first_token_seconds", "Time from placing a request to its first token.", new HistogramConfiguration
        {
            LabelNames = ModelLabels,
            Buckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 4, 8, 15, 30],
        });
        _tokens = factory.CreateCounter("inference_gateway_tokens_total",
            "Tokens reported in response usage, type = prompt | completion | cached_prompt.", TokenLabels);
    }

    public void OnRouted(RoutedRequestInfo request) => _running.WithLabels(request.RequestedModel).Inc();

    public void OnCompleted(CompletedRequest request)
    {
        var info = request.Request;
        var model = info.RequestedModel;
        var target = info.TargetModel;
        _running.WithLabels(model).Dec();
        var code = request.StatusCode is { } status ? StatusText(status) : "0";
        _requests.WithLabels(model, target, request.ServedEndpoint, code).Inc();
        if (request.StatusCode is null or >= 400)
        {
            _errors.WithLabels(model, target, code).Inc();
        }

        _duration.WithLabels(model, target).Observe(request.Duration.TotalSeconds);
        if (request.TimeToFirstToken is { } ttft)
        {
            _timeToFirstToken.WithLabels(model, target).Observe(ttft.TotalSeconds);
        }

        AddTokens(model, target, "prompt", request.PromptTokens);
        AddTokens(model, target, "completion", request.CompletionTokens);
        AddTokens(model, target, "cached_prompt", request.CachedPromptTokens);
    }

    private void AddTokens(string model, string target, string type, int? count)
    {
        if (count is > 0)
        {
            _tokens.WithLabels(model, target, type).Inc(count.Value);
        }
    }

    // The common codes without a per-request string allocation.
    private static string StatusText(int status) => status switch
    {
        200 => "200",
        400 => "400",
        404 => "404",
        429 => "429",
        499 => "499",
        500 => "500",
        502 => "502",
        503 => "503",
        504 => "504",
        _ => status.ToString(CultureInfo.InvariantCulture),
    };
}
