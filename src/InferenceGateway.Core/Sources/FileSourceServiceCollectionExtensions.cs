using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Core.Sources;

public static class FileSourceServiceCollectionExtensions
{
    /// <summary>
    /// Registers the datastore (<see cref="InMemoryDatastore"/> and <see cref="IDatastore"/>, unless already
    /// registered) and a hosted <see cref="FileConfigurationSource"/> that fills it from <paramref name="path"/>.
    /// Host start fails with <see cref="ConfigurationLoadException"/> when the first load fails (unless
    /// <paramref name="configure"/> turns <see cref="FileConfigurationSourceOptions.FailOnInitialLoadError"/> off).
    /// </summary>
    public static IServiceCollection AddFileConfigurationSource(
        this IServiceCollection services,
        string path,
        string? poolName = null,
        string? poolNamespace = null,
        Action<FileConfigurationSourceOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = new FileConfigurationSourceOptions { Path = path, PoolName = poolName, PoolNamespace = poolNamespace };
        configure?.Invoke(options);
        options.Validate();

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<InMemoryDatastore>();
        services.TryAddSingleton<IDatastore>(sp => sp.GetRequiredService<InMemoryDatastore>());
        services.AddSingleton(options);
        services.AddSingleton(sp => new FileConfigurationSource(
            options,
            sp.GetRequiredService<InMemoryDatastore>(),
            sp.GetRequiredService<TimeProvider>(),
            sp.GetRequiredService<ILogger<FileConfigurationSource>>()));
        services.AddHostedService(sp => sp.GetRequiredService<FileConfigurationSource>());
        return services;
    }
}
