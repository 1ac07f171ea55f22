using InferenceGateway.Core.Scheduling.Config;

namespace InferenceGateway.Core.Scheduling;

/// <summary>Creates schedulers outside DI (the simulator, benchmarks, tools).</summary>
internal static class SchedulerFactory
{
    /// <summary>A scheduler from options; reads <see cref="SchedulerOptions.ConfigPath"/> or <see cref="SchedulerOptions.ConfigText"/> when set.</summary>
    public static Scheduler Create(SchedulerOptions options, Random? random = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        EndpointPickerConfig? config = null;
        if (options.ConfigPath is not null && options.ConfigText is not null)
        {
            throw new SchedulerConfigException("give the scheduler config as a file or as text, not both");
        }

        if (options.ConfigText is { } inline)
        {
            config = EndpointPickerConfig.Parse(inline);
        }
        else if (options.ConfigPath is { } path)
        {
            string text;
            try
            {
                text = File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new SchedulerConfigException($"cannot read scheduler config \"{path}\": {e.Message}", e);
            }

            config = EndpointPickerConfig.Parse(text);
        }

        return SchedulerBuilder.Build(options, random ?? Random.Shared, config);
    }

    /// <summary>A scheduler from config text (YAML), e.g. embedded or already read.</summary>
    public static Scheduler FromYaml(string yaml, SchedulerOptions? options = null, Random? random = null) =>
        SchedulerBuilder.Build(options ?? new SchedulerOptions(), random ?? Random.Shared, EndpointPickerConfig.Parse(yaml));
}
