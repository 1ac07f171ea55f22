using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;

namespace InferenceGateway.FunctionalTests;

/// <summary>`validate` and `crds` as a user runs them: real process, exit codes and output lines.</summary>
public sealed class ValidateAndCrdsProcessTests : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly TempConfigFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Validate_ValidFile_ExitsZero()
    {
        var file = Write("good.yaml", """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata: {name: chat, namespace: default}
            spec:
              modelName: chat
              poolRef: {name: pool}
            """);
        await using var cli = CliProcess.Start("validate", file);

        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Validate_InvalidWeight_ExitsOneNamingFileFieldAndRule()
    {
        var file = Write("bad.yaml", """
            apiVersion: inference.networking.x-k8s.io/v1alpha1
            kind: InferenceModel
            metadata: {name: chat, namespace: default}
            spec:
              modelName: chat
              targetModels: [{name: a, weight: 1000001}]
              poolRef: {name: pool}
            """);
        await using var cli = CliProcess.Start("validate", file);

        Assert.Equal(1, await cli.WaitForExitAsync(Timeout));
        var line = Assert.Single(cli.Output.Split('\n'), l => l.Contains("spec.targetModels[0].weight", StringComparison.Ordinal));
        Assert.Contains("bad.yaml", line, StringComparison.Ordinal);
        Assert.Contains("less than or equal to 1000000", line, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Validate_MissingFile_ExitsTwo()
    {
        await using var cli = CliProcess.Start("validate", _folder.PathOf("missing.yaml"));

        Assert.Equal(2, await cli.WaitForExitAsync(Timeout));
    }

    [Fact]
    public async Task Crds_PrintsBothCustomResourceDefinitions()
    {
        await using var cli = CliProcess.Start("crds");

        Assert.Equal(0, await cli.WaitForExitAsync(Timeout));
        Assert.Contains("name: inferencemodels.inference.networking.x-k8s.io", cli.Output, StringComparison.Ordinal);
        Assert.Contains("name: inferencepools.inference.networking.x-k8s.io", cli.Output, StringComparison.Ordinal);
    }

    private string Write(string name, string text) => _folder.WriteAtomically(name, text);
}
