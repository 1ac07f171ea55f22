using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace InferenceGateway.Core.Routing;

public static class RoutingServiceCollectionExtensions
{
    /// <summary>
    /// Registers the request pipeline: <see cref="IInferenceRouter"/>, the in-flight tracker, <see cref="RoutingOptions"/>
    /// (validated at start), and <see cref="TimeProvider.System"/> and <see cref="Random.Shared"/> unless a clock or
    /// random source is already registered. The datastore, metrics store, admission controller and scheduler are
    /// registered by their own AddX() steps.
    /// </summary>
    public static IServiceCollection AddInferenceRouting(this IServiceCollection services, Action<RoutingOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<RoutingOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.Validate(static o => o.Validate() is null, "invalid RoutingOptions").ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);

        // Random.Shared is thread-safe; a seeded Random registered by a simulation host takes precedence.
        services.TryAddSingleton(Random.Shared);
        services.TryAddSingleton<InFlightTracker>();
        services.TryAddSingleton<IInferenceRouter, InferenceRouter>();
        return services;
    }
}
