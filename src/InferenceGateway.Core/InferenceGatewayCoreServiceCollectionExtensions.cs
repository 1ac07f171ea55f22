using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using Microsoft.Extensions.DependencyInjection;

namespace InferenceGateway.Core;

internal static class InferenceGatewayCoreServiceCollectionExtensions
{
    /// <summary>
    /// The picker's brain, shared by `epp` and `serve`: request routing, the scheduler, endpoint metrics scraping
    /// and criticality admission. A source (file or Kubernetes) must register the <c>IDatastore</c>.
    /// </summary>
    public static IServiceCollection AddInferenceGatewayCore(
        this IServiceCollection services,
        Action<RoutingOptions>? routing = null,
        Action<SchedulerOptions>? scheduling = null,
        Action<MetricsOptions>? metrics = null,
        Action<SaturationAdmissionOptions>? admission = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        return services
            .AddInferenceRouting(routing)
            .AddInferenceScheduler(scheduling)
            .AddEndpointMetrics(metrics)
            .AddSaturationAdmission(admission);
    }
}
