using System.Globalization;
using InferenceGateway.Core.Errors;
using Microsoft.AspNetCore.Http;

namespace InferenceGateway.Proxy;

/// <summary>Writes an <see cref="OpenAiError"/> as the whole response: status, JSON body, retry-after.</summary>
internal static class OpenAiErrorWriter
{
    /// <param name="closeConnection">
    /// Ask the client not to reuse the connection (HTTP/1.x): used when the request body was left unread.
    /// </param>
    public static Task WriteAsync(HttpContext context, OpenAiError error, bool closeConnection = false)
    {
        var response = context.Response;
        response.Clear();
        response.StatusCode = error.StatusCode;
        response.ContentType = "application/json";
        if (error.RetryAfter is { } retryAfter)
        {
            // Whole seconds, rounded up, at least 1 (RFC 9110 delay-seconds).
            var seconds = Math.Max(1L, (long)Math.Ceiling(retryAfter.TotalSeconds));
            response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        }

        if (closeConnection && !HttpProtocol.IsHttp2(context.Request.Protocol) && !HttpProtocol.IsHttp3(context.Request.Protocol))
        {
            response.Headers.Connection = "close";
        }

        var body = error.ToJsonBytes();
        response.ContentLength = body.Length;
        return response.Body.WriteAsync(body, context.RequestAborted).AsTask();
    }
}
