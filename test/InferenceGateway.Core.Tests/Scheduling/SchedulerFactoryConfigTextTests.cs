using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Core.Tests.Scheduling;

public sealed class SchedulerFactoryConfigTextTests
{
    private const string Config = """
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig
        plugins:
        - type: queue-scorer
        - type: max-score-picker
        schedulingProfiles:
        - name: from-text
          plugins:
          - pluginRef: queue-scorer
          - pluginRef: max-score-picker
        """;

    [Fact]
    public void Create_ConfigText_UsesItsFirstProfile()
    {
        var scheduler = SchedulerFactory.Create(new SchedulerOptions { ConfigText = Config }, new Random(1));

        Assert.Equal("from-text", scheduler.Profile.Name);
    }

    [Fact]
    public void Create_ConfigTextAndPath_ThrowsSchedulerConfigException()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => SchedulerFactory.Create(new SchedulerOptions { ConfigText = Config, ConfigPath = "x.yaml" }));

        Assert.Contains("not both", error.Message, StringComparison.Ordinal);
    }
}
