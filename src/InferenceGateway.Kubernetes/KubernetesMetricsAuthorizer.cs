using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceGateway.Core.Security;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

/// <summary>
/// Guards <c>/metrics</c> the way Kubernetes components do: the bearer token is authenticated with a TokenReview
/// (authentication.k8s.io/v1) and the user it names is authorized with a SubjectAccessReview
/// (authorization.k8s.io/v1, nonResourceAttributes: the request path, verb get). Decisions are cached per token for
/// <see cref="CacheDuration"/> so a scrape every few seconds costs at most two API calls per interval; failures to
/// reach the API server are answered 503 and not cached.
/// </summary>
public sealed class KubernetesMetricsAuthorizer : IMetricsEndpointAuthorizer
{
    /// <summary>How long a decision for one token (and path) is reused.</summary>
    public static readonly TimeSpan CacheDuration = TimeSpan.FromSeconds(10);

    private const int MaxCacheEntries = 512;
    private const string TokenReviews = "apis/authentication.k8s.io/v1/tokenreviews";
    private const string SubjectAccessReviews = "apis/authorization.k8s.io/v1/subjectaccessreviews";

    private readonly KubernetesApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger<KubernetesMetricsAuthorizer> _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (MetricsAccessDecision Decision, long Expires)> _cache = new(StringComparer.Ordinal);

    internal KubernetesMetricsAuthorizer(KubernetesApiClient api, TimeProvider time, ILogger<KubernetesMetricsAuthorizer> logger)
    {
        _api = api;
        _time = time;
        _logger = logger;
    }

    public async ValueTask<MetricsAccessDecision> AuthorizeAsync(string? bearerToken, string path, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(bearerToken))
        {
            return MetricsAccessDecision.Unauthenticated;
        }

        // The raw token is never kept: the cache key is its hash (plus the path the decision was for).
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(bearerToken))) + " " + path;
        var now = _time.GetTimestamp();
        lock (_gate)
        {
            if (_cache.TryGetValue(key, out var cached) && cached.Expires > now)
            {
                return cached.Decision;
            }
        }

        MetricsAccessDecision decision;
        try
        {
            decision = await ReviewAsync(bearerToken, path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is KubernetesApiException or HttpRequestException or IOException or JsonException
            or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            KubernetesLog.MetricsAuthFailed(_logger, e.Message);
            return MetricsAccessDecision.Unavailable;
        }

        var expires = now + (long)(CacheDuration.TotalSeconds * _time.TimestampFrequency);
        lock (_gate)
        {
            if (_cache.Count >= MaxCacheEntries)
            {
                Prune(now);
            }

            _cache[key] = (decision, expires);
        }

        return decision;
    }

    private async Task<MetricsAccessDecision> ReviewAsync(string token, string path, CancellationToken cancellationToken)
    {
        var tokenReview = new JsonObject
        {
            ["apiVersion"] = "authentication.k8s.io/v1",
            ["kind"] = "TokenReview",
            ["spec"] = new JsonObject { ["token"] = token },
        };
        var reviewed = await _api.CreateAsync(TokenReviews, tokenReview.ToJsonString(), cancellationToken).ConfigureAwait(false);
        if (!reviewed.TryGetProperty("status", out var status)
            || !status.TryGetProperty("authenticated", out var authenticated)
            || authenticated.ValueKind != JsonValueKind.True
            || !status.TryGetProperty("user", out var user)
            || user.ValueKind != JsonValueKind.Object)
        {
            KubernetesLog.MetricsTokenRejected(_logger, path);
            return MetricsAccessDecision.Unauthenticated;
        }

        var spec = new JsonObject
        {
            ["nonResourceAttributes"] = new JsonObject { ["path"] = path, ["verb"] = "get" },
        };
        foreach (var (from, to) in new[] { ("username", "user"), ("uid", "uid"), ("groups", "groups"), ("extra", "extra") })
        {
            if (user.TryGetProperty(from, out var value) && value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
            {
                spec[to] = JsonNode.Parse(value.GetRawText());
            }
        }

        var accessReview = new JsonObject
        {
            ["apiVersion"] = "authorization.k8s.io/v1",
            ["kind"] = "SubjectAccessReview",
            ["spec"] = spec,
        };
        var access = await _api.CreateAsync(SubjectAccessReviews, accessReview.ToJsonString(), cancellationToken).ConfigureAwait(false);
        var allowed = access.TryGetProperty("status", out var accessStatus)
            && accessStatus.TryGetProperty("allowed", out var allowedValue)
            && allowedValue.ValueKind == JsonValueKind.True;
        if (!allowed)
        {
            var username = user.TryGetProperty("username", out var name) ? name.GetString() ?? "" : "";
            KubernetesLog.MetricsAccessDenied(_logger, username, path);
            return MetricsAccessDecision.Forbidden;
        }

        return MetricsAccessDecision.Allowed;
    }

    // Caller holds _gate. Drops expired decisions; if every entry is fresh (many distinct tokens), starts over.
    private void Prune(long now)
    {
        var expired = new List<string>();
        foreach (var (key, entry) in _cache)
        {
            if (entry.Expires <= now)
            {
                expired.Add(key);
            }
        }

        foreach (var key in expired)
        {
            _cache.Remove(key);
        }

        if (_cache.Count >= MaxCacheEntries)
        {
            _cache.Clear();
        }
    }
}
