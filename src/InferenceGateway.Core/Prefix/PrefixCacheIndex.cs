using System.Runtime.InteropServices;
using InferenceGateway.Core.Scheduling;

namespace InferenceGateway.Core.Prefix;

/// <summary>
/// Which prompt blocks each endpoint probably holds in its KV cache: per endpoint an LRU of block hashes, fed with
/// the blocks of every request placed on it. One map from block hash to the endpoints holding it lets a match walk
/// the request's blocks once for all endpoints (cost grows with the matched blocks, not with blocks x endpoints).
/// </summary>
/// <remarks>
/// Memory is bounded twice: per endpoint (its engine's number of KV blocks, else a default) and in total
/// (<see cref="PrefixCacheOptions.MaxTotalEntries"/>; past it an insert evicts the inserting endpoint's oldest
/// entry when it holds at least its fair share, else the biggest endpoint's). One short lock guards everything: a match is a few hundred dictionary
/// lookups, cheaper than any finer-grained scheme would make it.
/// <para>
/// Layout for memory latency (at capacity an index of millions of entries lives outside the CPU caches, so each
/// unrelated memory access is a cache miss): a node's fields sit together in one struct, the hash -> first holder
/// map is an open-addressing table whose slot holds key and value (one probe, usually one cache line), and the
/// holder chain is doubly linked, so evicting a node that is not the chain's head touches no map at all.
/// </para>
/// </remarks>
internal sealed class PrefixCacheIndex
{
    private const int None = -1;
    private const int NodeBytes = 40;
    private const int SlotBytes = 16;
    private const ulong Fibonacci = 0x9E3779B97F4A7C15UL;

    // Blocks read ahead at a time: enough misses in flight, few enough lines (about 3 per block) to stay in L2.
    private const int PrefetchBlocks = 256;

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _endpointIds = new(StringComparer.Ordinal);
    private readonly Stack<int> _freeEndpointIds = new();
    private readonly int _maxTotalEntries;
    private EndpointSlot[] _endpoints = new EndpointSlot[8];
    private int _endpointCount;

    // Nodes: one per (block hash, endpoint). Linked twice: the endpoint's LRU list (Prev/Next, most recent at
    // Head) and the chain of endpoints holding the same hash (PrevHolder/NextHolder, first holder in the table).
    private Node[] _nodes = new Node[64];
    private int _nodeHighWater;
    private int _freeNode = None;
    private int _entries;
    private long _stamp;
    private long _clock;

    // Hash -> first holder node: linear probing over a power-of-two table, backward-shift deletion (no tombstones),
    // at most 3/4 full. Head == None marks an empty slot.
    private Slot[] _slots = NewSlots(64);
    private int _slotShift = 64 - 6;
    private int _slotsUsed;
    private long _slotVersion;

    // Keeps Prefetch's reads from being optimised away.
    private ulong _prefetchSink;

    public PrefixCacheIndex(PrefixCacheOptions options)
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
                return ((long)_nodes.Length * NodeBytes) + ((long)_slots.Length * SlotBytes) + ((long)_endpoints.Length * 48);
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
    /// <see cref="CountFor(string)"/> for every candidate at once, under one lock (a pick asks for all of them):
    /// writes into <paramref name="counts"/>[i] the entries held for candidate i's endpoint, 0 when unknown.
    /// </summary>
    public void CountFor(ReadOnlySpan<EndpointCandidate> candidates, Span<int> counts)
    {
        if (counts.Length < candidates.Length)
        {
            throw new ArgumentException("Needs one count per candidate.", nameof(counts));
        }

        lock (_gate)
        {
            for (var i = 0; i < candidates.Length; i++)
            {
                counts[i] = _endpointIds.TryGetValue(candidates[i].Endpoint.Address, out var id) ? _endpoints[id].Count : 0;
            }
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
                var at = FindSlot(hashes[block]);
                if (at < 0)
                {
                    return;
                }

                var advanced = 0;
                for (var node = _slots[at].Head; node != None; node = _nodes[node].NextHolder)
                {
                    ref var n = ref _nodes[node];
                    ref var slot = ref _endpoints[n.Owner];
                    if (slot.Stamp == stamp && matchedBlocks[slot.Candidate] == block)
                    {
                        matchedBlocks[slot.Candidate] = block + 1;
                        if (withRecency)
                        {
                            lastPlaced[slot.Candidate] = n.Touched;
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
            Span<int> ahead = stackalloc int[PrefetchBlocks];
            var aheadFrom = 0;
            var aheadVersion = -1L;
            for (var block = hashes.Length - 1; block >= 0; block--)
            {
                if (((hashes.Length - 1 - block) & (PrefetchBlocks - 1)) == 0)
                {
                    aheadFrom = Math.Max(0, block + 1 - PrefetchBlocks);
                    Prefetch(hashes[aheadFrom..(block + 1)], id, ahead);
                    aheadVersion = _slotVersion;
                }

                var hash = hashes[block];

                // One probe finds the hash's holders (the read-ahead's, while no slot has moved since); the
                // endpoint's own node, if any, is among them.
                var at = aheadVersion == _slotVersion ? ahead[block - aheadFrom] : FindSlot(hash);
                if (at >= 0 && TouchOwn(at, id, now))
                {
                    continue;
                }

                var evicted = false;
                while (_endpoints[id].Count >= _endpoints[id].Capacity)
                {
                    EvictOldest(id);
                    evicted = true;
                }

                if (_entries >= _maxTotalEntries)
                {
                    // At the total cap an endpoint holding at least its fair share pays for its own insert;
                    // a smaller one takes the space from the biggest.
                    var endpoints = Math.Max(1, _endpointIds.Count);
                    var fairShare = (int)(((long)_maxTotalEntries + endpoints - 1) / endpoints);
                    EvictOldest(_endpoints[id].Count >= Math.Max(1, fairShare) ? id : LargestEndpoint());
                    evicted = true;
                }

                if (evicted)
                {
                    // An eviction may have emptied this hash's slot or shifted slots back; probe again (the lines
                    // are in cache by now).
                    at = FindSlot(hash);
                }

                var node = AllocateNode();
                ref var n = ref _nodes[node];
                n.Hash = hash;
                n.Owner = id;
                n.Touched = now;
                n.PrevHolder = None;
                if (at >= 0)
                {
                    ref var head = ref _slots[at].Head;
                    n.NextHolder = head;
                    _nodes[head].PrevHolder = node;
                    head = node;
                }
                else
                {
                    n.NextHolder = None;
                    AddSlot(~at, hash, node);
                }

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
            for (var node = _endpoints[id].Tail; node != None && _nodes[node].Touched <= placedAtOrBefore; node = _endpoints[id].Tail)
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

    /// <summary>
    /// Reads ahead what the insert loop will touch, so the cache misses overlap instead of queueing one by one: the
    /// table slots of the prompt's hashes (independent probes) and, for the evictions the prompt will cause at
    /// least, the endpoint's LRU tail nodes and their hashes' slots (one dependent chain, the slots off it). Pure
    /// reads, except that the probes' results go to <paramref name="found"/> for the insert loop to reuse while
    /// no slot moves (a held prompt is then probed once).
    /// </summary>
    private void Prefetch(ReadOnlySpan<ulong> hashes, int id, Span<int> found)
    {
        // Hashes no endpoint holds are certainly new here (a lower bound: ones only others hold are new too).
        var likelyNew = 0;
        for (var i = 0; i < hashes.Length; i++)
        {
            var at = FindSlot(hashes[i]);
            found[i] = at;
            likelyNew += at < 0 ? 1 : 0;
        }

        var slots = _slots;
        var shift = _slotShift;
        var sink = 0UL;

        ref var endpoint = ref _endpoints[id];
        var evictions = Math.Min(endpoint.Count, endpoint.Count + likelyNew - endpoint.Capacity);
        for (var node = endpoint.Tail; evictions > 0 && node != None; evictions--)
        {
            ref var n = ref _nodes[node];
            sink ^= slots[(int)((n.Hash * Fibonacci) >> shift)].Key;
            node = n.Prev;
        }

        _prefetchSink = sink;
    }

    private static Slot[] NewSlots(int length)
    {
        var slots = new Slot[length];
        slots.AsSpan().Fill(new Slot { Head = None });
        return slots;
    }

    /// <summary>The slot holding <paramref name="hash"/>, else the complement of the empty slot where it would go.</summary>
    private int FindSlot(ulong hash)
    {
        var slots = _slots;
        var mask = slots.Length - 1;
        var i = (int)((hash * Fibonacci) >> _slotShift);
        while (true)
        {
            ref var slot = ref slots[i];
            if (slot.Head == None)
            {
                return ~i;
            }

            if (slot.Key == hash)
            {
                return i;
            }

            i = (i + 1) & mask;
        }
    }

    private void AddSlot(int at, ulong hash, int head)
    {
        _slots[at] = new Slot { Key = hash, Head = head };
        _slotsUsed++;
        _slotVersion++;
        if (_slotsUsed > (_slots.Length >> 2) * 3)
        {
            GrowSlots();
        }
    }

    private void GrowSlots()
    {
        var old = _slots;
        _slots = NewSlots(old.Length * 2);
        _slotShift--;
        foreach (var slot in old)
        {
            if (slot.Head != None)
            {
                _slots[~FindSlot(slot.Key)] = slot;
            }
        }
    }

    private void RemoveSlot(int at)
    {
        // Backward shift: move later entries of the probe run into the hole unless that would put them before
        // their home slot, so lookups never need tombstones.
        var slots = _slots;
        var mask = slots.Length - 1;
        var hole = at;
        for (var i = (at + 1) & mask; slots[i].Head != None; i = (i + 1) & mask)
        {
            var home = (int)((slots[i].Key * Fibonacci) >> _slotShift);
            if (((i - home) & mask) >= ((i - hole) & mask))
            {
                slots[hole] = slots[i];
                hole = i;
            }
        }

        slots[hole].Head = None;
        _slotsUsed--;
        _slotVersion++;
    }

    /// <summary>Refreshes the endpoint's node in the holder chain of slot <paramref name="at"/>, if it has one.</summary>
    private bool TouchOwn(int at, int owner, long now)
    {
        for (var node = _slots[at].Head; node != None; node = _nodes[node].NextHolder)
        {
            if (_nodes[node].Owner == owner)
            {
                _nodes[node].Touched = now;
                MoveToFront(owner, node);
                return true;
            }
        }

        return false;
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
        ref var n = ref _nodes[node];
        n.Prev = None;
        n.Next = slot.Head;
        if (slot.Head != None)
        {
            _nodes[slot.Head].Prev = node;
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
        var prev = _nodes[node].Prev;
        var next = _nodes[node].Next;
        if (prev != None)
        {
            _nodes[prev].Next = next;
        }
        else
        {
            slot.Head = next;
        }

        if (next != None)
        {
            _nodes[next].Prev = prev;
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

        // Out of the holder chain: only the chain's head is referenced by the table.
        ref var n = ref _nodes[node];
        if (n.NextHolder != None)
        {
            _nodes[n.NextHolder].PrevHolder = n.PrevHolder;
        }

        if (n.PrevHolder != None)
        {
            _nodes[n.PrevHolder].NextHolder = n.NextHolder;
        }
        else
        {
            var at = FindSlot(n.Hash);
            if (n.NextHolder == None)
            {
                RemoveSlot(at);
            }
            else
            {
                _slots[at].Head = n.NextHolder;
            }
        }

        n.Next = _freeNode;
        _freeNode = node;
        _entries--;
    }

    private int AllocateNode()
    {
        if (_freeNode != None)
        {
            var node = _freeNode;
            _freeNode = _nodes[node].Next;
            return node;
        }

        if (_nodeHighWater == _nodes.Length)
        {
            var size = (int)Math.Min((long)_nodes.Length * 2, Math.Max(_maxTotalEntries, 64));
            Array.Resize(ref _nodes, size);
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

    // 40 bytes (NodeBytes): the fields one insert, eviction or match step reads, in one place.
    private struct Node
    {
        public ulong Hash;
        public long Touched;
        public int Owner;
        public int Prev;
        public int Next;
        public int PrevHolder;
        public int NextHolder;
    }

    private struct Slot
    {
        public ulong Key;
        public int Head;
    }
}
