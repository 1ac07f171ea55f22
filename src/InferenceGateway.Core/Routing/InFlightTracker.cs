using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// Requests and estimated tokens this picker has sent to each endpoint and not yet seen finish. One slot per
/// address, updated with Interlocked; readers never lock. A lease adds to a slot when the request is routed and
/// subtracts exactly once when it is disposed.
/// </summary>
/// <remarks>
/// Slots are never removed: an address that leaves the pool keeps a small zeroed slot (pods IPs are few), and a
/// lease still open on it decrements the same slot it incremented.
/// </remarks>
internal sealed class InFlightTracker
{
    private readonly ConcurrentDictionary<string, Slot> _slots = new(StringComparer.Ordinal);
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    public InFlightTracker(TimeProvider timeProvider, ILogger<InFlightTracker>? logger = null)
    {
        _timeProvider = timeProvider;
        _logger = logger ?? (ILogger)NullLogger.Instance;
    }

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

    /// <summary>Counts a routed request against its primary endpoint and returns the lease that will release it.</summary>
    internal RequestLease Acquire(RoutedRequestInfo info, IRequestObserver[] observers)
    {
        var slot = GetSlot(info.PrimaryEndpoint);
        slot.Add(1, info.EstimatedTokens);
        return new RequestLease(this, slot, info, observers, _timeProvider, _logger);
    }

    internal Slot GetSlot(string address) => _slots.GetOrAdd(address, static _ => new Slot());

    internal sealed class Slot
    {
        private long _requests;
        private long _tokens;

        public void Add(long requests, long tokens)
        {
            Interlocked.Add(ref _requests, requests);
            Interlocked.Add(ref _tokens, tokens);
        }

        public InFlightCount Read()
        {
            var requests = Volatile.Read(ref _requests);
            return new InFlightCount((int)Math.Clamp(requests, 0, int.MaxValue), Volatile.Read(ref _tokens));
        }
    }
}

/// <summary>In-flight requests and their estimated tokens (prompt + max output) on one endpoint.</summary>
internal readonly record struct InFlightCount(int Requests, long Tokens);
