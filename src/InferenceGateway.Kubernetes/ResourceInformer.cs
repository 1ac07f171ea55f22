using System.Net;
using System.Text.Json;
using InferenceGateway.Api.Meta;
using InferenceGateway.Core.Datastore;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.Kubernetes;

/// <summary>Exponential reconnect delay: initial * 2^failures, capped.</summary>
internal static class ReconnectBackoff
{
    public static TimeSpan Delay(int failures, TimeSpan initial, TimeSpan max)
    {
        if (failures <= 0)
        {
            return initial;
        }

        var factor = Math.Pow(2, Math.Min(failures, 30));
        var ticks = initial.Ticks * factor;
        return ticks >= max.Ticks ? max : TimeSpan.FromTicks((long)ticks);
    }
}

/// <summary>The version-independent view of an informer the source needs (its kind is chosen at run time).</summary>
internal interface IResourceInformer
{
    bool HasSynced { get; }

    int ListCount { get; }

    string? LastResourceVersion { get; }

    /// <summary>True while an optional resource's list answers 404 (its CRD is not installed).</summary>
    bool IsMissing { get; }

    IReadOnlyList<KubernetesObject> Objects();

    Task RunAsync(CancellationToken cancellationToken);
}

/// <summary>
/// A local cache of one kind of object, kept current by list-then-watch: lists once, then watches from the list's
/// resourceVersion; after a dropped connection it resumes the watch from the last resourceVersion it saw (no
/// re-list, no missed event); on 410 Gone (history compacted) it lists again; failures back off exponentially on
/// the injected clock. Every change calls <c>onChange</c> (cheap: the source coalesces). An optional informer (a
/// resource whose CRD may not be installed) counts a 404 on list as synced and empty, logs it once and keeps
/// retrying with backoff, so a missing CRD never blocks the picker and an installed one is picked up later.
/// </summary>
internal sealed class ResourceInformer<T> : IResourceInformer where T : KubernetesObject
{
    private readonly KubernetesApiClient _api;
    private readonly string _collectionPath;
    private readonly string? _labelSelector;
    private readonly string? _fieldSelector;
    private readonly Action _onChange;
    private readonly TimeProvider _time;
    private readonly TimeSpan _initialDelay;
    private readonly TimeSpan _maxDelay;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private readonly Dictionary<ObjectKey, T> _items = [];
    private volatile bool _hasSynced;
    private volatile bool _missing;
    private volatile string? _lastVersion;
    private int _listCount;

    public ResourceInformer(
        KubernetesApiClient api, string collectionPath, string? labelSelector, string? fieldSelector, Action onChange,
        TimeProvider time, TimeSpan initialDelay, TimeSpan maxDelay, ILogger logger, bool optional = false)
    {
        Optional = optional;
        _api = api;
        _collectionPath = collectionPath;
        _labelSelector = labelSelector;
        _fieldSelector = fieldSelector;
        _onChange = onChange;
        _time = time;
        _initialDelay = initialDelay;
        _maxDelay = maxDelay;
        _logger = logger;
    }

    public string? LabelSelector => _labelSelector;

    /// <summary>A 404 on list means "not installed": synced and empty (see the class remarks).</summary>
    public bool Optional { get; }

    public bool IsMissing => _missing;

    /// <summary>True once the first list has been loaded.</summary>
    public bool HasSynced => _hasSynced;

    /// <summary>How many times the informer has listed (1 after the initial sync; +1 per 410 Gone).</summary>
    public int ListCount => Volatile.Read(ref _listCount);

    /// <summary>The newest resourceVersion seen (list, event or bookmark).</summary>
    public string? LastResourceVersion => _lastVersion;

    public List<T> Items()
    {
        lock (_gate)
        {
            return [.. _items.Values];
        }
    }

    public IReadOnlyList<KubernetesObject> Objects() => Items();

    public T? Get(ObjectKey key)
    {
        lock (_gate)
        {
            return _items.GetValueOrDefault(key);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        string? resourceVersion = null;
        var failures = 0;
        var quietCloses = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                if (resourceVersion is null)
                {
                    resourceVersion = await ListAsync(cancellationToken).ConfigureAwait(false);
                    failures = 0;
                }

                var received = 0;
                var gone = false;
                var watchStarted = _time.GetTimestamp();
                await foreach (var e in _api.WatchAsync(_collectionPath, _labelSelector, _fieldSelector, resourceVersion, cancellationToken).ConfigureAwait(false))
                {
                    received++;
                    failures = 0;
                    quietCloses = 0;
                    if (e.Type == "ERROR")
                    {
                        var (code, message) = ReadStatus(e.Object);
                        if (code == (int)HttpStatusCode.Gone)
                        {
                            KubernetesLog.WatchExpired(_logger, _collectionPath, resourceVersion, message);
                            gone = true;
                            break;
                        }

                        throw new KubernetesApiException((HttpStatusCode)code, $"watch error: {message}");
                    }

                    resourceVersion = Apply(e) ?? resourceVersion;
                    _lastVersion = resourceVersion;
                }

                if (gone)
                {
                    resourceVersion = null;
                }
                else if (received == 0 && _time.GetElapsedTime(watchStarted) < _maxDelay)
                {
                    // A quiet watch that ends (server timeout, dropped connection) resumes at once; a server that
                    // keeps closing watches at once without sending anything must not turn this into a hot loop.
                    quietCloses++;
                    if (quietCloses > 1)
                    {
                        await Task.Delay(ReconnectBackoff.Delay(quietCloses - 2, _initialDelay, _maxDelay), _time, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    quietCloses = 0;
                    KubernetesLog.WatchResumed(_logger, _collectionPath, resourceVersion);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (KubernetesApiException e) when (e.StatusCode == HttpStatusCode.Gone)
            {
                KubernetesLog.WatchExpired(_logger, _collectionPath, resourceVersion ?? "", e.Message);
                resourceVersion = null;
            }
            catch (Exception e) when (e is HttpRequestException or IOException or KubernetesApiException or JsonException or OperationCanceledException)
            {
                var delay = ReconnectBackoff.Delay(failures, _initialDelay, _maxDelay);
                failures++;
                if (Optional && resourceVersion is null && e is KubernetesApiException { StatusCode: HttpStatusCode.NotFound })
                {
                    // The CRD is not installed (or was removed): serve without it, list again after the backoff.
                    MarkMissing();
                }
                else
                {
                    KubernetesLog.WatchFailed(_logger, _collectionPath, delay, e.Message);
                }

                try
                {
                    await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var list = await _api.ListAsync(_collectionPath, _labelSelector, _fieldSelector, cancellationToken).ConfigureAwait(false);
        var fresh = new Dictionary<ObjectKey, T>();
        foreach (var item in list.Items)
        {
            var obj = item.Deserialize<T>(KubernetesApiClient.Json);
            if (obj is not null)
            {
                fresh[SnapshotBuilder.KeyOf(obj)] = obj;
            }
        }

        lock (_gate)
        {
            _items.Clear();
            foreach (var (key, value) in fresh)
            {
                _items[key] = value;
            }
        }

        Interlocked.Increment(ref _listCount);
        if (_missing)
        {
            _missing = false;
            KubernetesLog.ResourceInstalled(_logger, _collectionPath);
        }

        _hasSynced = true;
        KubernetesLog.Listed(_logger, _collectionPath, _labelSelector ?? "", fresh.Count, list.ResourceVersion);
        _onChange();
        _lastVersion = list.ResourceVersion; // after the signal: whoever sees this version also sees a pass pending
        return list.ResourceVersion;
    }

    private void MarkMissing()
    {
        if (_missing)
        {
            return;
        }

        lock (_gate)
        {
            _items.Clear();
        }

        _missing = true;
        _hasSynced = true;
        KubernetesLog.ResourceMissing(_logger, _collectionPath);
        _onChange();
    }

    /// <returns>The event's resourceVersion, when it carries one.</returns>
    private string? Apply(WatchEvent e)
    {
        if (e.Object.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        if (e.Type == "BOOKMARK")
        {
            // Nothing changed, but a reconcile pass now doubles as a periodic check of the status conditions.
            _onChange();
            return e.Object.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
        }

        var obj = e.Object.Deserialize<T>(KubernetesApiClient.Json);
        if (obj is null)
        {
            return null;
        }

        var key = SnapshotBuilder.KeyOf(obj);
        lock (_gate)
        {
            switch (e.Type)
            {
                case "ADDED" or "MODIFIED":
                    _items[key] = obj;
                    break;
                case "DELETED":
                    _items.Remove(key);
                    break;
                default:
                    return obj.Metadata.ResourceVersion;
            }
        }

        _onChange();
        return obj.Metadata.ResourceVersion;
    }

    private static (int Code, string Message) ReadStatus(JsonElement status)
    {
        if (status.ValueKind != JsonValueKind.Object)
        {
            return (0, "watch ERROR event without a Status");
        }

        var code = status.TryGetProperty("code", out var c) && c.TryGetInt32(out var value) ? value : 0;
        var message = status.TryGetProperty("message", out var m) ? m.GetString() ?? "" : "";
        return (code, message);
    }
}
