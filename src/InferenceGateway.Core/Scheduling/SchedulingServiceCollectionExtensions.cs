using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace InferenceGateway.Core.Scheduling;

public static class SchedulingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the endpoint scheduler (<see cref="IScheduler"/>) as a singleton. A <see cref="Random"/> registered
    /// in the container is used for tie-breaks and random picks (it must then be thread-safe); else Random.Shared.
    /// </summary>
    public static IServiceCollection AddInferenceScheduler(this IServiceCollection services, Action<SchedulerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new SchedulerOptions();
        configure?.Invoke(options);
        services.TryAddSingleton(options);
        services.TryAddSingleton<IScheduler>(provider =>
            SchedulerFactory.Create(provider.GetRequiredService<SchedulerOptions>(), provider.GetService<Random>()));
        return services;
    }
}
