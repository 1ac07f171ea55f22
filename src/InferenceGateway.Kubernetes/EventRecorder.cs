using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using InferenceGateway.Api.Meta;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

/// <summary>The object an Event is about (events.k8s.io/v1 <c>regarding</c>, a core/v1 ObjectReference).</summary>
/// <param name="Uid">Optional: a Lease reference carries none (the lock does not read it).</param>
internal sealed record EventReference(string ApiVersion, string Kind, string Namespace, string Name, string? Uid)
{
    /// <summary>A reference to <paramref name="obj"/> with the given apiVersion/kind (list items may not carry theirs).</summary>
    public static EventReference To(KubernetesObject obj, string apiVersion, string kind) =>
        new(apiVersion, kind, obj.Metadata.Namespace ?? "", obj.Metadata.Name ?? "", obj.Metadata.Uid);
}

/// <summary>
/// Reports Kubernetes Events about objects. Best effort: a call never blocks and never throws; the events are sent
/// in the background and a failure to send is logged and dropped.
/// </summary>
internal interface IEventRecorder
{
    /// <param name="reason">CamelCase, at most 128 characters (e.g. "NoReadyEndpoints").</param>
    /// <param name="action">What the controller did, machine-readable, at most 128 characters (e.g. "Reconcile").</param>
    /// <param name="note">The human-readable message; cut to 1 kB.</param>
    void Normal(EventReference regarding, string reason, string action, string note);

    void Warning(EventReference regarding, string reason, string action, string note);

    /// <summary>
    /// Drops every event still waiting to be sent, except those regarding <paramref name="keep"/> (leadership lost: the
    /// decisions queued while leading are stale, the next leader reports from the objects; the election's own events
    /// about the Lease still go out). An event already being sent is not recalled.
    /// </summary>
    void DropQueued(EventReference keep);
}

/// <summary>Records nothing (events off, or a test that does not look at them).</summary>
internal sealed class NullEventRecorder : IEventRecorder
{
    public static readonly NullEventRecorder Instance = new();

    public void Normal(EventReference regarding, string reason, string action, string note)
    {
    }

    public void Warning(EventReference regarding, string reason, string action, string note)
    {
    }

    public void DropQueued(EventReference keep)
    {
    }
}

/// <summary>Tuning of <see cref="KubernetesEventRecorder"/>; the defaults suit a controller that emits on transitions.</summary>
internal sealed class EventRecorderOptions
{
    /// <summary>events.k8s.io/v1 <c>reportingController</c> (a qualified name).</summary>
    public const string DefaultReportingController = "inference-gateway.x-k8s.io/epp";

    public string ReportingController { get; set; } = DefaultReportingController;

    /// <summary><c>reportingInstance</c>: this replica's pod name (cut to 128 characters).</summary>
    public string ReportingInstance { get; set; } = "";

    /// <summary>
    /// Events waiting to be sent; a Record call that finds the queue full drops its event. The first drop of an
    /// overflow is logged at Warning; once the queue has drained to half this size, the next overflow is logged again.
    /// </summary>
    public int QueueCapacity { get; set; } = 256;

    /// <summary>
    /// An occurrence of the same (object, type, reason, note) within this time of the previous one is not posted
    /// again: it is counted into the first Event's <c>series</c>. After a quiet window a new Event is posted.
    /// </summary>
    public TimeSpan DedupWindow { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>At most one PATCH of <c>series</c> per Event in this time; occurrences in between only count.</summary>
    public TimeSpan SeriesUpdateInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>
    /// After a refused or failed POST, a repeat of the same event posts again once this much time has passed since the
    /// attempt (rather than after a quiet <see cref="DedupWindow"/>), so events appear soon after RBAC is granted.
    /// </summary>
    public TimeSpan CreateRetryInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Distinct events remembered for deduplication; the least recently seen go first beyond this.</summary>
    public int MaxTracked { get; set; } = 1024;

    /// <summary>Bound on one POST or PATCH (the API client's own limit is longer).</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a stopping host may spend sending what is still queued (e.g. a "stopped leading" event).</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>
/// Posts events.k8s.io/v1 Events from a bounded queue on a background loop. Deduplication, in the spirit of
/// client-go's events recorder: the first occurrence of (regarding object, type, reason, note) is POSTed; a repeat
/// within <see cref="EventRecorderOptions.DedupWindow"/> of the previous occurrence is not posted again but counted,
/// and the Event's <c>series</c> {count, lastObservedTime} is PATCHed (merge patch) at most once per
/// <see cref="EventRecorderOptions.SeriesUpdateInterval"/>, so a condition that keeps failing shows a growing count
/// on one Event. Recording never blocks and never throws: a full queue drops the event, and a POST/PATCH the API
/// server refuses (403 without RBAC, 5xx, a timeout) is logged at Warning once per kind of failure (at Debug after
/// that, until a send succeeds again) and dropped.
/// </summary>
internal sealed class KubernetesEventRecorder : BackgroundService, IEventRecorder
{
    public const string ApiVersion = "events.k8s.io/v1";
    public const int MaxNoteBytes = 1024;
    private const int MaxNameLength = 253;
    private const int MaxFieldLength = 128;

    private readonly KubernetesApiClient _api;
    private readonly EventRecorderOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Channel<Pending> _queue;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Entry> _seen = new(StringComparer.Ordinal);
    private readonly HashSet<Pending> _queued = [];
    private readonly HashSet<string> _loggedFailures = new(StringComparer.Ordinal);
    private readonly string _reportingInstance;
    private long _lastNameNanos;
    private int _dropped;
    private int _discarded;
    private bool _overflowing;
    private int _sent;
    private int _failed;

    public KubernetesEventRecorder(KubernetesApiClient api, EventRecorderOptions options, TimeProvider time, ILogger<KubernetesEventRecorder> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.QueueCapacity < 1 || options.MaxTracked < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "the event queue and the dedup cache need room for at least one event");
        }

        _api = api;
        _options = options;
        _time = time;
        _logger = logger;
        _reportingInstance = Cut(string.IsNullOrEmpty(options.ReportingInstance) ? Environment.MachineName : options.ReportingInstance, MaxFieldLength);
        // QueueCapacity bounds the events waiting to be sent (_queued). The channel has room for as many again: the
        // events DropQueued dropped stay in it until the sender skips them, and must not crowd out the ones recorded
        // after (the "stopped leading" that follows a drop of a full queue).
        _queue = Channel.CreateBounded<Pending>(new BoundedChannelOptions((int)Math.Min(2L * options.QueueCapacity, int.MaxValue))
        {
            FullMode = BoundedChannelFullMode.Wait, // with TryWrite: false when full, so a drop is noticed
            SingleReader = true,
        });
    }

    /// <summary>Events dropped because the queue was full.</summary>
    internal int DroppedCount => Volatile.Read(ref _dropped);

    /// <summary>Queued events dropped by <see cref="DropQueued"/>.</summary>
    internal int DiscardedCount => Volatile.Read(ref _discarded);

    /// <summary>Events in the queue (including dropped ones the sender has not skipped yet).</summary>
    internal int QueuedCount => _queue.Reader.Count;

    /// <summary>POSTs and PATCHes the API server accepted.</summary>
    internal int SentCount => Volatile.Read(ref _sent);

    /// <summary>POSTs and PATCHes that failed (and were dropped).</summary>
    internal int FailedCount => Volatile.Read(ref _failed);

    public void Normal(EventReference regarding, string reason, string action, string note) => Record(regarding, "Normal", reason, action, note);

    public void Warning(EventReference regarding, string reason, string action, string note) => Record(regarding, "Warning", reason, action, note);

    private void Record(EventReference regarding, string type, string reason, string action, string note)
    {
        if (string.IsNullOrEmpty(regarding.Name) || string.IsNullOrEmpty(regarding.Namespace) || string.IsNullOrEmpty(reason))
        {
            return; // nothing a namespaced Event could point at
        }

        note = CutNote(note);
        var now = _time.GetUtcNow();
        var key = string.Join('\n', regarding.Namespace, regarding.Kind, regarding.Name, regarding.Uid ?? "", type, reason, note);
        lock (_gate)
        {
            if (_seen.TryGetValue(key, out var entry) && now - entry.LastObserved < _options.DedupWindow
                && !(entry.CreateFailed && now - entry.LastSent >= _options.CreateRetryInterval))
            {
                entry.Count++;
                entry.LastObserved = now;
                if (entry.Name is not null && !entry.PatchQueued && now - entry.LastSent >= _options.SeriesUpdateInterval)
                {
                    entry.PatchQueued = true;
                    if (!TryQueue(new Pending(entry, null)))
                    {
                        entry.PatchQueued = false;
                    }
                }

                return;
            }

            if (_seen.Count >= _options.MaxTracked)
            {
                Evict(now);
            }

            entry = new Entry(key, regarding) { Count = 1, LastObserved = now, LastSent = now };
            var body = Create(regarding, type, reason, Cut(action, MaxFieldLength), note, NextName(regarding.Name, now), now);
            if (!TryQueue(new Pending(entry, body)))
            {
                return; // not remembered: the next occurrence tries again
            }

            _seen[key] = entry;
        }
    }

    public void DropQueued(EventReference keep)
    {
        lock (_gate)
        {
            foreach (var pending in _queued)
            {
                var entry = pending.Entry;
                if (entry.Regarding == keep)
                {
                    continue;
                }

                Interlocked.Increment(ref _discarded);
                if (pending.CreateBody is null)
                {
                    entry.PatchQueued = false; // the count stays: a later repeat's PATCH carries it
                }
                else if (_seen.TryGetValue(entry.Key, out var current) && current == entry)
                {
                    _seen.Remove(entry.Key); // never posted: a later occurrence posts it
                }
            }

            // Out of _queued is what dropped means: the sender skips what it can no longer take from there.
            _queued.RemoveWhere(p => p.Entry.Regarding != keep);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        // Sends are not cut off by the stop itself: what is in flight or still queued at shutdown (e.g. the
        // "stopped leading" event) gets DrainTimeout more.
        using var shutdown = new CancellationTokenSource();
        using var registration = stoppingToken.Register(() => shutdown.CancelAfter(_options.DrainTimeout));
        try
        {
            await foreach (var pending in _queue.Reader.ReadAllAsync(stoppingToken).ConfigureAwait(false))
            {
                if (Take(pending))
                {
                    await SendAsync(pending, shutdown.Token).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        while (!shutdown.IsCancellationRequested && _queue.Reader.TryRead(out var pending))
        {
            if (Take(pending))
            {
                await SendAsync(pending, shutdown.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task SendAsync(Pending pending, CancellationToken cancellationToken)
    {
        var entry = pending.Entry;
        var collection = $"apis/events.k8s.io/v1/namespaces/{Uri.EscapeDataString(entry.Regarding.Namespace)}/events";
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            if (pending.CreateBody is { } body)
            {
                var created = await _api.CreateAsync(collection, body.ToJsonString(), timeout.Token).ConfigureAwait(false);
                var name = created.ValueKind == JsonValueKind.Object && created.TryGetProperty("metadata", out var meta)
                    && meta.ValueKind == JsonValueKind.Object && meta.TryGetProperty("name", out var n) && n.ValueKind == JsonValueKind.String
                    ? n.GetString()
                    : null;
                lock (_gate)
                {
                    entry.Name = name ?? body["metadata"]!["name"]!.GetValue<string>();
                }
            }
            else
            {
                string name;
                JsonObject patch;
                lock (_gate)
                {
                    name = entry.Name!;
                    entry.PatchQueued = false;
                    entry.LastSent = _time.GetUtcNow();
                    patch = new JsonObject
                    {
                        ["series"] = new JsonObject { ["count"] = entry.Count, ["lastObservedTime"] = MicroTime(entry.LastObserved) },
                    };
                }

                await _api.PatchAsync($"{collection}/{Uri.EscapeDataString(name)}", patch.ToJsonString(), timeout.Token).ConfigureAwait(false);
            }

            Interlocked.Increment(ref _sent);
            lock (_gate)
            {
                _loggedFailures.Clear(); // the API server takes events again: a new failure is news
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // Any failure (not only the expected API/HTTP/JSON ones, e.g. a credential plugin's or an odd answer) is
            // logged and dropped: an exception escaping here would fault the BackgroundService and stop the host.
            if (e is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                return; // shutting down
            }

            Interlocked.Increment(ref _failed);
            var status = e is KubernetesApiException api ? api.StatusCode : (HttpStatusCode?)null;
            lock (_gate)
            {
                entry.PatchQueued = false;
                if (pending.CreateBody is null && status == HttpStatusCode.NotFound && _seen.TryGetValue(entry.Key, out var current) && current == entry)
                {
                    _seen.Remove(entry.Key); // the Event expired (TTL): the next occurrence posts a new one
                }
                else if (pending.CreateBody is not null)
                {
                    entry.Name = null; // stays remembered, so repeats do not hammer a refusing server
                    entry.CreateFailed = true; // until CreateRetryInterval has passed: then a repeat posts again
                }
            }

            var kind = status is { } code ? ((int)code).ToString(CultureInfo.InvariantCulture) : e is OperationCanceledException ? "timeout" : e.GetType().Name;
            bool first;
            lock (_gate)
            {
                first = _loggedFailures.Add(kind);
            }

            var verb = pending.CreateBody is null ? "update" : "create";
            if (first)
            {
                KubernetesLog.EventSendFailed(_logger, verb, entry.Regarding.Namespace, kind, e.Message);
            }
            else
            {
                KubernetesLog.EventSendFailedAgain(_logger, verb, entry.Regarding.Namespace, kind, e.Message);
            }
        }
    }

    private JsonObject Create(EventReference regarding, string type, string reason, string action, string note, string name, DateTimeOffset now)
    {
        var reference = new JsonObject
        {
            ["apiVersion"] = regarding.ApiVersion,
            ["kind"] = regarding.Kind,
            ["namespace"] = regarding.Namespace,
            ["name"] = regarding.Name,
        };
        if (!string.IsNullOrEmpty(regarding.Uid))
        {
            reference["uid"] = regarding.Uid;
        }

        return new JsonObject
        {
            ["apiVersion"] = ApiVersion,
            ["kind"] = "Event",
            ["metadata"] = new JsonObject { ["name"] = name, ["namespace"] = regarding.Namespace },
            ["eventTime"] = MicroTime(now),
            ["reportingController"] = _options.ReportingController,
            ["reportingInstance"] = _reportingInstance,
            ["action"] = action,
            ["reason"] = Cut(reason, MaxFieldLength),
            ["regarding"] = reference,
            ["note"] = note,
            ["type"] = type,
        };
    }

    /// <summary>"&lt;object&gt;.&lt;hex nanoseconds&gt;" like client-go, unique within this process.</summary>
    private string NextName(string objectName, DateTimeOffset now)
    {
        var nanos = (now.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        nanos = _lastNameNanos = Math.Max(nanos, _lastNameNanos + 1);
        var suffix = "." + nanos.ToString("x", CultureInfo.InvariantCulture);
        var prefix = objectName.Length + suffix.Length > MaxNameLength ? objectName[..(MaxNameLength - suffix.Length)].TrimEnd('-', '.') : objectName;
        return prefix + suffix;
    }

    /// <summary>metav1.MicroTime: RFC 3339 with exactly six fractional digits, in UTC.</summary>
    internal static string MicroTime(DateTimeOffset time) =>
        time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);

    /// <summary>The note within the 1 kB the API server accepts (UTF-8 bytes), marked when cut.</summary>
    internal static string CutNote(string note)
    {
        if (Encoding.UTF8.GetByteCount(note) <= MaxNoteBytes)
        {
            return note;
        }

        const string Marker = "...";
        var length = Math.Min(note.Length, MaxNoteBytes - Marker.Length);
        while (length > 0 && Encoding.UTF8.GetByteCount(note.AsSpan(0, length)) > MaxNoteBytes - Marker.Length)
        {
            length--;
        }

        if (length > 0 && char.IsHighSurrogate(note[length - 1]))
        {
            length--; // never split a surrogate pair
        }

        return string.Concat(note.AsSpan(0, length), Marker);
    }

    private static string Cut(string value, int max) => value.Length <= max ? value : value[..max];

    // Caller holds _gate.
    private void Evict(DateTimeOffset now)
    {
        List<string>? expired = null;
        Entry? oldest = null;
        foreach (var (key, entry) in _seen)
        {
            if (now - entry.LastObserved >= _options.DedupWindow)
            {
                (expired ??= []).Add(key);
            }
            else if (oldest is null || entry.LastObserved < oldest.LastObserved)
            {
                oldest = entry;
            }
        }

        if (expired is not null)
        {
            foreach (var key in expired)
            {
                _seen.Remove(key);
            }
        }
        else if (oldest is not null)
        {
            _seen.Remove(oldest.Key);
        }
    }

    // Caller holds _gate. False: the queue is full and the event is dropped.
    private bool TryQueue(Pending pending)
    {
        if (_overflowing && _queued.Count <= _options.QueueCapacity / 2)
        {
            _overflowing = false; // drained well below the limit: the next overflow is news again
        }

        if (_queued.Count < _options.QueueCapacity && _queue.Writer.TryWrite(pending))
        {
            _queued.Add(pending);
            return true;
        }

        Interlocked.Increment(ref _dropped);
        if (!_overflowing)
        {
            _overflowing = true; // one warning per overflow, not one per dropped event
            KubernetesLog.EventQueueFull(_logger, _options.QueueCapacity);
        }

        return false;
    }

    /// <summary>Takes a dequeued event for sending; false when <see cref="DropQueued"/> dropped it meanwhile.</summary>
    private bool Take(Pending pending)
    {
        lock (_gate)
        {
            return _queued.Remove(pending);
        }
    }

    /// <summary>One event being deduplicated. Fields change under the recorder's lock.</summary>
    private sealed class Entry(string key, EventReference regarding)
    {
        public string Key { get; } = key;

        public EventReference Regarding { get; } = regarding;

        /// <summary>The created Event's name; null until the POST succeeded (and after it failed).</summary>
        public string? Name { get; set; }

        public int Count { get; set; }

        public DateTimeOffset LastObserved { get; set; }

        public DateTimeOffset LastSent { get; set; }

        public bool PatchQueued { get; set; }

        /// <summary>The POST failed: a repeat after <see cref="EventRecorderOptions.CreateRetryInterval"/> posts again.</summary>
        public bool CreateFailed { get; set; }
    }

    /// <summary>One queued send (compared by reference: it is tracked until the sender takes it).</summary>
    /// <param name="createBody">The Event to POST; null: PATCH the entry's series.</param>
    private sealed class Pending(Entry entry, JsonObject? createBody)
    {
        public Entry Entry { get; } = entry;

        public JsonObject? CreateBody { get; } = createBody;
    }
}
