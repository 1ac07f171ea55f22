using System.Collections.Frozen;
using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.TestSupport;

/// <summary>An IDatastore whose snapshot the test sets.</summary>
public sealed class FakeDatastore : IDatastore
{
    private DatastoreSnapshot _current = DatastoreSnapshot.Empty;

    public DatastoreSnapshot Current => Volatile.Read(ref _current);

    public event Action<DatastoreSnapshot>? Changed;

    public void Publish(DatastoreSnapshot snapshot)
    {
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }

    /// <summary>A snapshot with one pool, the given endpoints and one plain model route per name.</summary>
    public static DatastoreSnapshot Snapshot(IEnumerable<string> endpoints, params string[] models)
    {
        var pool = new PoolInfo("test-pool", "default", FrozenDictionary<string, string>.Empty, [8000], FailureMode.FailClose);
        var eps = endpoints.Select((address, i) => new Endpoint(
            address, $"pod-{i}", "default", Endpoint.DefaultEngineType, FrozenDictionary<string, string>.Empty)).ToImmutableArray();
        var created = new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var routes = models.ToFrozenDictionary(
            name => name,
            name => new ModelRoute(name, CriticalityBand.Default, [], new ObjectKey("default", name), created),
            StringComparer.Ordinal);
        return new DatastoreSnapshot(pool, eps, routes, [], 1);
    }
}
