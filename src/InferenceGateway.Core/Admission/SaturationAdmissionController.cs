using System.Globalization;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Core.Admission;

/// <summary>Thresholds of <see cref="SaturationAdmissionController"/>. The formula is in docs/scheduling.md ("Admission").</summary>
internal sealed class SaturationAdmissionOptions
{
    /// <summary>Waiting requests at which an endpoint counts as saturated (reference: 5).</summary>
    public double QueueThreshold { get; set; } = 5;

    /// <summary>KV-cache utilisation at which an endpoint counts as saturated (reference: 0.8).</summary>
    public double KvCacheThreshold { get; set; } = 0.8;

    /// <summary>Per-endpoint saturation is capped here, so one overloaded endpoint cannot dominate the pool mean.</summary>
    public double MaxEndpointSaturation { get; set; } = 2.0;

    /// <summary>Saturation assumed for an endpoint with unknown or stale metrics (saturated, never idle).</summary>
    public double UnknownEndpointSaturation { get; set; } = 2.0;

    /// <summary>Metrics older than this (by ScrapedAt) are treated as unknown. Null trusts the candidate list as given.</summary>
    public TimeSpan? MaxMetricsAge { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>Sheddable is refused when pool saturation reaches this (reference: 1.0).</summary>
    public double SheddableLimit { get; set; } = 1.0;

    /// <summary>
    /// Default is refused when pool saturation reaches this AND no endpoint with fresh metrics is below 1 AND at least
    /// one endpoint reports fresh metrics (unknown load alone never sheds Default).
    /// </summary>
    public double DefaultLimit { get; set; } = 1.5;

    /// <summary>Bounds of the Retry-After hint; it grows with how far saturation is above the band's limit.</summary>
    public TimeSpan MinRetryAfter { get; set; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Retry-After for an empty pool.</summary>
    public TimeSpan NoEndpointsRetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    public void Validate()
    {
        if (QueueThreshold <= 0 || KvCacheThreshold <= 0 || MaxEndpointSaturation <= 0 || UnknownEndpointSaturation < 0)
        {
            throw new ArgumentException("Admission thresholds must be positive.");
        }

        if (SheddableLimit <= 0 || DefaultLimit < SheddableLimit)
        {
            throw new ArgumentException("Admission limits must satisfy 0 < SheddableLimit <= DefaultLimit.");
        }

        if (MinRetryAfter < TimeSpan.Zero || MaxRetryAfter < MinRetryAfter)
        {
            throw new ArgumentException("Retry-After bounds must satisfy 0 <= MinRetryAfter <= MaxRetryAfter.");
        }
    }
}

/// <summary>The pool's load as admission sees it.</summary>
/// <param name="Saturation">Mean of the per-endpoint saturation (0 = idle, 1 = at the thresholds).</param>
/// <param name="KnownEndpoints">Endpoints with fresh metrics.</param>
/// <param name="UnsaturatedEndpoints">Endpoints with fresh metrics and saturation below 1 (they can take more work).</param>
internal readonly record struct PoolSaturation(double Saturation, int Endpoints, int KnownEndpoints, int UnsaturatedEndpoints);

/// <summary>
/// Admission by criticality band over the pool's saturation. Sheddable is shed first (at the reference's limit),
/// Default only at a higher limit and only when no endpoint can still take it, Critical never while the pool has an
/// endpoint. An empty pool refuses everything as unavailable (503).
/// </summary>
internal sealed class SaturationAdmissionController : IAdmissionController
{
    private readonly SaturationAdmissionOptions _options;
    private readonly TimeProvider _timeProvider;

    public SaturationAdmissionController(IOptions<SaturationAdmissionOptions> options, TimeProvider timeProvider)
    {
        _options = options.Value;
        _options.Validate();
        _timeProvider = timeProvider;
    }

    public AdmissionDecision Decide(CriticalityBand band, ReadOnlySpan<EndpointCandidate> candidates)
    {
        if (candidates.IsEmpty)
        {
            return AdmissionDecision.Unavailable("No model server endpoints are available in the pool.", _options.NoEndpointsRetryAfter);
        }

        if (band == CriticalityBand.Critical)
        {
            return AdmissionDecision.Admit;
        }

        var pool = Measure(candidates);
        if (band == CriticalityBand.Sheddable)
        {
            return pool.Saturation >= _options.SheddableLimit
                ? Refuse("sheddable", pool, _options.SheddableLimit)
                : AdmissionDecision.Admit;
        }

        // Default is shed only on evidence: some endpoint reports fresh metrics and none can take more. A pool whose
        // metrics are all unknown (start-up, scraper outage) keeps serving normal traffic; only Sheddable is shed.
        return pool.KnownEndpoints > 0 && pool.Saturation >= _options.DefaultLimit && pool.UnsaturatedEndpoints == 0
            ? Refuse("default", pool, _options.DefaultLimit)
            : AdmissionDecision.Admit;
    }

    /// <summary>Per endpoint s = min(cap, max(waiting / queueThreshold, kv / kvThreshold)); unknown = the configured value. Pool = mean.</summary>
    public PoolSaturation Measure(ReadOnlySpan<EndpointCandidate> candidates)
    {
        if (candidates.IsEmpty)
        {
            return new PoolSaturation(0, 0, 0, 0);
        }

        var now = _timeProvider.GetUtcNow();
        var sum = 0.0;
        var known = 0;
        var unsaturated = 0;
        foreach (var candidate in candidates)
        {
            var metrics = candidate.Metrics;
            if (metrics is null || (_options.MaxMetricsAge is TimeSpan maxAge && !metrics.IsFresh(now, maxAge)))
            {
                sum += _options.UnknownEndpointSaturation;
                continue;
            }

            var queue = metrics.WaitingRequests / _options.QueueThreshold;
            var kv = metrics.KvCacheUsage / _options.KvCacheThreshold;
            var saturation = Math.Min(_options.MaxEndpointSaturation, Math.Max(queue, kv));
            sum += saturation;
            known++;
            if (saturation < 1.0)
            {
                unsaturated++;
            }
        }

        return new PoolSaturation(sum / candidates.Length, candidates.Length, known, unsaturated);
    }

    private AdmissionDecision Refuse(string bandName, PoolSaturation pool, double limit)
    {
        // One second at the limit, one more per 0.25 above it, clamped; whole seconds because Retry-After is in seconds.
        var seconds = Math.Ceiling(_options.MinRetryAfter.TotalSeconds + Math.Max(0, pool.Saturation - limit) * 4);
        var retryAfter = TimeSpan.FromSeconds(Math.Clamp(seconds, _options.MinRetryAfter.TotalSeconds, _options.MaxRetryAfter.TotalSeconds));
        var message = string.Create(
            CultureInfo.InvariantCulture,
            $"The model servers are saturated ({pool.Saturation:0.00} against a limit of {limit:0.00} for {bandName} requests; {pool.KnownEndpoints} of {pool.Endpoints} endpoints reporting fresh metrics). Retry after {retryAfter.TotalSeconds:0} s.");
        return AdmissionDecision.Refuse(message, retryAfter);
    }
}
