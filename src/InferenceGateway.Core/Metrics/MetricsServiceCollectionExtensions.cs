using InferenceGateway.Core.Admission;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Core.Metrics;

/// <summary>Registration of the endpoint metrics collector and saturation admission.</summary>
internal static class MetricsServiceCollectionExtensions
{
    /// <summary>
    /// Adds <see cref="MetricsStore"/> (also as <see cref="IEndpointMetricsStore"/>), the engine mappings and the
    /// <see cref="MetricsScraper"/> hosted service. Needs an <c>IDatastore</c> registration.
    /// </summary>
    public static IServiceCollection AddEndpointMetrics(this IServiceCollection services, Action<MetricsOptions>? configure = null)
    {
        if (configure is not null)
        {
            services.Configure(configure);
        }
        else
        {
            services.AddOptions<MetricsOptions>();
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(_ => EngineMetricsMappings.CreateDefault());
        services.TryAddSingleton<MetricsStore>();
        services.TryAddSingleton<IEndpointMetricsStore>(sp => sp.GetRequiredService<MetricsStore>());
        services.TryAddSingleton(sp => new MetricsScraper(
            sp.GetRequiredService<Datastore.IDatastore>(),
            sp.GetRequiredService<MetricsStore>(),
            sp.GetRequiredService<EngineMetricsMappings>(),
            sp.GetRequiredService<IOptions<MetricsOptions>>(),
            sp.GetRequiredService<TimeProvider>(),
            Random.Shared,
            sp.GetRequiredService<ILogger<MetricsScraper>>()));
        services.AddSingleton<IHostedService>(sp => sp.GetRequiredService<MetricsScraper>());
        return services;
    }

    /// <summary>Adds <see cref="SaturationAdmissionController"/> as the <see cref="IAdmissionController"/>.</summary>
    public static IServiceCollection AddSaturationAdmission(this IServiceCollection services, Action<SaturationAdmissionOptions>? configure = null)
    {
        if (configure is not null)
        {
            services.Configure(configure);
        }
        else
        {
            services.AddOptions<SaturationAdmissionOptions>();
        }

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<IAdmissionController, SaturationAdmissionController>();
        return services;
    }
}
