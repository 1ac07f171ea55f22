namespace InferenceGateway.Core.Scheduling;

/// <summary>An EndpointPickerConfig (or a scheduler option) that cannot be used; the message says what and where.</summary>
public sealed class SchedulerConfigException : Exception
{
    public SchedulerConfigException()
    {
    }

    public SchedulerConfigException(string message)
        : base(message)
    {
    }

    public SchedulerConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
