using Microsoft.AspNetCore.Http;

namespace InferenceGateway.Core.Security;

/// <summary>What a scrape of the Prometheus endpoint may do.</summary>
public enum MetricsAccessDecision
{
    Allowed,

    /// <summary>No bearer token, or one the authority does not accept (401).</summary>
    Unauthenticated,

    /// <summary>The token's user may not read the endpoint (403).</summary>
    Forbidden,

    /// <summary>The authority could not be asked (503); never cached.</summary>
    Unavailable,
}

/// <summary>
/// Decides whether a request for <c>/metrics</c> may be served. The Kubernetes implementation asks the API server
/// (TokenReview, then SubjectAccessReview for GET on the non-resource path).
/// </summary>
public interface IMetricsEndpointAuthorizer
{
    ValueTask<MetricsAccessDecision> AuthorizeAsync(string? bearerToken, string path, CancellationToken cancellationToken);
}

/// <summary>The HTTP side of <see cref="IMetricsEndpointAuthorizer"/>: reads the bearer token, answers 401/403/503.</summary>
public static class MetricsEndpointAuth
{
    /// <summary>True when the request may proceed; otherwise the refusal has been written.</summary>
    public static async ValueTask<bool> CheckAsync(HttpContext context, IMetricsEndpointAuthorizer authorizer)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(authorizer);
        var token = BearerToken(context.Request.Headers.Authorization.ToString());
        var decision = token is null
            ? MetricsAccessDecision.Unauthenticated
            : await authorizer.AuthorizeAsync(token, context.Request.Path.Value ?? "/", context.RequestAborted).ConfigureAwait(false);
        if (decision == MetricsAccessDecision.Allowed)
        {
            return true;
        }

        var (status, text) = decision switch
        {
            MetricsAccessDecision.Unauthenticated => (StatusCodes.Status401Unauthorized, "Unauthorized: a valid bearer token is required"),
            MetricsAccessDecision.Forbidden => (StatusCodes.Status403Forbidden, "Forbidden: the token's user may not get this path"),
            _ => (StatusCodes.Status503ServiceUnavailable, "Service Unavailable: the token could not be checked"),
        };
        context.Response.StatusCode = status;
        if (status == StatusCodes.Status401Unauthorized)
        {
            context.Response.Headers.WWWAuthenticate = "Bearer";
        }

        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync(text + "\n", context.RequestAborted).ConfigureAwait(false);
        return false;
    }

    /// <summary>The token of an "Authorization: Bearer &lt;token&gt;" header (scheme case-insensitive), else null.</summary>
    public static string? BearerToken(string? authorization)
    {
        const string Scheme = "Bearer ";
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization[Scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }
}
