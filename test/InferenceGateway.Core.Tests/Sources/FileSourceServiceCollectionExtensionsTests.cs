using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Sources;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace InferenceGateway.Core.Tests.Sources;

public sealed class FileSourceServiceCollectionExtensionsTests : IDisposable
{
    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ServiceProvider Services(string path, string? pool = null, string? ns = null) =>
        new ServiceCollection()
            .AddLogging()
            .AddFileConfigurationSource(path, pool, ns, o => o.WatchFileSystem = false)
            .BuildServiceProvider();

    [Fact]
    public async Task AddFileConfigurationSource_HostedServiceStarted_FillsTheSharedDatastore()
    {
        var path = _folder.WriteAtomically("pool.yaml", ManifestYaml.Join(
            ManifestYaml.Pool("a"), ManifestYaml.Pool("b", 9000, ns: "team"), ManifestYaml.Model("m", "llama", "b", ns: "team")));
        await using var services = Services(path, "b", "team");
        var hosted = Assert.Single(services.GetServices<IHostedService>());

        await hosted.StartAsync(CancellationToken.None);
        try
        {
            var datastore = services.GetRequiredService<IDatastore>();
            Assert.Same(services.GetRequiredService<InMemoryDatastore>(), datastore);
            Assert.Same(services.GetRequiredService<FileConfigurationSource>(), hosted);
            Assert.Equal("team", datastore.Current.Pool!.Namespace);
            Assert.Contains("llama", datastore.Current.Models.Keys);
        }
        finally
        {
            await hosted.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task AddFileConfigurationSource_InvalidConfiguration_HostStartFails()
    {
        var path = _folder.WriteAtomically("pool.yaml", ManifestYaml.Pool("a", targetPort: 0));
        await using var services = Services(path);

        var error = await Assert.ThrowsAsync<ConfigurationLoadException>(
            () => services.GetRequiredService<IHostedService>().StartAsync(CancellationToken.None));

        Assert.Contains("targetPortNumber", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddFileConfigurationSource_EmptyPath_Throws()
    {
        Assert.Throws<ArgumentException>(() => new ServiceCollection().AddFileConfigurationSource(" "));
    }
}
