using System.Collections.Frozen;
using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;

namespace InferenceGateway.TestSupport;

/// <summary>An <see cref="IDatastore"/> whose snapshot a test sets directly.</summary>
public sealed class FakeDatastore : IDatastore
{
    private DatastoreSnapshot _current;

    public FakeDatastore(DatastoreSnapshot? snapshot = null)
    {
        _current = snapshot ?? DatastoreSnapshot.Empty;
    }

    public DatastoreSnapshot Current => Volatile.Read(ref _current);

    public event Action<DatastoreSnapshot>? Changed;

    public void Publish(DatastoreSnapshot snapshot)
    {
        Volatile.Write(ref _current, snapshot);
        Changed?.Invoke(snapshot);
    }

    /// <summary>A snapshot with the given endpoints (by address) and models, version 1.</summary>
    public static DatastoreSnapshot Snapshot(IEnumerable<string> addresses, params ModelRoute[] models)
    {
        var endpoints = ImmutableArray.CreateBuilder<Endpoint>();
        var index = 0;
        foreach (var address in addresses)
        {
            endpoints.Add(CreateEndpoint(address, $"pod-{index++}"));
        }

        var byName = new Dictionary<string, ModelRoute>(StringComparer.Ordinal);
        foreach (var model in models)
        {
            byName[model.ModelName] = model;
        }

        return new DatastoreSnapshot(null, endpoints.ToImmutable(), byName.ToFrozenDictionary(StringComparer.Ordinal), [], 1);
    }

    /// <summary>A snapshot with one pool ("test-pool"), the given endpoints and one plain model route per name.</summary>
    public static DatastoreSnapshot Snapshot(IEnumerable<string> addresses, params string[] models)
    {
        var pool = new PoolInfo("test-pool", "default", FrozenDictionary<string, string>.Empty, [8000], FailureMode.FailClose);
        var routes = new ModelRoute[models.Length];
        for (var i = 0; i < models.Length; i++)
        {
            routes[i] = Model(models[i]);
        }

        return Snapshot(addresses, routes) with { Pool = pool };
    }

    public static Endpoint CreateEndpoint(string address, string name) =>
        new(address, name, "default", Endpoint.DefaultEngineType, FrozenDictionary<string, string>.Empty);

    /// <summary>A model route; no targets means the model name itself is the target.</summary>
    public static ModelRoute Model(string name, CriticalityBand criticality = CriticalityBand.Default, params WeightedTarget[] targets) =>
        new(name, criticality, [.. targets], new ObjectKey("default", name), DateTimeOffset.UnixEpoch);
}
