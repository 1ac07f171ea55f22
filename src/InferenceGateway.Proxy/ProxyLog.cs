using Microsoft.Extensions.Logging;

namespace InferenceGateway.Proxy;

internal static partial class ProxyLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "The router threw while routing a request")]
    public static partial void RouterFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning,
        Message = "Request {RequestId}: could not connect to {Endpoint} ({Reason}); retrying on fallback {Fallback}")]
    public static partial void RetryingOnFallback(ILogger logger, string requestId, string endpoint, string fallback, string reason);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Warning,
        Message = "Request {RequestId}: upstream failed before responding after {Attempts} endpoint(s) ({Error}); answered {Status}")]
    public static partial void UpstreamFailed(ILogger logger, string requestId, int attempts, string error, int status);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Warning,
        Message = "Request {RequestId}: {Endpoint} failed mid-response ({Error}); the client connection was aborted")]
    public static partial void UpstreamFailedMidResponse(ILogger logger, string requestId, string endpoint, string error);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Gateway listening on {PublicUrl} (OpenAI API) and {AdminUrl} (admin)")]
    public static partial void Listening(ILogger logger, string publicUrl, string adminUrl);
}
