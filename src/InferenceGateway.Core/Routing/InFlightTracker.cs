using System.Collections.Concurrent;
using System.Collections.Immutable;
using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// Requests and estimated tokens this picker has sent to each endpoint and not yet seen finish. One slot per
/// address, updated with Interlocked; readers never lock. A lease adds to a slot when the request is routed and
/// subtracts exactly once when it is disposed.
/// </summary>
/// <remarks>
/// Slots are bounded by the pool plus the requests in flight: once the router has published the pool's
/// addresses (<see cref="RetainEndpoints"/>), a slot whose address is not in the pool is removed as soon as it
/// is idle, so pod churn (every rollout brings new IPs) and served endpoints reported from outside the pool do
/// not accumulate slots. A removed slot is retired first, so a lease can never count on a slot that is no longer
/// in the map: acquiring on a retired slot retries on a fresh one.
/// </remarks>
internal sealed class InFlightTracker
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private LiveSet? _live;

    public InFlightTracker(TimeProvider timeProvider, ILogger<InFlightTracker>? logger = null)
    {
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

    /// <summary>Number of slots held (the pool's used addresses plus addresses outside it with requests in flight).</summary>
    public int SlotCount => _slots.Count;

    /// <summary>Current counts for an address (zero when never used).</summary>
    public InFlightCount Get(string address) =>
        _slots.TryGetValue(address, out var slot) ? slot.Read() : default;

    /// <summary>Copy of every non-zero slot (tests, soak checks: empty once every lease is disposed).</summary>
    public IReadOnlyDictionary<string, InFlightCount> Snapshot()
    {
        var result = new Dictionary<string, InFlightCount>(StringComparer.Ordinal);
        foreach (var pair in _slots)
        {
            var count = pair.Value.Read();
            if (count.Requests != 0 || count.Tokens != 0)
            {
                result[pair.Key] = count;
            }
        }

        return result;
    }

    /// <summary>Sum over every slot (the metrics endpoint exports it; zero once every lease is disposed).</summary>
    public InFlightCount Total()
    {
        long requests = 0;
        long tokens = 0;
        foreach (var pair in _slots)
        {
            var count = pair.Value.Read();
            requests += count.Requests;
            tokens += count.Tokens;
        }

        return new InFlightCount((int)Math.Min(requests, int.MaxValue), tokens);
    }

    /// <summary>
    /// The pool's addresses as of snapshot <paramref name="version"/> (an older version than the one already
    /// known is ignored, so a slow caller cannot bring back a stale pool). Idle slots of other addresses are removed now; busy ones when their last lease ends.
    /// </summary>
    public void RetainEndpoints(ImmutableArray<Endpoint> endpoints, long version)
    {
        var known = Volatile.Read(ref _live);
        if (known is not null && known.Version > version)
        {
            return;
        }

        var addresses = new HashSet<string>(StringComparer.Ordinal);
        if (!endpoints.IsDefault)
        {
            foreach (var endpoint in endpoints)
            {
                addresses.Add(endpoint.Address);
            }
        }

        var next = new LiveSet(version, addresses);
        while (true)
        {
            var current = Interlocked.CompareExchange(ref _live, next, known);
            if (ReferenceEquals(current, known))
            {
                break;
            }

            if (current is not null && current.Version > version)
            {
                return;
            }

            known = current;
        }

        foreach (var pair in _slots)
        {
            if (!addresses.Contains(pair.Key))
            {
                TryRemoveIdle(pair.Value);
            }
        }
    }

    /// <summary>Counts a routed request against its primary endpoint and returns the lease that will release it.</summary>
    internal RequestLease Acquire(RoutedRequestInfo info, IRequestObserver[] observers)
    {
        var slot = AcquireSlot(info.PrimaryEndpoint, info.EstimatedTokens);
        return new RequestLease(this, slot, info, observers, _timeProvider, _logger);
    }

    /// <summary>Adds one request and its tokens to the address's slot, creating (or replacing a retired) slot as needed.</summary>
    internal Slot AcquireSlot(string address, long tokens)
    {
        while (true)
        {
            var slot = _slots.GetOrAdd(address, static key => new Slot(key));
            if (slot.TryAdd(tokens))
            {
                return slot;
            }

            // Retired between the lookup and the add: its remover takes it out of the map; help, then retry.
            _slots.TryRemove(new KeyValuePair<string, Slot>(address, slot));
        }
    }

    /// <summary>Takes one request and its tokens off a slot acquired with <see cref="AcquireSlot"/>.</summary>
    internal void Release(Slot slot, long tokens)
    {
        if (slot.Release(tokens) == 0 && Volatile.Read(ref _live) is { } live && !live.Addresses.Contains(slot.Address))
        {
            TryRemoveIdle(slot);
        }
    }

    private void TryRemoveIdle(Slot slot)
    {
        if (slot.TryRetire())
        {
            _slots.TryRemove(new KeyValuePair<string, Slot>(slot.Address, slot));
        }
    }

    internal sealed class Slot(string address)
    {
        // A negative request count marks a retired slot: it is (being) removed and takes no more requests.
        private const long Retired = long.MinValue / 2;

        private long _requests;
        private long _tokens;

        public string Address { get; } = address;

        public bool TryAdd(long tokens)
        {
            var requests = Volatile.Read(ref _requests);
            while (true)
            {
                if (requests < 0)
                {
                    return false;
                }

                var seen = Interlocked.CompareExchange(ref _requests, requests + 1, requests);
                if (seen == requests)
                {
                    Interlocked.Add(ref _tokens, tokens);
                    return true;
                }

                requests = seen;
            }
        }

        /// <summary>Returns the request count left.</summary>
        public long Release(long tokens)
        {
            // Tokens first: a slot seen at zero requests has no tokens of finished requests left on it.
            Interlocked.Add(ref _tokens, -tokens);
            return Interlocked.Decrement(ref _requests);
        }

        /// <summary>Retires the slot if no request is on it.</summary>
        public bool TryRetire() => Interlocked.CompareExchange(ref _requests, Retired, 0) == 0;

        public InFlightCount Read()
        {
            var requests = Volatile.Read(ref _requests);
            return requests <= 0
                ? default
                : new InFlightCount((int)Math.Min(requests, int.MaxValue), Volatile.Read(ref _tokens));
        }
    }

    private sealed record LiveSet(long Version, HashSet<string> Addresses);
}

/// <summary>In-flight requests and their estimated tokens (prompt + max output) on one endpoint.</summary>
internal readonly record struct InFlightCount(int Requests, long Tokens);
