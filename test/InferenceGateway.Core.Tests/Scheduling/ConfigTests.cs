using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Scheduling.Config;
using InferenceGateway.Core.Scheduling.Filters;
using InferenceGateway.Core.Scheduling.Pickers;
using InferenceGateway.Core.Scheduling.Scorers;
using static InferenceGateway.Core.Tests.Scheduling.SchedulingTestData;

namespace InferenceGateway.Core.Tests.Scheduling;

public class ConfigTests
{
    private const string Header = """
        apiVersion: inference.networking.x-k8s.io/v1alpha1
        kind: EndpointPickerConfig

        """;

    private static Scheduler FromYaml(string yaml, string? profile = null) =>
        SchedulerBuilder.Build(new SchedulerOptions { Profile = profile }, new Random(1), EndpointPickerConfig.Parse(Header + yaml));

    [Fact]
    public void Parse_ValidConfig_BuildsProfileWithFiltersScorersAndPicker()
    {
        var scheduler = FromYaml("""
            plugins:
            - type: low-queue-filter
              parameters:
                threshold: 20
            - name: queue
              type: queue-scorer
            - type: kv-cache-utilization-scorer
            - type: prefix-cache-scorer
              parameters:
                blockSize: 32
                maxPrefixBlocksToMatch: 128
                lruCapacityPerServer: 1000
            - type: weighted-random-picker
              parameters:
                maxNumOfEndpoints: 2
            schedulingProfiles:
            - name: mine
              plugins:
              - pluginRef: low-queue-filter
              - pluginRef: queue
                weight: 2
              - pluginRef: kv-cache-utilization-scorer
                weight: 0.5
              - pluginRef: prefix-cache-scorer
                weight: 3
              - pluginRef: weighted-random-picker
            """);

        var profile = scheduler.Profile;
        Assert.Equal("mine", profile.Name);
        var filter = Assert.IsType<LowQueueFilter>(Assert.Single(profile.Filters));
        Assert.Equal(20, filter.Threshold);
        Assert.Equal(new[] { "queue", "kv-cache-utilization-scorer", "prefix-cache-scorer" }, profile.Scorers.Select(s => s.Scorer.Name));
        Assert.Equal(new[] { 2, 0.5, 3 }, profile.Scorers.Select(s => s.Weight));
        Assert.IsType<QueueScorer>(profile.Scorers[0].Scorer);
        var picker = Assert.IsType<WeightedRandomPicker>(profile.Picker);
        Assert.Equal(2, picker.MaxEndpoints);
        Assert.Equal(32, scheduler.PrefixIndex.Options.DefaultBlockSizeTokens);
        Assert.Equal(128, scheduler.PrefixIndex.Options.MaxBlocksPerRequest);
        Assert.Equal(1000, scheduler.PrefixIndex.Options.DefaultCapacityPerEndpoint);
    }

    [Fact]
    public void Parse_Defaults_WeightOneMaxScorePickerNameIsType()
    {
        var scheduler = FromYaml("""
            plugins:
            - type: queue-scorer
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: queue-scorer
            """);

        var scorer = Assert.Single(scheduler.Profile.Scorers);
        Assert.Equal(1, scorer.Weight);
        Assert.Equal("queue-scorer", scorer.Scorer.Name);
        var picker = Assert.IsType<MaxScorePicker>(scheduler.Profile.Picker);
        Assert.Equal(4, picker.MaxEndpoints);
    }

    [Fact]
    public void Parse_UnknownType_ErrorNamesTheType()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml("""
            plugins:
            - name: mine
              type: telepathy-scorer
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: mine
            """));

        Assert.Contains("telepathy-scorer", error.Message);
        Assert.Contains("queue-scorer", error.Message);
    }

    [Theory]
    [InlineData("-1")]
    [InlineData("heavy")]
    [InlineData(".nan")]
    public void Parse_BadWeight_Error(string weight)
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml($"""
            plugins:
            - type: queue-scorer
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: queue-scorer
                weight: {weight}
            """));

        Assert.Contains("weight", error.Message);
    }

    [Fact]
    public void Parse_MissingPluginRef_Error()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml("""
            plugins:
            - type: queue-scorer
            schedulingProfiles:
            - name: p
              plugins:
              - weight: 2
            """));

        Assert.Contains("pluginRef", error.Message);
        Assert.Contains("\"p\"", error.Message);
    }

    [Fact]
    public void Parse_PluginRefToUndefinedPlugin_Error()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml("""
            plugins:
            - type: queue-scorer
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: kv-cache-utilization-scorer
            """));

        Assert.Contains("kv-cache-utilization-scorer", error.Message);
    }

    [Fact]
    public void Parse_WrongApiVersion_Error()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => EndpointPickerConfig.Parse("""
            apiVersion: v9
            kind: EndpointPickerConfig
            """));

        Assert.Contains("apiVersion", error.Message);
    }

    [Fact]
    public void Parse_BadParameter_ErrorNamesPluginAndKey()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml("""
            plugins:
            - type: low-queue-filter
              parameters:
                threshold: lots
            """));

        Assert.Contains("low-queue-filter", error.Message);
        Assert.Contains("threshold", error.Message);
    }

    [Fact]
    public void Parse_TwoPickers_Error()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml("""
            plugins:
            - type: max-score-picker
            - type: random-picker
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: max-score-picker
              - pluginRef: random-picker
            """));

        Assert.Contains("picker", error.Message);
    }

    [Fact]
    public void Build_NoConfig_DefaultProfileAndBuiltInsSelectable()
    {
        var scheduler = SchedulerBuilder.Build(new SchedulerOptions(), new Random(1));

        Assert.Equal(BuiltInProfiles.Default, scheduler.Profile.Name);
        Assert.All(BuiltInProfiles.Names, name => Assert.True(scheduler.Profiles.ContainsKey(name), name));
        Assert.Equal(BuiltInProfiles.RoundRobin, Build(BuiltInProfiles.RoundRobin).Profile.Name);
    }

    [Fact]
    public void Build_ReferenceDefault_QueueKvPrefixWeights()
    {
        var profile = Build(BuiltInProfiles.ReferenceDefault).Profile;

        Assert.Equal(new[] { ("queue-scorer", 2.0), ("kv-cache-utilization-scorer", 2.0), ("prefix-cache-scorer", 3.0) }, profile.Scorers.Select(s => (s.Scorer.TypeName, s.Weight)));
        Assert.IsType<MaxScorePicker>(profile.Picker);
    }

    [Fact]
    public void Build_UnknownProfileName_ErrorListsKnownProfiles()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => Build("fastest"));

        Assert.Contains("fastest", error.Message);
        Assert.Contains("seed-tree", error.Message);
    }

    [Fact]
    public void Parse_DecisionTreeConfig_ReproducesSeedTreeForNonCriticalTraffic()
    {
        var scheduler = FromYaml("""
            plugins:
            - type: low-load-filter
              parameters:
                queueThreshold: 5
                kvCacheThreshold: 0.8
            - type: least-queue-filter
            - type: low-lora-cost-filter
            - type: least-kv-cache-filter
            - type: decision-tree-filter
              name: tree
              parameters:
                current:
                  pluginRef: low-load-filter
                nextOnSuccess:
                  decisionTree:
                    current:
                      pluginRef: least-queue-filter
                    nextOnSuccessOrFailure:
                      decisionTree:
                        current:
                          pluginRef: low-lora-cost-filter
                        nextOnSuccessOrFailure:
                          pluginRef: least-kv-cache-filter
            - type: random-picker
            schedulingProfiles:
            - name: tree
              plugins:
              - pluginRef: tree
              - pluginRef: random-picker
            """);

        var shed = scheduler.Schedule(Request(band: CriticalityBand.Sheddable), [Candidate(1, Scrape(waiting: 9)), Candidate(2, Scrape(waiting: 6))]);
        var placed = scheduler.Schedule(Request(band: CriticalityBand.Sheddable), [Candidate(1, Scrape(waiting: 9)), Candidate(2, Scrape(waiting: 2, kv: 0.5)), Candidate(3, Scrape(waiting: 1, kv: 0.9))]);

        Assert.Equal(429, shed.Rejection?.StatusCode);
        Assert.Equal(2, PodNumber(placed.Endpoints[0]));
    }

    [Fact]
    public void Parse_KnownMetricsFilterAndKnownAdaptersOnly_ReachThePlugins()
    {
        var scheduler = FromYaml("""
            plugins:
            - type: known-metrics-filter
            - type: lora-affinity-scorer
              parameters:
                knownAdaptersOnly: true
            - type: max-score-picker
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: known-metrics-filter
              - pluginRef: lora-affinity-scorer
              - pluginRef: max-score-picker
            """);

        Assert.IsType<KnownMetricsFilter>(Assert.Single(scheduler.Profile.Filters));
        Assert.True(Assert.IsType<LoraAffinityScorer>(Assert.Single(scheduler.Profile.Scorers).Scorer).KnownAdaptersOnly);
    }

    [Fact]
    public void Parse_KnownAdaptersOnlyNotABool_ClearError()
    {
        var error = Assert.Throws<SchedulerConfigException>(() => FromYaml("""
            plugins:
            - type: lora-affinity-scorer
              parameters:
                knownAdaptersOnly: sometimes
            - type: max-score-picker
            schedulingProfiles:
            - name: p
              plugins:
              - pluginRef: lora-affinity-scorer
              - pluginRef: max-score-picker
            """));

        Assert.Contains("knownAdaptersOnly", error.Message, StringComparison.Ordinal);
        Assert.Contains("must be true or false", error.Message, StringComparison.Ordinal);
    }
}
