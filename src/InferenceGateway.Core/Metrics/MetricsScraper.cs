using System.Buffers;
using System.Net;
using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace InferenceGateway.Core.Metrics;

/// <summary>
/// Follows the datastore and runs one scrape loop per endpoint address: GET http://{address}{path} every
/// <see cref="MetricsOptions.Interval"/> (plus jitter), exponential backoff on failure, results published to the
/// <see cref="MetricsStore"/>. Loops start and stop as endpoints appear and disappear.
/// </summary>
internal sealed class MetricsScraper : BackgroundService
{
    private readonly IDatastore _datastore;
    private readonly MetricsStore _store;
    private readonly EngineMetricsMappings _mappings;
    private readonly MetricsOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly Random _random;
    private readonly ILogger<MetricsScraper> _logger;
    private readonly HttpMessageInvoker _http;
    private readonly bool _ownsHttp;
    private readonly Lock _loopsLock = new();
    private readonly Dictionary<string, ScrapeLoop> _loops = new(StringComparer.Ordinal);
    private CancellationToken _stopping;
    private bool _started;

    public MetricsScraper(
        IDatastore datastore,
        MetricsStore store,
        EngineMetricsMappings mappings,
        IOptions<MetricsOptions> options,
        TimeProvider timeProvider,
        Random random,
        ILogger<MetricsScraper> logger,
        HttpMessageInvoker? http = null)
    {
        _datastore = datastore;
        _store = store;
        _mappings = mappings;
        _options = options.Value;
        _options.Validate();
        _timeProvider = timeProvider;
        _random = random;
        _logger = logger;
        _ownsHttp = http is null;
        _http = http ?? new HttpMessageInvoker(CreateHandler());
    }

    /// <summary>Addresses with a running loop (tests, health).</summary>
    public IReadOnlyCollection<string> ActiveAddresses
    {
        get
        {
            lock (_loopsLock)
            {
                return [.. _loops.Keys];
            }
        }
    }

    /// <summary>One pooled handler for all endpoints: connections are reused across scrapes of the same server.</summary>
    public static SocketsHttpHandler CreateHandler() => new()
    {
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        AutomaticDecompression = DecompressionMethods.GZip,
        UseProxy = false,
        UseCookies = false,
        AllowAutoRedirect = false,
    };

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        lock (_loopsLock)
        {
            _stopping = stoppingToken;
            _started = true;
        }

        _datastore.Changed += OnDatastoreChanged;
        try
        {
            Reconcile(_datastore.Current);
            await Task.Delay(Timeout.InfiniteTimeSpan, _timeProvider, stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            _datastore.Changed -= OnDatastoreChanged;
            Task[] running;
            lock (_loopsLock)
            {
                running = new Task[_loops.Count];
                var i = 0;
                foreach (var loop in _loops.Values)
                {
                    loop.Cancel();
                    running[i++] = loop.Completion;
                }

                _loops.Clear();
            }

            await Task.WhenAll(running).ConfigureAwait(false);
        }
    }

    public override void Dispose()
    {
        base.Dispose();
        if (_ownsHttp)
        {
            _http.Dispose();
        }
    }

    private void OnDatastoreChanged(DatastoreSnapshot snapshot) => Reconcile(snapshot);

    /// <summary>Starts loops for new addresses (or a changed engine type) and stops loops of vanished ones.</summary>
    private void Reconcile(DatastoreSnapshot snapshot)
    {
        lock (_loopsLock)
        {
            if (!_started || _stopping.IsCancellationRequested)
            {
                return;
            }

            var wanted = new Dictionary<string, Endpoint>(StringComparer.Ordinal);
            foreach (var endpoint in snapshot.Endpoints)
            {
                wanted.TryAdd(endpoint.Address, endpoint);
            }

            List<string>? removed = null;
            foreach (var (address, loop) in _loops)
            {
                if (!wanted.TryGetValue(address, out var endpoint) || !string.Equals(endpoint.EngineType, loop.EngineType, StringComparison.OrdinalIgnoreCase))
                {
                    (removed ??= []).Add(address);
                }
            }

            if (removed is not null)
            {
                foreach (var address in removed)
                {
                    _loops.Remove(address, out var loop);
                    loop!.Cancel();
                    _store.Untrack(address);
                    MetricsLog.LoopStopped(_logger, address);
                }
            }

            foreach (var (address, endpoint) in wanted)
            {
                if (_loops.ContainsKey(address))
                {
                    continue;
                }

                var mapping = _mappings.Resolve(endpoint.EngineType, out var known);
                if (!known)
                {
                    MetricsLog.UnknownEngineType(_logger, address, endpoint.EngineType, mapping.EngineType);
                }

                _store.Track(address, mapping.EngineType);
                Uri uri;
                try
                {
                    uri = BuildUri(address, mapping);
                }
                catch (UriFormatException exception)
                {
                    var error = $"cannot build a metrics URL for address '{address}': {exception.Message}";
                    _store.RecordFailure(address, error, _timeProvider.GetUtcNow());
                    MetricsLog.ScrapeFailed(_logger, address, error);
                    continue;
                }

                var loop = new ScrapeLoop(this, address, endpoint.EngineType, mapping, uri, _stopping);
                _loops[address] = loop;
                MetricsLog.LoopStarted(_logger, address, mapping.EngineType);
            }
        }
    }

    private double NextJitterSample()
    {
        lock (_random)
        {
            return _random.NextDouble();
        }
    }

    private Uri BuildUri(string address, IEngineMetricsMapping mapping)
    {
        var path = _options.MetricsPathOverride ?? mapping.MetricsPath;
        return new Uri($"{_options.Scheme}://{address}{(path.StartsWith('/') ? path : "/" + path)}");
    }

    /// <summary>One endpoint's loop. Owns a growable receive buffer reused across scrapes.</summary>
    private sealed class ScrapeLoop
    {
        private readonly MetricsScraper _owner;
        private readonly string _address;
        private readonly IEngineMetricsMapping _mapping;
        private readonly Uri _uri;
        private readonly CancellationTokenSource _cts;
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);

        public ScrapeLoop(MetricsScraper owner, string address, string engineType, IEngineMetricsMapping mapping, Uri uri, CancellationToken stopping)
        {
            _owner = owner;
            _address = address;
            EngineType = engineType;
            _mapping = mapping;
            _uri = uri;
            _cts = CancellationTokenSource.CreateLinkedTokenSource(stopping);
            Completion = Task.Run(RunAsync);
        }

        public string EngineType { get; }

        public Task Completion { get; }

        public void Cancel()
        {
            try
            {
                _cts.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }

        private async Task RunAsync()
        {
            var token = _cts.Token;
            var failures = 0;
            var loggedProblems = false;
            try
            {
                while (!token.IsCancellationRequested)
                {
                    var (metrics, error, extraction) = await ScrapeOnceAsync(token).ConfigureAwait(false);
                    if (token.IsCancellationRequested)
                    {
                        break;
                    }

                    if (metrics is not null)
                    {
                        _owner._store.RecordSuccess(_address, metrics);
                        if (failures > 0)
                        {
                            MetricsLog.ScrapeRecovered(_owner._logger, _address, failures);
                        }

                        failures = 0;
                        if (extraction.ProblemCount > 0 && !loggedProblems)
                        {
                            loggedProblems = true;
                            MetricsLog.ExpositionProblems(_owner._logger, _address, extraction.ProblemCount, extraction.FirstProblem?.ToString() ?? string.Empty);
                        }
                    }
                    else
                    {
                        var state = _owner._store.RecordFailure(_address, error!, _owner._timeProvider.GetUtcNow());
                        failures = state?.ConsecutiveFailures ?? failures + 1;
                        if (failures == 1)
                        {
                            MetricsLog.ScrapeFailed(_owner._logger, _address, error!);
                        }
                        else
                        {
                            MetricsLog.ScrapeStillFailing(_owner._logger, _address, failures, error!);
                        }
                    }

                    var delay = _owner._options.NextDelay(failures, _owner.NextJitterSample());
                    await Task.Delay(delay, _owner._timeProvider, token).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (token.IsCancellationRequested)
            {
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _cts.Dispose();
            }
        }

        private async Task<(EndpointMetrics? Metrics, string? Error, MetricsExtraction Extraction)> ScrapeOnceAsync(CancellationToken token)
        {
            using var timeout = new CancellationTokenSource(_owner._options.Timeout, _owner._timeProvider);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(token, timeout.Token);
            try
            {
                using var request = new HttpRequestMessage(HttpMethod.Get, _uri);
                request.Headers.Accept.ParseAdd("text/plain; version=0.0.4");
                using var response = await _owner._http.SendAsync(request, linked.Token).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    return (null, $"HTTP {(int)response.StatusCode} from {_uri}", default);
                }

                var length = await ReadBodyAsync(response.Content, linked.Token).ConfigureAwait(false);
                if (length < 0)
                {
                    return (null, $"response from {_uri} is larger than {_owner._options.MaxResponseBytes} bytes", default);
                }

                var extraction = _mapping.Extract(_buffer.AsSpan(0, length), _owner._timeProvider.GetUtcNow());
                return extraction.Metrics is not null
                    ? (extraction.Metrics, null, extraction)
                    : (null, $"{_mapping.EngineType} metrics from {_uri}: {extraction.Error}", extraction);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested && !token.IsCancellationRequested)
            {
                return (null, $"timed out after {_owner._options.Timeout.TotalMilliseconds:0} ms scraping {_uri}", default);
            }
            catch (HttpRequestException exception)
            {
                return (null, $"{_uri}: {exception.Message}", default);
            }
            catch (IOException exception)
            {
                return (null, $"{_uri}: {exception.Message}", default);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A defect in one endpoint's scrape must not stop its loop (or routing): report it and keep going.
                MetricsLog.ScrapeCrashed(_owner._logger, exception, _address);
                return (null, $"{_uri}: unexpected {exception.GetType().Name}: {exception.Message}", default);
            }
        }

        /// <returns>Bytes read into the buffer, or -1 when the body exceeds the cap.</returns>
        private async Task<int> ReadBodyAsync(HttpContent content, CancellationToken token)
        {
            var max = _owner._options.MaxResponseBytes;
            if (content.Headers.ContentLength is long declared && declared > max)
            {
                return -1;
            }

            var stream = await content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await using (stream.ConfigureAwait(false))
            {
                var length = 0;
                while (true)
                {
                    if (length == _buffer.Length)
                    {
                        if (_buffer.Length >= max)
                        {
                            return -1;
                        }

                        var bigger = ArrayPool<byte>.Shared.Rent(Math.Min(max, _buffer.Length * 2));
                        _buffer.AsSpan(0, length).CopyTo(bigger);
                        ArrayPool<byte>.Shared.Return(_buffer);
                        _buffer = bigger;
                    }

                    var read = await stream.ReadAsync(_buffer.AsMemory(length, Math.Min(_buffer.Length, max) - length), token).ConfigureAwait(false);
                    if (read == 0)
                    {
                        return length;
                    }

                    length += read;
                    if (length >= max && _buffer.Length >= max)
                    {
                        // One more byte would exceed the cap: probe for it.
                        var probe = new byte[1];
                        return await stream.ReadAsync(probe, token).ConfigureAwait(false) == 0 ? length : -1;
                    }
                }
            }
        }
    }
}

internal static partial class MetricsLog
{
    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "Scraping metrics of {Address} as {EngineType}")]
    public static partial void LoopStarted(ILogger logger, string address, string engineType);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Debug, Message = "Stopped scraping metrics of {Address}")]
    public static partial void LoopStopped(ILogger logger, string address);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning, Message = "Endpoint {Address} has unknown engine type '{EngineType}'; reading its metrics as {FallbackEngineType}")]
    public static partial void UnknownEngineType(ILogger logger, string address, string engineType, string fallbackEngineType);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Warning, Message = "Metrics scrape of {Address} failed: {Error}")]
    public static partial void ScrapeFailed(ILogger logger, string address, string error);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Debug, Message = "Metrics scrape of {Address} failed {Failures} times in a row: {Error}")]
    public static partial void ScrapeStillFailing(ILogger logger, string address, int failures, string error);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Information, Message = "Metrics scrape of {Address} recovered after {Failures} failures")]
    public static partial void ScrapeRecovered(ILogger logger, string address, int failures);

    [LoggerMessage(EventId = 1108, Level = LogLevel.Error, Message = "Unexpected failure scraping {Address}")]
    public static partial void ScrapeCrashed(ILogger logger, Exception exception, string address);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Information, Message = "Metrics of {Address} have {Count} malformed lines (skipped); first: {FirstProblem}")]
    public static partial void ExpositionProblems(ILogger logger, string address, int count, string firstProblem);
}
