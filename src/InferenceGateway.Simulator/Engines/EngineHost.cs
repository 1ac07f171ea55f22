namespace InferenceGateway.Simulator.Engines;

/// <summary>
/// Runs one <see cref="Engine"/> in real time: a single loop forms a batch, waits the step's duration on the
/// <see cref="TimeProvider"/> (times <c>timeScale</c>; 0 = do not wait) and applies it, dispatching each event to
/// the <see cref="IEngineEventSink"/> held in the request's <see cref="EngineRequest.State"/>. Engine virtual
/// time follows the provider's elapsed time divided by the scale. Calls from other threads take a short lock.
/// </summary>
public sealed class EngineHost : IAsyncDisposable
{
    private readonly Engine _engine;
    private readonly TimeProvider _time;
    private readonly double _timeScale;
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly long _origin;
    private readonly Dispatcher _dispatcher = new();
    private bool _idle;
    private Task? _loop;

    public EngineHost(Engine engine, TimeProvider timeProvider, double timeScale = 1.0)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(timeProvider);
        ArgumentOutOfRangeException.ThrowIfNegative(timeScale);
        _engine = engine;
        _time = timeProvider;
        _timeScale = timeScale;
        _origin = timeProvider.GetTimestamp();
    }

    public EngineOptions Options => _engine.Options;

    public void Start()
    {
        _loop ??= Task.Run(() => RunAsync(_stop.Token));
    }

    /// <summary>Queues a request; its State must be an <see cref="IEngineEventSink"/> to receive its events.</summary>
    public SubmitResult Submit(EngineRequest request)
    {
        if (_loop is { IsFaulted: true } failed)
        {
            // A bug in the engine must not leave requests waiting forever.
            throw new InvalidOperationException("The engine loop has failed.", failed.Exception);
        }

        bool wake;
        SubmitResult result;
        lock (_gate)
        {
            result = _engine.Submit(request, VirtualNow());
            wake = result == SubmitResult.Accepted && _idle;
            if (wake)
            {
                _idle = false;
            }
        }

        if (wake)
        {
            _wake.Release();
        }

        return result;
    }

    public bool Cancel(EngineRequest request)
    {
        lock (_gate)
        {
            return _engine.Cancel(request);
        }
    }

    public EngineSnapshot Snapshot()
    {
        lock (_gate)
        {
            return _engine.Snapshot();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_loop is not null)
        {
            try
            {
                await _loop.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }
        }

        _stop.Dispose();
        _wake.Dispose();
    }

    private TimeSpan VirtualNow()
    {
        if (_timeScale == 0)
        {
            return _engine.Now;
        }

        var elapsed = _time.GetElapsedTime(_origin);
        return TimeSpan.FromTicks((long)(elapsed.Ticks / _timeScale));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TimeSpan? duration;
            lock (_gate)
            {
                duration = _engine.BeginStep(VirtualNow());
                _idle = duration is null;
            }

            if (duration is null)
            {
                await _wake.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            if (_timeScale > 0)
            {
                await Task.Delay(TimeSpan.FromTicks((long)(duration.Value.Ticks * _timeScale)), _time, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await Task.Yield();
            }

            lock (_gate)
            {
                _engine.EndStep(_dispatcher);
            }
        }
    }

    private sealed class Dispatcher : IEngineEventSink
    {
        public void OnEvent(in EngineEvent engineEvent)
        {
            if (engineEvent.Request.State is IEngineEventSink sink)
            {
                sink.OnEvent(engineEvent);
            }
        }
    }
}
