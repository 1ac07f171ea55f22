using System.Text;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;
using InferenceGateway.Core.Scheduling.Pickers;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

/// <summary>
/// The chart mounts its schedulerConfig as --config-file, and a profile named there replaces the built-in of that
/// name: a chart whose `default` drifts from the built-in silently deploys another scheduler.
/// </summary>
public class HelmSchedulerConfigTests
{
    private static readonly string ValuesFile = Path.Combine(AppContext.BaseDirectory, "deploy", "helm-values.yaml");

    /// <summary>The block literal under the top-level <c>schedulerConfig: |</c> key, de-indented.</summary>
    private static string SchedulerConfig()
    {
        var text = new StringBuilder();
        var inside = false;
        foreach (var line in File.ReadAllLines(ValuesFile))
        {
            if (!inside)
            {
                inside = line.StartsWith("schedulerConfig: |", StringComparison.Ordinal);
                continue;
            }

            if (line.Length > 0 && !line.StartsWith("  ", StringComparison.Ordinal))
            {
                break;
            }

            text.AppendLine(line.Length >= 2 ? line[2..] : line);
        }

        Assert.True(inside, $"no schedulerConfig block in {ValuesFile}");
        return text.ToString();
    }

    [Fact]
    public void ChartSchedulerConfig_DefaultProfile_IsTheBuiltInDefault()
    {
        var chart = SchedulerBuilder.Build(new SchedulerOptions(), new Random(1), EndpointPickerConfig.Parse(SchedulerConfig()));
        var builtIn = Build(BuiltInProfiles.Default);

        Assert.Equal(BuiltInProfiles.Default, chart.Profile.Name);
        Assert.Equal(
            builtIn.Profile.Scorers.Select(s => (s.Scorer.TypeName, s.Weight)),
            chart.Profile.Scorers.Select(s => (s.Scorer.TypeName, s.Weight)));
        Assert.Equal(
            builtIn.Profile.Scorers.Select(s => s.Scorer).OfType<PrefillCostScorer>().Single().Options,
            chart.Profile.Scorers.Select(s => s.Scorer).OfType<PrefillCostScorer>().Single().Options);
        Assert.Equal(
            builtIn.Profile.Scorers.Select(s => s.Scorer).OfType<PrefixCacheScorer>().Single().MaxBlocks,
            chart.Profile.Scorers.Select(s => s.Scorer).OfType<PrefixCacheScorer>().Single().MaxBlocks);
        Assert.IsType<MaxScorePicker>(chart.Profile.Picker);
        Assert.Equal(builtIn.Profile.Picker.MaxEndpoints, chart.Profile.Picker.MaxEndpoints);
        Assert.Equal(builtIn.Profile.Filters.Select(f => f.TypeName), chart.Profile.Filters.Select(f => f.TypeName));
        Assert.Equal(
            builtIn.Profile.Scorers.Select(s => s.Scorer).OfType<LoraAffinityScorer>().Single().KnownAdaptersOnly,
            chart.Profile.Scorers.Select(s => s.Scorer).OfType<LoraAffinityScorer>().Single().KnownAdaptersOnly);
    }
}
