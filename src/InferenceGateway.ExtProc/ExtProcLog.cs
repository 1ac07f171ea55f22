using Microsoft.Extensions.Logging;

namespace InferenceGateway.ExtProc;

internal static partial class ExtProcLog
{
    [LoggerMessage(EventId = 4001, Level = LogLevel.Error, Message = "The request router threw; answering 500")]
    public static partial void RouterFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "ext_proc stream cancelled by the proxy")]
    public static partial void StreamCancelled(ILogger logger);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Debug, Message = "ext_proc stream broken")]
    public static partial void StreamBroken(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Debug, Message = "Request refused with {StatusCode}: {Message}")]
    public static partial void RequestRefused(ILogger logger, int statusCode, string message);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning, Message = "Request trailers arrived in STREAMED request body mode; refusing the request")]
    public static partial void TrailersInStreamedMode(ILogger logger);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information, Message = "Endpoint picker readiness: {Ready}")]
    public static partial void ReadinessChanged(ILogger logger, bool ready);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Warning, Message = "The readiness source threw; reporting not ready")]
    public static partial void ReadinessFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 4020, Level = LogLevel.Information, Message = "Endpoint picker listening: ext_proc on {GrpcEndpoint} ({Transport}), health on {HealthEndpoint}")]
    public static partial void Listening(ILogger logger, string grpcEndpoint, string transport, string healthEndpoint);

    [LoggerMessage(EventId = 4030, Level = LogLevel.Information, Message = "Serving the new certificate from {Folder}: {Subject}, valid until {NotAfter:O}")]
    public static partial void CertificateReloaded(ILogger logger, string folder, string subject, DateTime notAfter);

    [LoggerMessage(EventId = 4031, Level = LogLevel.Warning, Message = "The certificate in {Folder} cannot be used, the previous one stays in force: {Error}")]
    public static partial void CertificateReloadFailed(ILogger logger, string folder, string error);

    [LoggerMessage(EventId = 4032, Level = LogLevel.Warning, Message = "Cannot watch the certificate folder {Folder} ({Reason}); relying on periodic checks")]
    public static partial void CertificateWatchUnavailable(ILogger logger, string folder, string reason);
}
