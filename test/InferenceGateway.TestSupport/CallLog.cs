namespace InferenceGateway.TestSupport;

/// <summary>What a fake was called with, safe to add to from any thread; readers get a copy.</summary>
public sealed class CallLog<T>
{
    private readonly Lock _gate = new();
    private readonly List<T> _items = [];

    public void Add(T item)
    {
        lock (_gate)
        {
            _items.Add(item);
        }
    }

    /// <summary>The calls so far, in the order they were added.</summary>
    public IReadOnlyList<T> Snapshot()
    {
        lock (_gate)
        {
            return [.. _items];
        }
    }
}
