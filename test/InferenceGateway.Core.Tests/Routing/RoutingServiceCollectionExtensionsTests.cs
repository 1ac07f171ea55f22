using System.Text;
using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Metrics;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Core.Tests.Routing;

public sealed class RoutingServiceCollectionExtensionsTests
{
    [Fact]
    public void AddInferenceRouting_WithPartsRegistered_ResolvesWorkingRouter()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddSingleton<IDatastore>(new FakeDatastore(FakeDatastore.Snapshot(["127.0.0.2:8000"], FakeDatastore.Model("m"))));
        services.AddSingleton<IEndpointMetricsStore>(new FakeMetricsStore());
        services.AddSingleton<IAdmissionController>(new FakeAdmissionController());
        services.AddSingleton<IScheduler>(new RecordingScheduler());
        services.AddInferenceRouting(o => o.DefaultMaxTokensEstimate = 7);
        using var provider = services.BuildServiceProvider(validateScopes: true);

        // Act
        var router = provider.GetRequiredService<IInferenceRouter>();
        var outcome = router.Route(new RoutingInput(
            "/v1/chat/completions", new Dictionary<string, string>(), Encoding.UTF8.GetBytes("""{"model":"m","messages":[]}""")));

        // Assert
        Assert.NotNull(outcome.Routed);
        Assert.Equal(7, provider.GetRequiredService<InFlightTracker>().Get("127.0.0.2:8000").Tokens);
        Assert.Same(TimeProvider.System, provider.GetRequiredService<TimeProvider>());
        Assert.NotNull(provider.GetRequiredService<Random>());
        outcome.Routed.Lease.Dispose();
    }

    [Fact]
    public void AddInferenceRouting_ExistingClockAndRandom_AreKept()
    {
        // Arrange
        var services = new ServiceCollection();
        var random = new Random(1);
        var time = new Microsoft.Extensions.Time.Testing.FakeTimeProvider();
        services.AddSingleton<TimeProvider>(time);
        services.AddSingleton(random);

        // Act
        services.AddInferenceRouting();
        using var provider = services.BuildServiceProvider();

        // Assert
        Assert.Same(time, provider.GetRequiredService<TimeProvider>());
        Assert.Same(random, provider.GetRequiredService<Random>());
    }

    [Fact]
    public void AddInferenceRouting_InvalidOptions_FailValidation()
    {
        // Arrange
        var services = new ServiceCollection();
        services.AddInferenceRouting(o => o.MaxJsonDepth = 0);
        using var provider = services.BuildServiceProvider();

        // Act
        var exception = Record.Exception(() => provider.GetRequiredService<IOptions<RoutingOptions>>().Value);

        // Assert
        Assert.IsType<OptionsValidationException>(exception);
    }
}
