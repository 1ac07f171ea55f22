using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text;
using InferenceGateway.Core.Admission;
using InferenceGateway.Core.Datastore;
using InferenceGateway.Core.Routing;
using InferenceGateway.Core.Scheduling;
using InferenceGateway.TestSupport;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace InferenceGateway.Core.Tests.Routing;

/// <summary>
/// What the router test classes build the real <see cref="InferenceRouter"/> from (a fake clock at 2026-01-01,
/// fake metrics and admission) and the inputs they route. One per test class instance: no shared state.
/// </summary>
internal sealed class RouterFixture
{
    public const string Chat = "/v1/chat/completions";

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero));

    public FakeMetricsStore Metrics { get; } = new();

    public FakeAdmissionController Admission { get; } = new();

    /// <summary>
    /// The router over <paramref name="datastore"/> and <paramref name="scheduler"/>: a fresh in-flight tracker on
    /// <see cref="Time"/> unless one is given, <see cref="Admission"/> unless another is, random seeded 1 by default.
    /// </summary>
    public InferenceRouter CreateRouter(
        IDatastore datastore,
        IScheduler scheduler,
        InFlightTracker? tracker = null,
        IAdmissionController? admission = null,
        RoutingOptions? options = null,
        Random? random = null,
        IEnumerable<IRequestObserver>? observers = null,
        ILogger<InferenceRouter>? logger = null) => new(
        datastore,
        Metrics,
        tracker ?? new InFlightTracker(Time),
        admission ?? Admission,
        scheduler,
        Options.Create(options ?? new RoutingOptions()),
        Time,
        random ?? new Random(1),
        observers,
        logger);

    /// <summary>A pool serving model "base" on the given pods (name, address), version 1.</summary>
    public static DatastoreSnapshot BasePool(params (string Name, string Address)[] pods)
    {
        var endpoints = ImmutableArray.CreateBuilder<Endpoint>(pods.Length);
        foreach (var (name, address) in pods)
        {
            endpoints.Add(FakeDatastore.CreateEndpoint(address, name));
        }

        return FakeDatastore.Snapshot([], "base") with { Endpoints = endpoints.MoveToImmutable() };
    }

    public static RoutingInput Input(string path, string body, params (string Name, string Value)[] headers)
    {
        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, value) in headers)
        {
            map[name] = value;
        }

        return new RoutingInput(path, map, Encoding.UTF8.GetBytes(body));
    }

    /// <summary>The routed request of a successful outcome (fails with the error's message otherwise).</summary>
    public static RoutedRequest Routed(RoutingOutcome outcome)
    {
        Assert.True(outcome.Error is null, outcome.Error?.Message);
        return outcome.Routed!;
    }

    /// <summary>
    /// Routes a long "base" prompt on <paramref name="topic"/> to <paramref name="address"/> (pinned by the subset
    /// hint), checks it landed there and returns its lease.
    /// </summary>
    public static IRequestLease RoutePinned(InferenceRouter router, string address, string topic)
    {
        var prompt = string.Concat(Enumerable.Repeat(topic + " lorem ipsum dolor sit amet ", 40));
        var body = $$"""{"model":"base","messages":[{"role":"user","content":"{{prompt}}"}]}""";
        var outcome = router.Route(new RoutingInput(
            Chat,
            FrozenDictionary<string, string>.Empty,
            Encoding.UTF8.GetBytes(body),
            new HashSet<string>(StringComparer.Ordinal) { address }));
        Assert.True(outcome.Error is null, outcome.Error?.Message);
        Assert.Equal(address, outcome.Routed!.Endpoints[0]);
        return outcome.Routed.Lease;
    }
}
