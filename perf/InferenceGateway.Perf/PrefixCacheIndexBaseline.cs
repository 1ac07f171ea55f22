using System.Runtime.InteropServices;
using InferenceGateway.Core.Prefix;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Perf;

/// <summary>
/// BENCHMARK-ONLY: a frozen copy of <see cref="PrefixCacheIndex"/> as it was before the node-struct / open-addressing
/// rewrite (commit a8d320a), so <see cref="PrefixIndexBenchmarks"/> can measure old and new in the same run. Not
/// used by the product; delete it once the comparison in docs/performance.md no longer needs re-running.
/// </summary>
internal sealed class PrefixCacheIndexBaseline
{
    private const int None = -1;

    private readonly Lock _gate = new();
    private readonly Dictionary<ulong, int> _holders = [];
    private readonly Dictionary<string, int> _endpointIds = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeEndpointIds = new();
    private readonly int _maxTotalEntries;
    private EndpointSlot[] _endpoints = new EndpointSlot[8];
    private int _endpointCount;

    // Nodes: one per (block hash, endpoint). Linked twice: the endpoint's LRU list (_prev/_next, most recent at
    // Head) and the chain of endpoints holding the same hash (_nextHolder).
    private ulong[] _hash = new ulong[64];
    private int[] _owner = new int[64];
    private int[] _prev = new int[64];
    private int[] _next = new int[64];
    private int[] _nextHolder = new int[64];
    private long[] _touched = new long[64];
    private int _nodeHighWater;
    private int _freeNode = None;
    private int _entries;
    private long _stamp;
    private long _clock;

    public PrefixCacheIndexBaseline(PrefixCacheOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _maxTotalEntries = options.MaxTotalEntries;
    }

    public PrefixCacheOptions Options { get; }

    /// <summary>Block entries held over all endpoints.</summary>
    public int EntryCount
    {
        get
        {
            lock (_gate)
            {
                return _entries;
            }
        }
    }

    /// <summary>Endpoints with an LRU (including empty ones not yet removed).</summary>
    public int EndpointCount
    {
        get
        {
            lock (_gate)
            {
                return _endpointIds.Count;
            }
        }
    }

    /// <summary>Approximate memory held, in bytes (allocated node storage plus hash map entries).</summary>
    public long ApproximateBytes
    {
        get
        {
            lock (_gate)
            {
                return ((long)_hash.Length * 32) + ((long)_holders.Count * 28) + ((long)_endpoints.Length * 48);
            }
        }
    }

    /// <summary>Entries held for one endpoint (0 when unknown).</summary>
    public int CountFor(string address)
    {
        lock (_gate)
        {
            return _endpointIds.TryGetValue(address, out var id) ? _endpoints[id].Count : 0;
        }
    }

    /// <summary>
    /// Greedy longest-prefix match: for each candidate listed in <paramref name="group"/> writes into
    /// <paramref name="matchedBlocks"/>[candidate index] how many leading blocks of <paramref name="hashes"/> its
    /// endpoint holds.
    /// </summary>
    public void Match(
        ReadOnlySpan<ulong> hashes,
        ReadOnlySpan<EndpointCandidate> candidates,
        ReadOnlySpan<int> group,
        Span<int> matchedBlocks) => Match(hashes, candidates, group, matchedBlocks, []);

    /// <summary>
    /// <see cref="Match(ReadOnlySpan{ulong}, ReadOnlySpan{EndpointCandidate}, ReadOnlySpan{int}, Span{int})"/>, and
    /// when <paramref name="lastPlaced"/> is not empty also when each candidate's deepest matched block was last
    /// placed on it (a logical clock: larger is more recent, 0 without a match).
    /// </summary>
    public void Match(
        ReadOnlySpan<ulong> hashes,
        ReadOnlySpan<EndpointCandidate> candidates,
        ReadOnlySpan<int> group,
        Span<int> matchedBlocks,
        Span<long> lastPlaced)
    {
        var withRecency = !lastPlaced.IsEmpty;
        for (var g = 0; g < group.Length; g++)
        {
            matchedBlocks[group[g]] = 0;
            if (withRecency)
            {
                lastPlaced[group[g]] = 0;
            }
        }

        if (hashes.IsEmpty)
        {
            return;
        }

        lock (_gate)
        {
            var stamp = ++_stamp;
            var active = 0;
            for (var g = 0; g < group.Length; g++)
            {
                var candidate = group[g];
                if (_endpointIds.TryGetValue(candidates[candidate].Endpoint.Address, out var id))
                {
                    ref var slot = ref _endpoints[id];
                    slot.Stamp = stamp;
                    slot.Candidate = candidate;
                    active++;
                }
            }

            if (active == 0)
            {
                return;
            }

            for (var block = 0; block < hashes.Length; block++)
            {
                if (!_holders.TryGetValue(hashes[block], out var node))
                {
                    return;
                }

                var advanced = 0;
                for (; node != None; node = _nextHolder[node])
                {
                    ref var slot = ref _endpoints[_owner[node]];
                    if (slot.Stamp == stamp && matchedBlocks[slot.Candidate] == block)
                    {
                        matchedBlocks[slot.Candidate] = block + 1;
                        if (withRecency)
                        {
                            lastPlaced[slot.Candidate] = _touched[node];
                        }

                        advanced++;
                    }
                }

                if (advanced == 0)
                {
                    return;
                }
            }
        }
    }

    /// <summary>
    /// Records that <paramref name="address"/> now holds the blocks of <paramref name="hashes"/>. Blocks are
    /// inserted last to first so the leading blocks (shared by the most requests) are the most recent and are
    /// evicted last, like the engine frees a sequence's tail blocks first.
    /// </summary>
    public void Record(ReadOnlySpan<ulong> hashes, string address, int capacity)
    {
        if (hashes.IsEmpty)
        {
            return;
        }

        capacity = Math.Max(1, capacity);
        lock (_gate)
        {
            var id = GetOrAddEndpoint(address);
            var now = ++_clock;
            _endpoints[id].Capacity = capacity;
            for (var block = hashes.Length - 1; block >= 0; block--)
            {
                var hash = hashes[block];
                var existing = FindNode(hash, id);
                if (existing != None)
                {
                    _touched[existing] = now;
                    MoveToFront(id, existing);
                    continue;
                }

                while (_endpoints[id].Count >= _endpoints[id].Capacity)
                {
                    EvictOldest(id);
                }

                if (_entries >= _maxTotalEntries)
                {
                    // At the total cap an endpoint holding at least its fair share pays for its own insert;
                    // a smaller one takes the space from the biggest.
                    var endpoints = Math.Max(1, _endpointIds.Count);
                    var fairShare = (int)(((long)_maxTotalEntries + endpoints - 1) / endpoints);
                    EvictOldest(_endpoints[id].Count >= Math.Max(1, fairShare) ? id : LargestEndpoint());
                }

                var node = AllocateNode();
                _hash[node] = hash;
                _owner[node] = id;
                _touched[node] = now;
                ref var head = ref CollectionsMarshal.GetValueRefOrAddDefault(_holders, hash, out var exists);
                _nextHolder[node] = exists ? head : None;
                head = node;
                PushFront(id, node);
                _entries++;
            }
        }
    }

    /// <summary>
    /// The endpoint's cache dropped a block the index placed there at logical time <paramref name="placedAtOrBefore"/>
    /// (a response reported fewer cached tokens than matched): its engine evicts in LRU order, so every entry placed
    /// there no later than that is probably gone too. Drops them from the LRU tail; returns how many.
    /// </summary>
    public int ForgetPlacedUpTo(string address, long placedAtOrBefore)
    {
        lock (_gate)
        {
            if (!_endpointIds.TryGetValue(address, out var id))
            {
                return 0;
            }

            // The LRU list is in placement order (a Record stamps and moves to front), so the tail is the oldest.
            var dropped = 0;
            for (var node = _endpoints[id].Tail; node != None && _touched[node] <= placedAtOrBefore; node = _endpoints[id].Tail)
            {
                EvictOldest(id);
                dropped++;
            }

            return dropped;
        }
    }

    /// <summary>Drops everything known about an endpoint (it left the pool).</summary>
    public void RemoveEndpoint(string address)
    {
        lock (_gate)
        {
            if (!_endpointIds.Remove(address, out var id))
            {
                return;
            }

            while (_endpoints[id].Count > 0)
            {
                EvictOldest(id);
            }

            _endpoints[id] = default;
            _freeEndpointIds.Push(id);
        }
    }

    /// <summary>Drops every endpoint not in <paramref name="liveAddresses"/> (call when the pool's endpoints change).</summary>
    public void Retain(IReadOnlySet<string> liveAddresses)
    {
        ArgumentNullException.ThrowIfNull(liveAddresses);
        List<string>? departed = null;
        lock (_gate)
        {
            foreach (var address in _endpointIds.Keys)
            {
                if (!liveAddresses.Contains(address))
                {
                    (departed ??= []).Add(address);
                }
            }
        }

        foreach (var address in departed ?? [])
        {
            RemoveEndpoint(address);
        }
    }

    private int GetOrAddEndpoint(string address)
    {
        ref var id = ref CollectionsMarshal.GetValueRefOrAddDefault(_endpointIds, address, out var exists);
        if (exists)
        {
            return id;
        }

        if (!_freeEndpointIds.TryPop(out id))
        {
            if (_endpointCount == _endpoints.Length)
            {
                Array.Resize(ref _endpoints, _endpoints.Length * 2);
            }

            id = _endpointCount++;
        }

        _endpoints[id] = new EndpointSlot { Head = None, Tail = None, Stamp = 0 };
        return id;
    }

    private int FindNode(ulong hash, int owner)
    {
        if (!_holders.TryGetValue(hash, out var node))
        {
            return None;
        }

        for (; node != None; node = _nextHolder[node])
        {
            if (_owner[node] == owner)
            {
                return node;
            }
        }

        return None;
    }

    private int LargestEndpoint()
    {
        var best = 0;
        for (var i = 1; i < _endpointCount; i++)
        {
            if (_endpoints[i].Count > _endpoints[best].Count)
            {
                best = i;
            }
        }

        return best;
    }

    private void PushFront(int id, int node)
    {
        ref var slot = ref _endpoints[id];
        _prev[node] = None;
        _next[node] = slot.Head;
        if (slot.Head != None)
        {
            _prev[slot.Head] = node;
        }

        slot.Head = node;
        if (slot.Tail == None)
        {
            slot.Tail = node;
        }

        slot.Count++;
    }

    private void Unlink(int id, int node)
    {
        ref var slot = ref _endpoints[id];
        var prev = _prev[node];
        var next = _next[node];
        if (prev != None)
        {
            _next[prev] = next;
        }
        else
        {
            slot.Head = next;
        }

        if (next != None)
        {
            _prev[next] = prev;
        }
        else
        {
            slot.Tail = prev;
        }

        slot.Count--;
    }

    private void MoveToFront(int id, int node)
    {
        if (_endpoints[id].Head == node)
        {
            return;
        }

        Unlink(id, node);
        PushFront(id, node);
    }

    private void EvictOldest(int id)
    {
        var node = _endpoints[id].Tail;
        if (node == None)
        {
            return;
        }

        Unlink(id, node);

        var hash = _hash[node];
        ref var head = ref CollectionsMarshal.GetValueRefOrNullRef(_holders, hash);
        if (head == node)
        {
            if (_nextHolder[node] == None)
            {
                _holders.Remove(hash);
            }
            else
            {
                head = _nextHolder[node];
            }
        }
        else
        {
            var previous = head;
            while (_nextHolder[previous] != node)
            {
                previous = _nextHolder[previous];
            }

            _nextHolder[previous] = _nextHolder[node];
        }

        _next[node] = _freeNode;
        _freeNode = node;
        _entries--;
    }

    private int AllocateNode()
    {
        if (_freeNode != None)
        {
            var node = _freeNode;
            _freeNode = _next[node];
            return node;
        }

        if (_nodeHighWater == _hash.Length)
        {
            var size = (int)Math.Min((long)_hash.Length * 2, Math.Max(_maxTotalEntries, 64));
            Array.Resize(ref _hash, size);
            Array.Resize(ref _owner, size);
            Array.Resize(ref _prev, size);
            Array.Resize(ref _next, size);
            Array.Resize(ref _nextHolder, size);
            Array.Resize(ref _touched, size);
        }

        return _nodeHighWater++;
    }

    private struct EndpointSlot
    {
        public int Head;
        public int Tail;
        public int Count;
        public int Capacity;
        public long Stamp;
        public int Candidate;
    }
}
