using Grpc.AspNetCore.Server;
using Grpc.HealthCheck;
using InferenceGateway.ExtProc.Health;
using InferenceGateway.ExtProc.Metrics;
using InferenceGateway.ExtProc.Processing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace InferenceGateway.ExtProc.Hosting;

/// <summary>Registration of the ext_proc endpoint picker on an ASP.NET Core host.</summary>
public static class EndpointPickerHostingExtensions
{
    /// <summary>
    /// Registers the ext_proc service, gRPC (message limits sized for whole bodies), gRPC health and the
    /// readiness publisher. The host must also register an <c>IInferenceRouter</c> and an
    /// <see cref="IPickerReadiness"/>; <see cref="PickerMetrics"/> defaults to the prometheus-net default registry
    /// and <see cref="TimeProvider"/> to the system clock when not registered.
    /// </summary>
    public static IServiceCollection AddEndpointPickerExtProc(this IServiceCollection services, Action<ExtProcOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<ExtProcOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        options.PostConfigure(static o => o.Validate());
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(static _ => new PickerMetrics(Prometheus.Metrics.DefaultRegistry));
        services.TryAddSingleton<HealthServiceImpl>();
        services.AddHostedService<PickerHealthPublisher>();
        services.AddGrpc();
        services.AddOptions<GrpcServiceOptions>().Configure<IOptions<ExtProcOptions>>(static (grpc, extProc) =>
        {
            grpc.MaxReceiveMessageSize = extProc.Value.MaxGrpcMessageBytes;
            grpc.MaxSendMessageSize = extProc.Value.MaxGrpcMessageBytes;
        });
        return services;
    }

    /// <summary>Maps <c>envoy.service.ext_proc.v3.ExternalProcessor</c> and <c>grpc.health.v1.Health</c>.</summary>
    public static IEndpointRouteBuilder MapEndpointPicker(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        endpoints.MapGrpcService<EndpointPickerService>();
        endpoints.MapGrpcService<HealthServiceImpl>();
        return endpoints;
    }
}
