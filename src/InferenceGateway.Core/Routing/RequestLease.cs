using Microsoft.Extensions.Logging;

namespace InferenceGateway.Core.Routing;

/// <summary>
/// The per-request state between the pick and the end of the response. Thread-safe: the response path may record
/// from one thread and dispose from another; Dispose releases the in-flight counters exactly once.
/// </summary>
internal sealed class RequestLease : IRequestLease
{
    private readonly Lock _gate = new();
    private readonly InFlightTracker _tracker;
    private readonly IRequestObserver[] _observers;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly long _startTimestamp;
    private InFlightTracker.Slot _slot;
    private string _servedEndpoint;
    private long _firstTokenTimestamp;
    private int? _promptTokens;
    private int? _completionTokens;
    private int? _cachedPromptTokens;
    private int? _statusCode;
    private bool _disposed;

    internal RequestLease(
        InFlightTracker tracker,
        InFlightTracker.Slot slot,
        RoutedRequestInfo info,
        IRequestObserver[] observers,
        TimeProvider timeProvider,
        ILogger logger)
    {
        _tracker = tracker;
        _slot = slot;
        Info = info;
        _observers = observers;
        _timeProvider = timeProvider;
        _logger = logger;
        _servedEndpoint = info.PrimaryEndpoint;
        _startTimestamp = timeProvider.GetTimestamp();
    }

    public RoutedRequestInfo Info { get; }

    public string ServedEndpoint
    {
        get
        {
            lock (_gate)
            {
                return _servedEndpoint;
            }
        }
    }

    public bool IsDisposed
    {
        get
        {
            lock (_gate)
            {
                return _disposed;
            }
        }
    }

    /// <summary>Moves the in-flight count to the endpoint that actually served (a fallback after a retry).</summary>
    public void SetServedEndpoint(string address)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        lock (_gate)
        {
            if (_disposed || string.Equals(address, _servedEndpoint, StringComparison.Ordinal))
            {
                return;
            }

            var next = _tracker.AcquireSlot(address, Info.EstimatedTokens);
            _tracker.Release(_slot, Info.EstimatedTokens);
            _slot = next;
            _servedEndpoint = address;
        }
    }

    /// <summary>Only the first call counts.</summary>
    public void RecordFirstToken()
    {
        var now = _timeProvider.GetTimestamp();
        lock (_gate)
        {
            if (_firstTokenTimestamp == 0 && !_disposed)
            {
                // A timestamp of exactly 0 is possible with a fake clock; 1 tick later is indistinguishable.
                _firstTokenTimestamp = now == 0 ? 1 : now;
            }
        }
    }

    public void RecordUsage(int promptTokens, int completionTokens, int cachedPromptTokens)
    {
        lock (_gate)
        {
            _promptTokens = promptTokens;
            _completionTokens = completionTokens;
            _cachedPromptTokens = cachedPromptTokens;
        }
    }

    public void RecordStatus(int statusCode)
    {
        lock (_gate)
        {
            _statusCode = statusCode;
        }
    }

    public void Dispose()
    {
        CompletedRequest completed;
        lock (_gate)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _tracker.Release(_slot, Info.EstimatedTokens);
            if (_observers.Length == 0)
            {
                return;
            }

            var end = _timeProvider.GetTimestamp();
            TimeSpan? ttft = _firstTokenTimestamp == 0
                ? null
                : _timeProvider.GetElapsedTime(_startTimestamp, Math.Max(_firstTokenTimestamp, _startTimestamp));
            completed = new CompletedRequest(
                Info,
                _servedEndpoint,
                ttft,
                _timeProvider.GetElapsedTime(_startTimestamp, end),
                _promptTokens,
                _completionTokens,
                _cachedPromptTokens,
                _statusCode);
        }

        // Outside the lock: observers may be slow, and the counters are already released.
        for (var i = 0; i < _observers.Length; i++)
        {
            try
            {
                _observers[i].OnCompleted(completed);
            }
            catch (Exception ex)
            {
                RoutingLog.ObserverFailed(_logger, ex, _observers[i].GetType().Name, Info.RequestId);
            }
        }
    }
}
