using Microsoft.Extensions.Logging;

namespace InferenceGateway.Core.Routing;

internal static partial class RoutingLog
{
    [LoggerMessage(EventId = 2001, Level = LogLevel.Debug,
        Message = "Request {RequestId} for model {RequestedModel} (target {TargetModel}) routed to {Endpoint} by profile {Profile}")]
    public static partial void Routed(ILogger logger, string requestId, string requestedModel, string targetModel, string endpoint, string profile);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Debug,
        Message = "Request {RequestId} answered {StatusCode}: {Reason}")]
    public static partial void Refused(ILogger logger, string requestId, int statusCode, string reason);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error,
        Message = "Request observer {Observer} failed for request {RequestId}")]
    public static partial void ObserverFailed(ILogger logger, Exception exception, string observer, string requestId);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Debug,
        Message = "Request {RequestId} names InferenceObjective {Objective}, which the pool does not have: using the Default band")]
    public static partial void UnknownObjective(ILogger logger, string requestId, string objective);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Debug,
        Message = "Request {RequestId} for unregistered model {RequestedModel} passes through unchanged (v1 InferencePool)")]
    public static partial void UnregisteredModel(ILogger logger, string requestId, string requestedModel);
}
