namespace InferenceGateway.Simulator.Engines;

/// <summary>
/// A paged KV cache: fixed blocks with reference counts, a free queue in LRU order (head = evicted first) and a
/// hash index of full prompt blocks. A freed block keeps its hash (a prefix-cache entry) until it is reused.
/// Every operation is O(1); nothing allocates after construction except the hash index growing.
/// </summary>
internal sealed class KvBlockManager
{
    private const int None = -1;
    private readonly int[] _refCount;
    private readonly ulong[] _hash;
    private readonly bool[] _hashed;
    private readonly int[] _prev;
    private readonly int[] _next;
    private readonly Dictionary<ulong, int> _cached;
    private int _head = None;
    private int _tail = None;

    public KvBlockManager(int blocks)
    {
        Total = blocks;
        _refCount = new int[blocks];
        _hash = new ulong[blocks];
        _hashed = new bool[blocks];
        _prev = new int[blocks];
        _next = new int[blocks];
        _cached = new Dictionary<ulong, int>(Math.Min(blocks, 1 << 16));
        for (var b = 0; b < blocks; b++)
        {
            Append(b);
        }
    }

    public int Total { get; }

    /// <summary>Blocks no request references (cached or empty): what can be allocated now.</summary>
    public int FreeCount { get; private set; }

    public int UsedCount => Total - FreeCount;

    public int CachedCount => _cached.Count;

    public bool TryGetCached(ulong hash, out int block) => _cached.TryGetValue(hash, out block);

    public bool IsFree(int block) => _refCount[block] == 0;

    /// <summary>Takes the least recently freed block, dropping its cache entry.</summary>
    public int Allocate()
    {
        var block = _head;
        if (block == None)
        {
            throw new InvalidOperationException("No free KV block.");
        }

        Unlink(block);
        if (_hashed[block])
        {
            _cached.Remove(_hash[block]);
            _hashed[block] = false;
        }

        _refCount[block] = 1;
        return block;
    }

    /// <summary>Adds a reference to a cached block (a prefix hit).</summary>
    public void Touch(int block)
    {
        if (_refCount[block] == 0)
        {
            Unlink(block);
        }

        _refCount[block]++;
    }

    public void Release(int block)
    {
        if (--_refCount[block] == 0)
        {
            Append(block);
        }
    }

    /// <summary>Makes a computed full block findable by its chained hash (first writer wins).</summary>
    public void Register(int block, ulong hash)
    {
        if (!_hashed[block] && _cached.TryAdd(hash, block))
        {
            _hash[block] = hash;
            _hashed[block] = true;
        }
    }

    private void Append(int block)
    {
        _prev[block] = _tail;
        _next[block] = None;
        if (_tail == None)
        {
            _head = block;
        }
        else
        {
            _next[_tail] = block;
        }

        _tail = block;
        FreeCount++;
    }

    private void Unlink(int block)
    {
        var prev = _prev[block];
        var next = _next[block];
        if (prev == None)
        {
            _head = next;
        }
        else
        {
            _next[prev] = next;
        }

        if (next == None)
        {
            _tail = prev;
        }
        else
        {
            _prev[next] = prev;
        }

        FreeCount--;
    }
}
