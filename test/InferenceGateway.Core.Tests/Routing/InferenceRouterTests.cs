using System.Text;
using System.Text.Json;
using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Errors;
using InferenceGateway.Core.Requests;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.Core.Tests.Requests;
using InferenceGateway.TestSupport;
using static InferenceGateway.Core.Tests.Routing.RouterFixture;

namespace InferenceGateway.Core.Tests.Routing;

public sealed class InferenceRouterTests
{
    private static readonly string[] ThreeEndpoints = ["10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"];

    private readonly RouterFixture _fixture = new();
    private readonly FakeDatastore _datastore = new();
    private readonly RecordingScheduler _scheduler = new();
    private readonly RecordingObserver _observer = new();
    private readonly InFlightTracker _tracker;

    public InferenceRouterTests()
    {
        _tracker = new InFlightTracker(_fixture.Time);
        _datastore.Publish(FakeDatastore.Snapshot(
            ThreeEndpoints,
            FakeDatastore.Model("base"),
            FakeDatastore.Model("critical", CriticalityBand.Critical),
            FakeDatastore.Model("split", CriticalityBand.Sheddable, new WeightedTarget("lora-a", 1), new WeightedTarget("lora-b", 1)),
            FakeDatastore.Model("only-b", CriticalityBand.Default, new WeightedTarget("lora-a", 0), new WeightedTarget("lora-b", 5)),
            FakeDatastore.Model("reserved", CriticalityBand.Default, new WeightedTarget("x", 0))));
    }

    [Fact]
    public void Route_UnchangedModel_PassesBodyThroughAndOrdersEndpoints()
    {
        // Arrange
        var router = CreateRouter();
        var input = Input(Chat, """{"model":"base","messages":[{"role":"user","content":"hi"}],"stream":true,"stream_options":{"include_usage":true}}""");

        // Act
        var outcome = router.Route(input);

        // Assert
        var routed = Routed(outcome);
        Assert.Equal(ThreeEndpoints, routed.Endpoints);
        Assert.Equal("base", routed.RequestedModel);
        Assert.Equal("base", routed.TargetModel);
        Assert.False(routed.BodyChanged);
        Assert.True(routed.Body.Equals(input.Body), "unchanged body must be the caller's memory");
        Assert.True(routed.Stream);
        Assert.True(Assert.Single(_observer.Routed).IncludeUsage);
        Assert.Equal(CriticalityBand.Default, routed.Criticality);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_NoRequestIdHeader_GeneratesOneAndSetsIt()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var first = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));
        var second = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));

        // Assert
        Assert.True(Guid.TryParse(first.RequestId, out _), first.RequestId);
        Assert.NotEqual(first.RequestId, second.RequestId);
        Assert.Equal(first.RequestId, first.HeadersToSet[RoutingHeaders.RequestId]);
        Assert.Equal(first.RequestId, _scheduler.Calls[0].Request.RequestId);
        first.Lease.Dispose();
        second.Lease.Dispose();
    }

    [Fact]
    public void Route_ClientRequestId_IsKept()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""", (RoutingHeaders.RequestId, "client-id-1"))));

        // Assert
        Assert.Equal("client-id-1", routed.RequestId);
        Assert.Equal("client-id-1", routed.HeadersToSet[RoutingHeaders.RequestId]);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_OverlongClientRequestId_IsReplaced()
    {
        // Arrange
        var router = CreateRouter();
        var overlong = new string('r', RoutingHeaders.MaxRequestIdLength + 1);

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""", (RoutingHeaders.RequestId, overlong))));

        // Assert
        Assert.NotEqual(overlong, routed.RequestId);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_WeightedTarget_RewritesOnlyModelValue()
    {
        // Arrange
        var router = CreateRouter(new Random(5));
        const string Head = "{ \"messages\" : [{\"role\":\"user\",\"content\":\"caf\\u00e9\"}],\n\t\"model\":";
        const string Tail = "  ,\"max_tokens\" : 10 }";
        var input = Input(Chat, Head + "\"only-b\"" + Tail);

        // Act
        var routed = Routed(router.Route(input));

        // Assert
        Assert.Equal("lora-b", routed.TargetModel);
        Assert.True(routed.BodyChanged);
        Assert.Equal(Head + "\"lora-b\"" + Tail, Encoding.UTF8.GetString(routed.Body.Span));
        Assert.Equal("lora-b", _scheduler.Calls[0].Request.TargetModel);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_SplitModel_DrawsBothTargets()
    {
        // Arrange
        var router = CreateRouter(new Random(11));
        var seen = new HashSet<string>(StringComparer.Ordinal);

        // Act
        for (var i = 0; i < 200; i++)
        {
            var routed = Routed(router.Route(Input(Chat, """{"model":"split","messages":[]}""")));
            seen.Add(routed.TargetModel);
            using var document = JsonDocument.Parse(routed.Body);
            Assert.Equal(routed.TargetModel, document.RootElement.GetProperty("model").GetString());
            routed.Lease.Dispose();
        }

        // Assert
        Assert.Equal(["lora-a", "lora-b"], seen.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Route_ModelRewriteHeader_OverridesDraw()
    {
        // Arrange
        var router = CreateRouter();
        var input = Input(Chat, """{"model":"split","messages":[]}""", (RoutingHeaders.ModelNameRewrite, "lora-z"));

        // Act
        var routed = Routed(router.Route(input));

        // Assert
        Assert.Equal("lora-z", routed.TargetModel);
        Assert.Equal("""{"model":"lora-z","messages":[]}""", Encoding.UTF8.GetString(routed.Body.Span));
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_SchedulingRequest_CarriesPromptSessionAndEstimates()
    {
        // Arrange
        var router = CreateRouter();
        var input = Input("/v1/completions?api-version=1", """{"model":"base","prompt":"abcdefgh","max_tokens":64}""",
            (RoutingHeaders.SessionToken, "c2Vzc2lvbg=="), (RoutingHeaders.InferenceObjective, "premium"));

        // Act
        var routed = Routed(router.Route(input));

        // Assert
        var request = _scheduler.Calls[0].Request;
        Assert.Equal("abcdefgh", Encoding.UTF8.GetString(request.PromptBytes.Span));
        Assert.Equal(2, request.EstimatedPromptTokens);
        Assert.Equal(64, request.MaxTokens);
        Assert.Equal("c2Vzc2lvbg==", request.SessionToken);
        Assert.Equal(CriticalityBand.Default, request.Criticality);
        Assert.Equal("premium", routed.InferenceObjective);
        var info = Assert.Single(_observer.Routed);
        Assert.Equal(66, info.EstimatedTokens);
        Assert.Equal("premium", info.InferenceObjective);
        Assert.Equal(RequestKind.Completions, info.Kind);
        Assert.False(info.IncludeUsage);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_InFlightRequests_AreVisibleToNextRequestUntilLeaseDisposed()
    {
        // Arrange
        var router = CreateRouter();
        var first = Routed(router.Route(Input("/v1/completions", """{"model":"base","prompt":"abcd","max_tokens":10}""")));

        // Act
        var second = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));
        first.Lease.Dispose();
        var third = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));

        // Assert
        var seenBySecond = _scheduler.Calls[1].Candidates[0];
        Assert.Equal(1, seenBySecond.InFlightRequests);
        Assert.Equal(11, seenBySecond.InFlightTokens);
        Assert.Equal(0, _scheduler.Calls[1].Candidates[1].InFlightRequests);
        var seenByThird = _scheduler.Calls[2].Candidates[0];
        Assert.Equal(1, seenByThird.InFlightRequests);
        Assert.Equal(256, seenByThird.InFlightTokens);
        second.Lease.Dispose();
        third.Lease.Dispose();
        Assert.Empty(_tracker.Snapshot());
        Assert.Equal(3, _observer.Completed.Count);
    }

    [Fact]
    public void Route_Embeddings_CountsNoOutputTokens()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var routed = Routed(router.Route(Input("/v1/embeddings", """{"model":"base","input":"abcdefgh"}""")));

        // Assert
        Assert.Equal(new InFlightCount(1, 2), _tracker.Get(ThreeEndpoints[0]));
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_SubsetHint_OffersOnlySubsetEndpoints()
    {
        // Arrange
        var router = CreateRouter();
        var subset = new HashSet<string>(StringComparer.Ordinal) { ThreeEndpoints[2], ThreeEndpoints[0], "10.9.9.9:8000" };

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""") with { SubsetHint = subset }));

        // Assert
        Assert.Equal(new[] { ThreeEndpoints[0], ThreeEndpoints[2] }, routed.Endpoints.ToArray());
        Assert.Equal(2, _scheduler.Calls[0].Candidates.Length);
        Assert.Equal(2, _fixture.Admission.Calls[0].Candidates.Length);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_SubsetHintWithNoPoolEndpoint_Returns503()
    {
        // Arrange
        var router = CreateRouter();
        var subset = new HashSet<string>(StringComparer.Ordinal) { "10.9.9.9:8000" };

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"base","messages":[]}""") with { SubsetHint = subset });

        // Assert
        AssertError(outcome, 503, "no endpoint in subset");
        Assert.Empty(_scheduler.Calls);
    }

    [Fact]
    public void Route_EmptyPool_Returns503()
    {
        // Arrange
        _datastore.Publish(FakeDatastore.Snapshot([], FakeDatastore.Model("base")));
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"base","messages":[]}"""));

        // Assert
        AssertError(outcome, 503, "no ready endpoint");
    }

    [Fact]
    public void Route_StaleMetrics_AreHandedOverAsNull()
    {
        // Arrange
        var router = CreateRouter();
        var now = _fixture.Time.GetUtcNow();
        _fixture.Metrics.Set(ThreeEndpoints[0], FakeMetricsStore.Metrics(now - TimeSpan.FromSeconds(1), waiting: 3));
        _fixture.Metrics.Set(ThreeEndpoints[1], FakeMetricsStore.Metrics(now - TimeSpan.FromSeconds(3), waiting: 4));

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));

        // Assert
        var candidates = _scheduler.Calls[0].Candidates;
        Assert.Equal(3, candidates[0].Metrics!.WaitingRequests);
        Assert.Null(candidates[1].Metrics);
        Assert.Null(candidates[2].Metrics);
        Assert.Null(_fixture.Admission.Calls[0].Candidates[1].Metrics);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_StalenessThreshold_IsConfigurable()
    {
        // Arrange
        var router = CreateRouter(options: new RoutingOptions { StalenessThreshold = TimeSpan.FromSeconds(5) });
        _fixture.Metrics.Set(ThreeEndpoints[1], FakeMetricsStore.Metrics(_fixture.Time.GetUtcNow() - TimeSpan.FromSeconds(3)));

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));

        // Assert
        Assert.NotNull(_scheduler.Calls[0].Candidates[1].Metrics);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_AdmissionRefuses_Returns429WithRetryAfterAndLeavesNothingInFlight()
    {
        // Arrange
        _fixture.Admission.Decision = AdmissionDecision.Refuse("pool saturated", TimeSpan.FromSeconds(3));
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"critical","messages":[]}"""));

        // Assert
        var error = AssertError(outcome, 429, "pool saturated");
        Assert.Equal(TimeSpan.FromSeconds(3), error.RetryAfter);
        Assert.Equal(CriticalityBand.Critical, _fixture.Admission.Calls[0].Band);
        Assert.Empty(_scheduler.Calls);
        Assert.Empty(_tracker.Snapshot());
        Assert.Empty(_observer.Routed);
    }

    [Theory]
    [InlineData(429)]
    [InlineData(503)]
    public void Route_SchedulerRejects_ReturnsItsStatus(int status)
    {
        // Arrange
        _scheduler.Rejection = new SchedulingRejection(status, "scheduler said no");
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"base","messages":[]}"""));

        // Assert
        AssertError(outcome, status, "scheduler said no");
        Assert.Empty(_tracker.Snapshot());
    }

    [Fact]
    public void Route_UnknownModel_Returns404()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"nope","messages":[]}"""));

        // Assert
        var error = AssertError(outcome, 404, "model \"nope\" not found");
        Assert.Equal("model_not_found", error.Code);
    }

    [Fact]
    public void Route_ReservedModel_Returns404NoValidTarget()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"reserved","messages":[]}""", (RoutingHeaders.ModelNameRewrite, "x")));

        // Assert
        AssertError(outcome, 404, "no valid target model");
    }

    [Fact]
    public void Route_UnsupportedPath_Returns404UnknownUrl()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input("/v1/audio/speech", """{"model":"base"}"""));

        // Assert
        var error = AssertError(outcome, 404, "unsupported path");
        Assert.Equal("unknown_url", error.Code);
    }

    [Fact]
    public void Route_BodyOverConfiguredLimit_Returns413()
    {
        // Arrange
        var router = CreateRouter(options: new RoutingOptions { MaxBodyBytes = 64 });
        var body = "{\"model\":\"base\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('x', 64) + "\"}]}";

        // Act
        var outcome = router.Route(Input(Chat, body));

        // Assert
        AssertError(outcome, 413, "request body too large");
    }

    [Fact]
    public void Route_MalformedBody_Returns400()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, """{"model":"base","messages":[}"""));

        // Assert
        AssertError(outcome, 400, "not valid JSON");
    }

    [Fact]
    public void Route_ObserverThrowsOnRouted_StillRoutes()
    {
        // Arrange
        _observer.Throw = true;
        var router = CreateRouter();

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));

        // Assert
        Assert.Single(_observer.Routed);
        routed.Lease.Dispose();
        Assert.Empty(_tracker.Snapshot());
    }

    [Fact]
    public void Route_HeaderOnlyOnOtherPath_PicksAPoolEndpointAtDefaultWithoutTracking()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var routed = Routed(router.Route(Input("/v1/models", "", (RoutingHeaders.RequestId, "get-1"))));

        // Assert
        Assert.Contains(Assert.Single(routed.Endpoints), ThreeEndpoints);
        Assert.Equal(string.Empty, routed.RequestedModel);
        Assert.Equal(CriticalityBand.Default, routed.Criticality);
        Assert.Equal(CriticalityBand.Default, Assert.Single(_fixture.Admission.Calls).Band);
        Assert.Equal("get-1", routed.HeadersToSet[RoutingHeaders.RequestId]);
        Assert.True(routed.Body.IsEmpty);
        Assert.Empty(_scheduler.Calls);
        Assert.Empty(_tracker.Snapshot());
        Assert.Empty(_observer.Routed);
        routed.Lease.Dispose();
    }

    [Fact]
    public void Route_HeaderOnlyOnOtherPath_StaysWithinSubsetHint()
    {
        // Arrange
        var router = CreateRouter();
        var input = Input("/v1/models", "") with { SubsetHint = new HashSet<string>(StringComparer.Ordinal) { "10.0.0.2:8000" } };

        // Act
        var routed = Routed(router.Route(input));

        // Assert
        Assert.Equal("10.0.0.2:8000", Assert.Single(routed.Endpoints));
    }

    [Fact]
    public void Route_HeaderOnlyOnOtherPathWhenShed_Returns429()
    {
        // Arrange
        _fixture.Admission.Decision = AdmissionDecision.Refuse("pool saturated", TimeSpan.FromSeconds(1));
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input("/v1/models", ""));

        // Assert
        AssertError(outcome, 429, "pool saturated");
    }

    [Fact]
    public void Route_HeaderOnlyOnChatPath_Returns400()
    {
        // Arrange
        var router = CreateRouter();

        // Act
        var outcome = router.Route(Input(Chat, ""));

        // Assert
        Assert.Null(outcome.Routed);
        Assert.Equal(400, outcome.Error!.StatusCode);
    }

    [Fact]
    public void Constructor_InvalidOptions_Throws()
    {
        // Act
        var exception = Record.Exception(() => CreateRouter(options: new RoutingOptions { MaxBodyBytes = 0 }));

        // Assert
        Assert.IsType<ArgumentException>(exception);
    }

    [Fact]
    public void Route_PoolChanged_IdleSlotsOfRemovedEndpointsAreDropped()
    {
        // Arrange
        var router = CreateRouter();
        Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}"""))).Lease.Dispose();
        Assert.Equal(1, _tracker.SlotCount);
        string[] replaced = ["10.0.1.1:8000", "10.0.1.2:8000"];
        _datastore.Publish(FakeDatastore.Snapshot(replaced, FakeDatastore.Model("base")) with { Version = 2 });

        // Act
        var routed = Routed(router.Route(Input(Chat, """{"model":"base","messages":[]}""")));

        // Assert: only the new primary's slot is left.
        Assert.Equal(1, _tracker.SlotCount);
        Assert.Equal(1, _tracker.Get(replaced[0]).Requests);
        routed.Lease.Dispose();
    }

    private InferenceRouter CreateRouter(Random? random = null, RoutingOptions? options = null) =>
        _fixture.CreateRouter(_datastore, _scheduler, _tracker, options: options, random: random, observers: [_observer]);

    private static OpenAiError AssertError(RoutingOutcome outcome, int status, string messagePart)
    {
        Assert.Null(outcome.Routed);
        var error = outcome.Error;
        Assert.NotNull(error);
        Assert.Equal(status, error.StatusCode);
        Assert.Contains(messagePart, error.Message, StringComparison.Ordinal);
        RequestParserTests.AssertOpenAiShape(error, error.Type);
        return error;
    }
}
