namespace InferenceGateway.Core.Datastore;

/// <summary>
/// The one <see cref="IDatastore"/>: the current snapshot lives in a single field that publishers swap and readers
/// read with <see cref="Volatile"/>, so the request path never takes a lock. (Not named "Datastore": that is the
/// namespace, and the simple name would resolve to it everywhere inside InferenceGateway.Core.)
/// </summary>
public sealed class InMemoryDatastore : IDatastore
{
    // Publishers are rare (a reload, an informer event) and serialize here so Changed fires in version order.
    private readonly Lock _publishGate = new();
    private DatastoreSnapshot _current = DatastoreSnapshot.Empty;

    public DatastoreSnapshot Current => Volatile.Read(ref _current);

    public event Action<DatastoreSnapshot>? Changed;

    /// <summary>
    /// Makes <paramref name="snapshot"/> current with the next version number (the builder's Version is ignored),
    /// then raises <see cref="Changed"/>. Every handler runs even if one throws; their exceptions are rethrown
    /// together afterwards, by which time the new snapshot is already in force.
    /// </summary>
    /// <returns>The snapshot as published, carrying its version.</returns>
    public DatastoreSnapshot Publish(DatastoreSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        lock (_publishGate)
        {
            var published = snapshot with { Version = _current.Version + 1 };
            Volatile.Write(ref _current, published);
            RaiseChanged(published);
            return published;
        }
    }

    private void RaiseChanged(DatastoreSnapshot published)
    {
        var handlers = Changed;
        if (handlers is null)
        {
            return;
        }

        List<Exception>? failures = null;
        foreach (var handler in handlers.GetInvocationList())
        {
            try
            {
                ((Action<DatastoreSnapshot>)handler)(published);
            }
            catch (Exception e)
            {
                (failures ??= []).Add(e);
            }
        }

        if (failures is not null)
        {
            throw new AggregateException($"{failures.Count} Changed handler(s) failed for snapshot version {published.Version}", failures);
        }
    }
}
