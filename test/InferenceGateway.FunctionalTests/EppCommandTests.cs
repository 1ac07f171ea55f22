using InferenceGateway.FunctionalTests.Infrastructure;
using InferenceGateway.TestSupport;

namespace InferenceGateway.FunctionalTests;

/// <summary>`epp` start-up failures: usage errors exit 2, a bad configuration prints every error and exits 1.</summary>
public sealed class EppCommandTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData("")]
    [InlineData("--config x.yaml --pool-name p")]
    public async Task Epp_NotExactlyOneSource_ExitsWithUsageError(string sourceArgs)
    {
        await using var epp = EppCluster.StartEppProcess(sourceArgs.Split(' ', StringSplitOptions.RemoveEmptyEntries));

        var exitCode = await epp.WaitForExitAsync(Timeout);

        Assert.Equal(2, exitCode);
        Assert.Contains("exactly one source", epp.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Epp_InvalidConfig_PrintsEachErrorAndExits1()
    {
        using var folder = new TempConfigFolder();
        var path = folder.WriteAtomically("bad.yaml", ManifestYaml.Join(
            ManifestYaml.Pool("bad-pool", targetPort: 70000),
            ManifestYaml.Model("m", "", "bad-pool")));
        await using var epp = EppCluster.StartEppProcess("--config", path);

        var exitCode = await epp.WaitForExitAsync(Timeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("the configuration is invalid", epp.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", epp.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Epp_UnknownSchedulerProfile_ExitsWithMessage()
    {
        using var folder = new TempConfigFolder();
        var path = folder.WriteAtomically("ok.yaml", ManifestYaml.Join(ManifestYaml.Pool("p"), ManifestYaml.StaticEndpoints("s", "p", ["127.0.0.1:1"])));
        await using var epp = EppCluster.StartEppProcess("--config", path, "--scheduler-profile", "no-such-profile");

        var exitCode = await epp.WaitForExitAsync(Timeout);

        Assert.Equal(1, exitCode);
        Assert.Contains("no-such-profile", epp.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", epp.Output, StringComparison.Ordinal);
    }
}
