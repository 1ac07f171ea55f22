using Microsoft.Extensions.Logging;

namespace InferenceGateway.Simulator.Server;

internal static partial class SimulatorLog
{
    [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Simulated model server for {Model} (profile {Profile}) listening on {Address}")]
    public static partial void Listening(ILogger logger, string model, string profile, string address);

    [LoggerMessage(EventId = 2, Level = LogLevel.Information, Message = "Injected failure {Failure} into request {RequestId}")]
    public static partial void FailureInjected(ILogger logger, FailureType failure, long requestId);

    [LoggerMessage(EventId = 3, Level = LogLevel.Information, Message = "LoRA adapter {Name} {Action}")]
    public static partial void LoraChanged(ILogger logger, string name, string action);
}
