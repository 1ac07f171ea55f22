using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

public static class KubernetesSourceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the Kubernetes source: the datastore (<see cref="InMemoryDatastore"/> and <see cref="IDatastore"/>,
    /// unless already registered), the API connection (kubeconfig when <see cref="KubernetesSourceOptions.KubeconfigPath"/>
    /// is set, else in-cluster), <see cref="ILeadership"/> (a Lease-based <see cref="LeaseLeadership"/> hosted service, or
    /// <see cref="SingleReplicaLeadership"/> when leader election is off), the hosted <see cref="KubernetesEventRecorder"/>
    /// (unless <see cref="KubernetesSourceOptions.EmitEvents"/> is off) and the hosted
    /// <see cref="KubernetesConfigurationSource"/> (resolve it for readiness: <c>IsSynced</c>).
    /// </summary>
    public static IServiceCollection AddKubernetesSource(this IServiceCollection services, KubernetesSourceOptions options)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InMemoryDatastore>();
        services.TryAddSingleton<IDatastore>(sp => sp.GetRequiredService<InMemoryDatastore>());
        services.AddSingleton(options);
        services.AddSingleton(_ => new KubernetesApiClient(
            KubernetesApiClient.LoadConfiguration(options.KubeconfigPath, options.KubeconfigContext), options.LeaderElection.Identity));
        if (options.EmitEvents)
        {
            // Registered before the services that emit, so it stops after them and can still send their last events.
            services.AddSingleton(sp => new KubernetesEventRecorder(
                sp.GetRequiredService<KubernetesApiClient>(),
                new EventRecorderOptions { ReportingInstance = options.LeaderElection.Identity },
                sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<KubernetesEventRecorder>>()));
            services.AddSingleton<IEventRecorder>(sp => sp.GetRequiredService<KubernetesEventRecorder>());
            services.AddHostedService(sp => sp.GetRequiredService<KubernetesEventRecorder>());
        }
        else
        {
            services.AddSingleton<IEventRecorder>(NullEventRecorder.Instance);
        }

        if (options.LeaderElection.Enabled)
        {
            services.AddSingleton(sp => new LeaseLeadership(options, sp.GetRequiredService<KubernetesApiClient>(), sp.GetRequiredService<ILogger<LeaseLeadership>>(),
                sp.GetRequiredService<IEventRecorder>()));
            services.AddSingleton<ILeadership>(sp => sp.GetRequiredService<LeaseLeadership>());
            services.AddHostedService(sp => sp.GetRequiredService<LeaseLeadership>());
        }
        else
        {
            services.AddSingleton<ILeadership, SingleReplicaLeadership>();
        }

        services.AddSingleton(sp => new KubernetesConfigurationSource(
            options,
            sp.GetRequiredService<KubernetesApiClient>(),
            sp.GetRequiredService<InMemoryDatastore>(),
            sp.GetRequiredService<ILeadership>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KubernetesConfigurationSource>>(),
            sp.GetRequiredService<IEventRecorder>()));
        services.AddHostedService(sp => sp.GetRequiredService<KubernetesConfigurationSource>());
        return services;
    }

    /// <summary>
    /// Registers <see cref="IMetricsEndpointAuthorizer"/> as a <see cref="KubernetesMetricsAuthorizer"/> over the
    /// source's API connection (call after <see cref="AddKubernetesSource"/>). The picker's service account needs
    /// create on tokenreviews and subjectaccessreviews (cluster-scoped).
    /// </summary>
    public static IServiceCollection AddKubernetesMetricsEndpointAuth(this IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<IMetricsEndpointAuthorizer>(sp => new KubernetesMetricsAuthorizer(
            sp.GetRequiredService<KubernetesApiClient>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<KubernetesMetricsAuthorizer>>()));
        return services;
    }
}
