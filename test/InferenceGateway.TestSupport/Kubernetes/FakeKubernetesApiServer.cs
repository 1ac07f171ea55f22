using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace InferenceGateway.TestSupport.Kubernetes;

/// <summary>One write to a status subresource, as the fake server received it.</summary>
public sealed record StatusWrite(string Resource, string Namespace, string Name, string Method, string ContentType, string Body, string UserAgent);

/// <summary>
/// An in-process Kubernetes API server for tests: Kestrel on 127.0.0.1 (port 0) speaking the real REST and watch
/// protocol for core/v1 pods, inference.networking.x-k8s.io/v1alpha1 inferencepools and inferencemodels (with the
/// status subresource), their v1alpha2 versions, v1alpha2 inferenceobjectives and inferencemodelrewrites,
/// inference.networking.k8s.io/v1 inferencepools, coordination.k8s.io/v1 leases and events.k8s.io/v1 events (created
/// with the API server's validation of new Events, patched for their series); TokenReviews and
/// SubjectAccessReviews are answered from configured tokens and grants. One global, monotonically increasing resourceVersion;
/// lists carry it in metadata.resourceVersion; a watch from a resourceVersion older than the retained history gets
/// an ERROR event with a 410 Gone Status, as from a compacted etcd. Test hooks change objects, drop watch
/// connections, refuse new watches, compact history and record status writes.
/// </summary>
public sealed partial class FakeKubernetesApiServer : IAsyncDisposable
{
    public const string BearerToken = "fake-kubernetes-token";

    // Resource names for the hooks (Modify, Delete, ListCount, ...). The seed's kinds keep their plural names:
    // "pods", "inferencepools", "inferencemodels" (inference.networking.x-k8s.io/v1alpha1), "leases". Other versions
    // of the same plural are separate stores here (a real API server converts between them).

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferencePools.</summary>
    public const string V1Alpha2Pools = "inferencepools.v1alpha2";

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferenceModels.</summary>
    public const string V1Alpha2Models = "inferencemodels.v1alpha2";

    /// <summary>inference.networking.k8s.io/v1 InferencePools.</summary>
    public const string V1Pools = "inferencepools.v1";

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferenceObjectives.</summary>
    public const string Objectives = "inferenceobjectives";

    /// <summary>inference.networking.x-k8s.io/v1alpha2 InferenceModelRewrites.</summary>
    public const string Rewrites = "inferencemodelrewrites";

    /// <summary>events.k8s.io/v1 Events.</summary>
    public const string Events = "events";

    private static readonly Dictionary<string, ResourceType> Types = new(StringComparer.Ordinal)
    {
        ["pods"] = new("", "v1", "pods", "Pod", HasStatus: false),
        ["inferencepools"] = new("inference.networking.x-k8s.io", "v1alpha1", "inferencepools", "InferencePool", HasStatus: true),
        ["inferencemodels"] = new("inference.networking.x-k8s.io", "v1alpha1", "inferencemodels", "InferenceModel", HasStatus: true),
        ["leases"] = new("coordination.k8s.io", "v1", "leases", "Lease", HasStatus: false),
        [V1Alpha2Pools] = new("inference.networking.x-k8s.io", "v1alpha2", "inferencepools", "InferencePool", HasStatus: true),
        [V1Alpha2Models] = new("inference.networking.x-k8s.io", "v1alpha2", "inferencemodels", "InferenceModel", HasStatus: true),
        [V1Pools] = new("inference.networking.k8s.io", "v1", "inferencepools", "InferencePool", HasStatus: true),
        [Objectives] = new("inference.networking.x-k8s.io", "v1alpha2", "inferenceobjectives", "InferenceObjective", HasStatus: true),
        [Rewrites] = new("inference.networking.x-k8s.io", "v1alpha2", "inferencemodelrewrites", "InferenceModelRewrite", HasStatus: true),
        [Events] = new("events.k8s.io", "v1", "events", "Event", HasStatus: false),
    };

    private readonly HashSet<string> _uninstalled = new(StringComparer.Ordinal);

    private readonly Lock _gate = new();
    private readonly Dictionary<(string Resource, string Namespace, string Name), JsonObject> _objects = [];
    private readonly List<(long Version, string Resource, string Type, JsonObject Object)> _history = [];
    private readonly List<Watcher> _watchers = [];
    private readonly List<StatusWrite> _statusWrites = [];
    private readonly Dictionary<string, int> _listCounts = new(StringComparer.Ordinal);
    private readonly WebApplication _app;
    private long _resourceVersion = 1;
    private long _historyStart = 1;
    private readonly Dictionary<string, (string User, string[] Groups)> _tokens = new(StringComparer.Ordinal);
    private readonly HashSet<(string User, string Path, string Verb)> _nonResourceGrants = [];
    private int _watchRequests;
    private int _tokenReviews;
    private int _accessReviews;
    private bool _failReviews;
    private int _refusedWatches;
    private bool _rejectWatches;
    private HttpStatusCode? _eventWriteFailure;
    private int _eventCreates;
    private int _eventPatches;
    private int _refusedEventWrites;
    private int _generatedNames;

    private FakeKubernetesApiServer(WebApplication app)
    {
        _app = app;
    }

    /// <summary>Base address, e.g. http://127.0.0.1:41234.</summary>
    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>When set, every request must carry "Authorization: Bearer <see cref="BearerToken"/>" (else 401).</summary>
    public bool RequireBearerToken { get; set; }

    public static async Task<FakeKubernetesApiServer> StartAsync(CancellationToken cancellationToken = default)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new FakeKubernetesApiServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync(cancellationToken).ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal));
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        DisconnectWatches();
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
    }

    /// <summary>Writes a kubeconfig that points at this server (http; with the fixed bearer token) and returns its path.</summary>
    public string WriteKubeconfig(string folder, string @namespace = "default")
    {
        var path = Path.Combine(folder, "kubeconfig");
        var text = $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: fake
              cluster:
                server: "{BaseAddress.ToString().TrimEnd('/')}"
            users:
            - name: tester
              user:
                token: "{BearerToken}"
            contexts:
            - name: fake
              context:
                cluster: fake
                user: tester
                namespace: "{@namespace}"
            current-context: fake

            """;
        File.WriteAllText(path, text);
        return path;
    }

    public long CurrentResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Creates or replaces an object (apiVersion/kind decide the resource). Returns the stored copy.</summary>
    /// <remarks>
    /// Fills metadata like the API server: uid, creationTimestamp (unless given), generation (1 on create, +1 when
    /// anything outside metadata and status changes), resourceVersion. A replace keeps the stored status unless the
    /// new object carries one.
    /// </remarks>
    public JsonObject Apply(JsonObject obj)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var resource = ResourceOf(obj);
        var copy = obj.DeepClone().AsObject();
        var meta = Meta(copy);
        var ns = meta["namespace"]?.GetValue<string>() ?? "default";
        var name = meta["name"]?.GetValue<string>() ?? throw new ArgumentException("metadata.name is required", nameof(obj));
        meta["namespace"] = ns;
        lock (_gate)
        {
            var key = (resource, ns, name);
            if (_objects.TryGetValue(key, out var existing))
            {
                var oldMeta = Meta(existing);
                meta["uid"] = oldMeta["uid"]?.DeepClone();
                meta["creationTimestamp"] ??= oldMeta["creationTimestamp"]?.DeepClone();
                var generation = ReadLong(oldMeta["generation"]) ?? 1;
                meta["generation"] = SpecChanged(existing, copy) ? generation + 1 : generation;
                if (copy["status"] is null && existing["status"] is not null)
                {
                    copy["status"] = existing["status"]!.DeepClone();
                }

                Store(resource, key, copy, "MODIFIED");
            }
            else
            {
                meta["uid"] = Guid.NewGuid().ToString();
                meta["creationTimestamp"] ??= DateTimeOffset.UtcNow.ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture);
                meta["generation"] = 1L;
                Store(resource, key, copy, "ADDED");
            }

            return copy.DeepClone().AsObject();
        }
    }

    /// <summary>Parses JSON text and applies it (see <see cref="Apply(JsonObject)"/>).</summary>
    public JsonObject Apply(string json) => Apply(JsonNode.Parse(json)!.AsObject());

    /// <summary>Changes a stored object in place (e.g. flips a pod's Ready condition). Throws when it does not exist.</summary>
    public JsonObject Modify(string resource, string @namespace, string name, Action<JsonObject> change)
    {
        ArgumentNullException.ThrowIfNull(change);
        JsonObject current;
        lock (_gate)
        {
            current = Get(resource, @namespace, name) ?? throw new InvalidOperationException($"{resource} {@namespace}/{name} does not exist");
        }

        change(current);
        return Apply(current);
    }

    public bool Delete(string resource, string @namespace, string name)
    {
        lock (_gate)
        {
            var key = (resource, @namespace, name);
            if (!_objects.Remove(key, out var existing))
            {
                return false;
            }

            _resourceVersion++;
            Meta(existing)["resourceVersion"] = Rv(_resourceVersion);
            Record(resource, "DELETED", existing);
            return true;
        }
    }

    /// <summary>A copy of the stored object, or null.</summary>
    public JsonObject? Get(string resource, string @namespace, string name)
    {
        lock (_gate)
        {
            return _objects.TryGetValue((resource, @namespace, name), out var obj) ? obj.DeepClone().AsObject() : null;
        }
    }

    /// <summary>
    /// Makes a resource unknown, as when its CRD is not installed: every request for it answers 404 (open watches
    /// end). <see cref="Install"/> serves it again, with the objects it held.
    /// </summary>
    public void Uninstall(string resource)
    {
        lock (_gate)
        {
            _uninstalled.Add(resource);
            foreach (var watcher in _watchers.Where(w => w.Resource == resource).ToList())
            {
                watcher.Events.Writer.TryComplete();
                _watchers.Remove(watcher);
            }
        }
    }

    public void Install(string resource)
    {
        lock (_gate)
        {
            _uninstalled.Remove(resource);
        }
    }

    /// <summary>Ends every open watch response (clients see end of stream and reconnect).</summary>
    public void DisconnectWatches()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                watcher.Events.Writer.TryComplete();
            }

            _watchers.Clear();
        }
    }

    /// <summary>While set, new watch requests are refused with 503 (so changes made meanwhile are only in history).</summary>
    public bool RejectWatches
    {
        get
        {
            lock (_gate)
            {
                return _rejectWatches;
            }
        }
        set
        {
            lock (_gate)
            {
                _rejectWatches = value;
            }
        }
    }

    /// <summary>
    /// Forgets the event history like an etcd compaction: the resourceVersion moves on by one and every watch that
    /// starts from an older resourceVersion gets 410 Gone (clients must list again). Open watches stay open.
    /// </summary>
    public void CompactHistory()
    {
        lock (_gate)
        {
            _resourceVersion++;
            _history.Clear();
            _historyStart = _resourceVersion;
        }
    }

    /// <summary>Sends a BOOKMARK event carrying the current resourceVersion to every open watch.</summary>
    public void SendBookmarks()
    {
        lock (_gate)
        {
            foreach (var watcher in _watchers)
            {
                var type = Types[watcher.Resource];
                var bookmark = new JsonObject
                {
                    ["apiVersion"] = ApiVersion(type),
                    ["kind"] = type.Kind,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                };
                watcher.Events.Writer.TryWrite(EventLine("BOOKMARK", bookmark));
            }
        }
    }

    public IReadOnlyList<StatusWrite> StatusWrites
    {
        get
        {
            lock (_gate)
            {
                return [.. _statusWrites];
            }
        }
    }

    public int StatusWriteCount
    {
        get
        {
            lock (_gate)
            {
                return _statusWrites.Count;
            }
        }
    }

    public StatusWrite? LastStatusWrite
    {
        get
        {
            lock (_gate)
            {
                return _statusWrites.Count == 0 ? null : _statusWrites[^1];
            }
        }
    }

    /// <summary>How many list (non-watch collection GET) requests a resource has served.</summary>
    public int ListCount(string resource)
    {
        lock (_gate)
        {
            return _listCounts.GetValueOrDefault(resource);
        }
    }

    /// <summary>How many watch requests have been accepted (all resources).</summary>
    public int WatchRequestCount => Volatile.Read(ref _watchRequests);

    /// <summary>How many watch requests were refused while <see cref="RejectWatches"/> was set.</summary>
    public int RefusedWatchCount => Volatile.Read(ref _refusedWatches);

    /// <summary>Open watch connections for a resource.</summary>
    public int OpenWatchCount(string resource)
    {
        lock (_gate)
        {
            return _watchers.Count(w => w.Resource == resource);
        }
    }

    /// <summary>A token that TokenReviews authenticate as <paramref name="user"/> (in <paramref name="groups"/>); other tokens are not authenticated.</summary>
    public void AddToken(string token, string user, params string[] groups)
    {
        lock (_gate)
        {
            _tokens[token] = (user, groups);
        }
    }

    /// <summary>Lets SubjectAccessReviews allow <paramref name="verb"/> on the non-resource <paramref name="path"/> for a user or group.</summary>
    public void GrantNonResource(string userOrGroup, string path = "/metrics", string verb = "get")
    {
        lock (_gate)
        {
            _nonResourceGrants.Add((userOrGroup, path, verb));
        }
    }

    /// <summary>While set, TokenReviews and SubjectAccessReviews answer 500 (an API server in trouble).</summary>
    public bool FailReviews
    {
        get
        {
            lock (_gate)
            {
                return _failReviews;
            }
        }
        set
        {
            lock (_gate)
            {
                _failReviews = value;
            }
        }
    }

    /// <summary>TokenReviews received (answered or failed).</summary>
    public int TokenReviewCount => Volatile.Read(ref _tokenReviews);

    /// <summary>SubjectAccessReviews received (answered or failed).</summary>
    public int SubjectAccessReviewCount => Volatile.Read(ref _accessReviews);

    /// <summary>
    /// While set, every POST and PATCH of events.k8s.io events answers this status: 403 Forbidden is what a picker
    /// without the RBAC rule gets; 500 or 503 an API server in trouble.
    /// </summary>
    public HttpStatusCode? EventWriteFailure
    {
        get
        {
            lock (_gate)
            {
                return _eventWriteFailure;
            }
        }
        set
        {
            lock (_gate)
            {
                _eventWriteFailure = value;
            }
        }
    }

    /// <summary>The stored events.k8s.io/v1 Events (copies), oldest first.</summary>
    public IReadOnlyList<JsonObject> StoredEvents
    {
        get
        {
            lock (_gate)
            {
                return [.. _objects
                    .Where(o => o.Key.Resource == Events)
                    .Select(o => o.Value.DeepClone().AsObject())
                    .OrderBy(e => long.Parse(e["metadata"]!["resourceVersion"]!.GetValue<string>(), CultureInfo.InvariantCulture))];
            }
        }
    }

    /// <summary>Events created (POST answered 201).</summary>
    public int EventCreateCount => Volatile.Read(ref _eventCreates);

    /// <summary>Event PATCHes applied (answered 200).</summary>
    public int EventPatchCount => Volatile.Read(ref _eventPatches);

    /// <summary>Event POSTs and PATCHes refused by <see cref="EventWriteFailure"/>.</summary>
    public int RefusedEventWriteCount => Volatile.Read(ref _refusedEventWrites);

    private async Task<bool> TryHandleReviewAsync(HttpContext context)
    {
        var path = context.Request.Path.Value?.TrimEnd('/') ?? "";
        var isToken = path == "/apis/authentication.k8s.io/v1/tokenreviews";
        var isAccess = path == "/apis/authorization.k8s.io/v1/subjectaccessreviews";
        if (!isToken && !isAccess)
        {
            return false;
        }

        if (context.Request.Method != "POST")
        {
            await WriteStatusAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", "reviews can only be created").ConfigureAwait(false);
            return true;
        }

        if (isToken)
        {
            Interlocked.Increment(ref _tokenReviews);
        }
        else
        {
            Interlocked.Increment(ref _accessReviews);
        }

        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body?["spec"] is not JsonObject spec)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "spec is required").ConfigureAwait(false);
            return true;
        }

        JsonObject status;
        lock (_gate)
        {
            if (_failReviews)
            {
                status = null!;
            }
            else if (isToken)
            {
                var token = spec["token"]?.GetValue<string>() ?? "";
                status = _tokens.TryGetValue(token, out var identity)
                    ? new JsonObject
                    {
                        ["authenticated"] = true,
                        ["user"] = new JsonObject
                        {
                            ["username"] = identity.User,
                            ["uid"] = "uid-" + identity.User,
                            ["groups"] = new JsonArray([.. identity.Groups.Select(g => (JsonNode)g)]),
                        },
                    }
                    : new JsonObject { ["authenticated"] = false, ["error"] = "invalid bearer token" };
            }
            else
            {
                var user = spec["user"]?.GetValue<string>() ?? "";
                var groups = (spec["groups"] as JsonArray)?.Select(g => g?.GetValue<string>() ?? "").ToList() ?? [];
                var attributes = spec["nonResourceAttributes"] as JsonObject;
                var target = attributes?["path"]?.GetValue<string>() ?? "";
                var verb = attributes?["verb"]?.GetValue<string>() ?? "";
                var allowed = attributes is not null
                    && (_nonResourceGrants.Contains((user, target, verb)) || groups.Any(g => _nonResourceGrants.Contains((g, target, verb))));
                status = allowed
                    ? new JsonObject { ["allowed"] = true, ["reason"] = "granted by the test" }
                    : new JsonObject { ["allowed"] = false, ["reason"] = "no grant" };
            }
        }

        if (status is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.InternalServerError, "InternalError", "reviews fail (test hook)").ConfigureAwait(false);
            return true;
        }

        body["status"] = status;
        await WriteJsonAsync(context, HttpStatusCode.Created, body).ConfigureAwait(false);
        return true;
    }

    private async Task HandleAsync(HttpContext context)
    {
        if (RequireBearerToken && context.Request.Headers.Authorization.ToString() != $"Bearer {BearerToken}")
        {
            await WriteStatusAsync(context, HttpStatusCode.Unauthorized, "Unauthorized", "Unauthorized").ConfigureAwait(false);
            return;
        }

        if (await TryHandleReviewAsync(context).ConfigureAwait(false))
        {
            return;
        }

        bool uninstalled;
        var parsed = TryParsePath(context.Request.Path.Value ?? "", out var route);
        lock (_gate)
        {
            uninstalled = parsed && _uninstalled.Contains(route.Resource);
        }

        if (!parsed || uninstalled)
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"the server could not find the requested resource ({context.Request.Path})").ConfigureAwait(false);
            return;
        }

        var method = context.Request.Method;
        if (route.Resource == Events && method is "POST" or "PATCH" && EventWriteFailure is { } failure)
        {
            Interlocked.Increment(ref _refusedEventWrites);
            var message = failure == HttpStatusCode.Forbidden
                ? $"events.events.k8s.io is forbidden: User \"system:serviceaccount:{route.Namespace}:epp\" cannot {(method == "POST" ? "create" : "patch")} resource \"events\" in API group \"events.k8s.io\" in the namespace \"{route.Namespace}\""
                : "event writes fail (test hook)";
            await WriteStatusAsync(context, failure, failure == HttpStatusCode.Forbidden ? "Forbidden" : "InternalError", message).ConfigureAwait(false);
            return;
        }

        if (route.Name is null)
        {
            if (method == "GET" && IsTrue(context.Request.Query["watch"]))
            {
                await WatchAsync(context, route).ConfigureAwait(false);
            }
            else if (method == "GET")
            {
                await ListAsync(context, route).ConfigureAwait(false);
            }
            else if (method == "POST" && route.Namespace is not null)
            {
                await CreateAsync(context, route).ConfigureAwait(false);
            }
            else
            {
                await WriteStatusAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{method} is not supported here").ConfigureAwait(false);
            }

            return;
        }

        if (route.Subresource is not null and not "status" || (route.Subresource == "status" && !Types[route.Resource].HasStatus))
        {
            await WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"subresource {route.Subresource} not found").ConfigureAwait(false);
            return;
        }

        switch (method)
        {
            case "GET":
                var obj = Get(route.Resource, route.Namespace!, route.Name);
                if (obj is null)
                {
                    await WriteNotFoundAsync(context, route).ConfigureAwait(false);
                }
                else
                {
                    await WriteJsonAsync(context, HttpStatusCode.OK, obj).ConfigureAwait(false);
                }

                break;
            case "PUT":
                await ReplaceAsync(context, route).ConfigureAwait(false);
                break;
            case "PATCH":
                await PatchAsync(context, route).ConfigureAwait(false);
                break;
            case "DELETE":
                var deleted = Delete(route.Resource, route.Namespace!, route.Name);
                await (deleted
                    ? WriteStatusAsync(context, HttpStatusCode.OK, "Success", "deleted")
                    : WriteNotFoundAsync(context, route)).ConfigureAwait(false);
                break;
            default:
                await WriteStatusAsync(context, HttpStatusCode.MethodNotAllowed, "MethodNotAllowed", $"{method} is not supported").ConfigureAwait(false);
                break;
        }
    }

    private async Task ListAsync(HttpContext context, Route route)
    {
        var labels = ParseSelector(context.Request.Query["labelSelector"]);
        var fields = ParseSelector(context.Request.Query["fieldSelector"]);
        var type = Types[route.Resource];
        var items = new JsonArray();
        long version;
        lock (_gate)
        {
            _listCounts[route.Resource] = _listCounts.GetValueOrDefault(route.Resource) + 1;
            foreach (var ((resource, ns, _), obj) in _objects.OrderBy(o => o.Key.Namespace, StringComparer.Ordinal).ThenBy(o => o.Key.Name, StringComparer.Ordinal))
            {
                if (resource == route.Resource && (route.Namespace is null || route.Namespace == ns) && Matches(obj, labels, fields))
                {
                    items.Add(obj.DeepClone());
                }
            }

            version = _resourceVersion;
        }

        var list = new JsonObject
        {
            ["apiVersion"] = ApiVersion(type),
            ["kind"] = type.Kind + "List",
            ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(version) },
            ["items"] = items,
        };
        await WriteJsonAsync(context, HttpStatusCode.OK, list).ConfigureAwait(false);
    }

    private async Task WatchAsync(HttpContext context, Route route)
    {
        var labels = ParseSelector(context.Request.Query["labelSelector"]);
        var fields = ParseSelector(context.Request.Query["fieldSelector"]);
        var watcher = new Watcher(route.Resource, route.Namespace, labels, fields, Channel.CreateUnbounded<string>());
        string? gone = null;
        lock (_gate)
        {
            if (_rejectWatches)
            {
                watcher = null;
            }
            else
            {
                Interlocked.Increment(ref _watchRequests);
                var from = long.TryParse(context.Request.Query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : _resourceVersion;
                if (from < _historyStart)
                {
                    gone = $"too old resource version: {from} ({_historyStart})";
                }
                else
                {
                    foreach (var (version, resource, eventType, obj) in _history)
                    {
                        if (version > from && watcher.Wants(resource, obj))
                        {
                            watcher.Events.Writer.TryWrite(EventLine(eventType, obj));
                        }
                    }

                    _watchers.Add(watcher);
                }
            }
        }

        if (watcher is null)
        {
            Interlocked.Increment(ref _refusedWatches);
            await WriteStatusAsync(context, HttpStatusCode.ServiceUnavailable, "ServiceUnavailable", "watches are refused (test hook)").ConfigureAwait(false);
            return;
        }

        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        await context.Response.StartAsync(context.RequestAborted).ConfigureAwait(false);
        if (gone is not null)
        {
            var status = StatusObject(HttpStatusCode.Gone, "Expired", gone);
            await WriteLineAsync(context, EventLine("ERROR", status)).ConfigureAwait(false);
            return;
        }

        try
        {
            await foreach (var line in watcher.Events.Reader.ReadAllAsync(context.RequestAborted).ConfigureAwait(false))
            {
                await WriteLineAsync(context, line).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_gate)
            {
                _watchers.Remove(watcher);
            }
        }
    }

    private static async Task WriteLineAsync(HttpContext context, string line)
    {
        await context.Response.WriteAsync(line + "\n", context.RequestAborted).ConfigureAwait(false);
        await context.Response.Body.FlushAsync(context.RequestAborted).ConfigureAwait(false);
    }

    private async Task CreateAsync(HttpContext context, Route route)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "the body must be a JSON object").ConfigureAwait(false);
            return;
        }

        var meta = Meta(body);
        var name = meta["name"]?.GetValue<string>();
        if (string.IsNullOrEmpty(name) && meta["generateName"]?.GetValue<string>() is { Length: > 0 } generateName)
        {
            // The API server appends five random characters; a counter keeps them unique here.
            name = generateName + Interlocked.Increment(ref _generatedNames).ToString("x5", CultureInfo.InvariantCulture);
            meta["name"] = name;
        }

        if (string.IsNullOrEmpty(name))
        {
            await WriteStatusAsync(context, HttpStatusCode.UnprocessableEntity, "Invalid", "metadata.name: Required value").ConfigureAwait(false);
            return;
        }

        if (route.Resource == Events && ValidateEvent(body, route.Namespace!, create: true) is { } invalid)
        {
            await WriteStatusAsync(context, HttpStatusCode.UnprocessableEntity, "Invalid", $"Event.events.k8s.io \"{name}\" is invalid: {invalid}").ConfigureAwait(false);
            return;
        }

        meta["namespace"] = route.Namespace;
        var type = Types[route.Resource];
        body["apiVersion"] = ApiVersion(type);
        body["kind"] = type.Kind;
        JsonObject stored;
        lock (_gate)
        {
            if (_objects.ContainsKey((route.Resource, route.Namespace!, name)))
            {
                stored = null!;
            }
            else
            {
                meta.Remove("resourceVersion");
                stored = Apply(body);
            }
        }

        if (stored is not null && route.Resource == Events)
        {
            Interlocked.Increment(ref _eventCreates);
        }

        await (stored is null
            ? WriteStatusAsync(context, HttpStatusCode.Conflict, "AlreadyExists", $"{route.Resource} \"{name}\" already exists")
            : WriteJsonAsync(context, HttpStatusCode.Created, stored)).ConfigureAwait(false);
    }

    private async Task ReplaceAsync(HttpContext context, Route route)
    {
        var body = await ReadBodyAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "the body must be a JSON object").ConfigureAwait(false);
            return;
        }

        var requestedVersion = Meta(body)["resourceVersion"]?.GetValue<string>();
        await UpdateAsync(context, route, "PUT", body.ToJsonString(), requestedVersion, current =>
        {
            if (route.Subresource == "status")
            {
                current["status"] = body["status"]?.DeepClone();
                return current;
            }

            // A main-resource update ignores status when the resource has a status subresource.
            if (Types[route.Resource].HasStatus)
            {
                body["status"] = current["status"]?.DeepClone();
            }

            return body;
        }).ConfigureAwait(false);
    }

    private async Task PatchAsync(HttpContext context, Route route)
    {
        var contentType = context.Request.ContentType ?? "";
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var text = await reader.ReadToEndAsync(context.RequestAborted).ConfigureAwait(false);
        JsonNode? patch;
        try
        {
            patch = JsonNode.Parse(text);
        }
        catch (JsonException e)
        {
            await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", e.Message).ConfigureAwait(false);
            return;
        }

        Func<JsonObject, JsonObject> apply;
        string? requestedVersion = null;
        if (contentType.StartsWith("application/merge-patch+json", StringComparison.Ordinal)
            || contentType.StartsWith("application/strategic-merge-patch+json", StringComparison.Ordinal))
        {
            if (patch is not JsonObject mergePatch)
            {
                await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "a merge patch must be an object").ConfigureAwait(false);
                return;
            }

            requestedVersion = (mergePatch["metadata"] as JsonObject)?["resourceVersion"]?.GetValue<string>();
            apply = current => (JsonObject)MergePatch(current, mergePatch)!;
        }
        else if (contentType.StartsWith("application/json-patch+json", StringComparison.Ordinal))
        {
            if (patch is not JsonArray operations)
            {
                await WriteStatusAsync(context, HttpStatusCode.BadRequest, "BadRequest", "a JSON patch must be an array").ConfigureAwait(false);
                return;
            }

            apply = current => JsonPatch(current, operations);
        }
        else
        {
            await WriteStatusAsync(context, HttpStatusCode.UnsupportedMediaType, "UnsupportedMediaType", $"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (got {contentType})").ConfigureAwait(false);
            return;
        }

        await UpdateAsync(context, route, "PATCH", text, requestedVersion, current =>
        {
            var patched = apply(current.DeepClone().AsObject());
            if (route.Subresource == "status")
            {
                // Only status changes through the status subresource.
                current["status"] = patched["status"]?.DeepClone();
                return current;
            }

            if (Types[route.Resource].HasStatus)
            {
                patched["status"] = current["status"]?.DeepClone();
            }

            if (route.Resource == Events)
            {
                if (ValidateEvent(patched, route.Namespace!, create: false) is { } invalid)
                {
                    throw new InvalidOperationException($"Event.events.k8s.io \"{route.Name}\" is invalid: {invalid}");
                }

                Interlocked.Increment(ref _eventPatches);
            }

            return patched;
        }).ConfigureAwait(false);
    }

    private async Task UpdateAsync(HttpContext context, Route route, string method, string body, string? requestedVersion, Func<JsonObject, JsonObject> change)
    {
        JsonObject? stored = null;
        var outcome = HttpStatusCode.OK;
        string message = "";
        try
        {
            lock (_gate)
            {
                var key = (route.Resource, route.Namespace!, route.Name!);
                if (!_objects.TryGetValue(key, out var existing))
                {
                    outcome = HttpStatusCode.NotFound;
                }
                else if (!string.IsNullOrEmpty(requestedVersion) && requestedVersion != Meta(existing)["resourceVersion"]?.GetValue<string>())
                {
                    outcome = HttpStatusCode.Conflict;
                    message = $"Operation cannot be fulfilled on {route.Resource} \"{route.Name}\": the object has been modified; please apply your changes to the latest version and try again";
                }
                else
                {
                    var updated = change(existing.DeepClone().AsObject());
                    var meta = Meta(updated);
                    var oldMeta = Meta(existing);
                    meta["name"] = route.Name;
                    meta["namespace"] = route.Namespace;
                    meta["uid"] = oldMeta["uid"]?.DeepClone();
                    meta["creationTimestamp"] = oldMeta["creationTimestamp"]?.DeepClone();
                    var generation = ReadLong(oldMeta["generation"]) ?? 1;
                    meta["generation"] = route.Subresource is null && SpecChanged(existing, updated) ? generation + 1 : generation;
                    if (route.Subresource == "status")
                    {
                        _statusWrites.Add(new StatusWrite(route.Resource, route.Namespace!, route.Name!, method, context.Request.ContentType ?? "", body, context.Request.Headers.UserAgent.ToString()));
                    }

                    Store(route.Resource, key, updated, "MODIFIED");
                    stored = updated.DeepClone().AsObject();
                }
            }
        }
        catch (Exception e) when (e is InvalidOperationException or JsonException or FormatException or ArgumentException)
        {
            outcome = HttpStatusCode.UnprocessableEntity;
            message = e.Message;
        }

        switch (outcome)
        {
            case HttpStatusCode.OK:
                await WriteJsonAsync(context, HttpStatusCode.OK, stored!).ConfigureAwait(false);
                break;
            case HttpStatusCode.NotFound:
                await WriteNotFoundAsync(context, route).ConfigureAwait(false);
                break;
            case HttpStatusCode.Conflict:
                await WriteStatusAsync(context, HttpStatusCode.Conflict, "Conflict", message).ConfigureAwait(false);
                break;
            default:
                await WriteStatusAsync(context, outcome, "Invalid", message).ConfigureAwait(false);
                break;
        }
    }

    // Caller holds _gate.
    private void Store(string resource, (string, string, string) key, JsonObject obj, string eventType)
    {
        _resourceVersion++;
        Meta(obj)["resourceVersion"] = Rv(_resourceVersion);
        var type = Types[resource];
        obj["apiVersion"] = ApiVersion(type);
        obj["kind"] = type.Kind;
        _objects.TryGetValue(key, out var previous);
        _objects[key] = obj;
        Record(resource, eventType, obj, previous);
    }

    // Caller holds _gate.
    private void Record(string resource, string eventType, JsonObject obj, JsonObject? previous = null)
    {
        var copy = obj.DeepClone().AsObject();
        _history.Add((_resourceVersion, resource, eventType, copy));
        var line = EventLine(eventType, copy);
        foreach (var watcher in _watchers)
        {
            if (watcher.Wants(resource, copy))
            {
                watcher.Events.Writer.TryWrite(line);
            }
            else if (previous is not null && watcher.Wants(resource, previous))
            {
                // Like the API server: an object that leaves a filtered watch's selector is reported as deleted.
                watcher.Events.Writer.TryWrite(EventLine("DELETED", copy));
            }
        }
    }

    /// <summary>
    /// The checks the API server makes on an events.k8s.io/v1 Event (null: valid): eventTime as a MicroTime;
    /// reportingController a qualified name; reportingInstance, action and reason present and at most 128 characters;
    /// note at most 1 kB; type Normal or Warning; regarding in the Event's namespace; a series with count &gt;= 2 and
    /// lastObservedTime. A new Event carries no series yet in this fake (the picker's recorder adds it by PATCH).
    /// </summary>
    private static string? ValidateEvent(JsonObject e, string @namespace, bool create)
    {
        static string? Text(JsonNode? node) => node is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;
        var errors = new List<string>();
        if (Text(e["eventTime"]) is not { } time || !MicroTimeFormat().IsMatch(time))
        {
            errors.Add("eventTime: Required value (a MicroTime, RFC 3339 with 6 fractional digits)");
        }

        if (Text(e["reportingController"]) is not { Length: > 0 } controller || !QualifiedName().IsMatch(controller))
        {
            errors.Add("reportingController: Invalid value (a qualified name is required)");
        }

        foreach (var field in new[] { "reportingInstance", "action", "reason" })
        {
            if (Text(e[field]) is not { Length: > 0 and <= 128 })
            {
                errors.Add($"{field}: Required value (at most 128 characters)");
            }
        }

        if (Text(e["note"]) is { } note && Encoding.UTF8.GetByteCount(note) > 1024)
        {
            errors.Add("note: Too long: may not be more than 1024 bytes");
        }

        if (Text(e["type"]) is not ("Normal" or "Warning"))
        {
            errors.Add("type: Unsupported value: supported values: \"Normal\", \"Warning\"");
        }

        if (e["regarding"] is not JsonObject regarding || Text(regarding["name"]) is not { Length: > 0 } || Text(regarding["kind"]) is not { Length: > 0 })
        {
            errors.Add("regarding: Required value");
        }
        else if (Text(regarding["namespace"]) is { Length: > 0 } regardingNamespace && regardingNamespace != @namespace)
        {
            errors.Add("regarding.namespace: Invalid value: does not match event.namespace");
        }

        if (e["series"] is JsonObject series)
        {
            if (create)
            {
                errors.Add("series: a new Event starts without a series (fake server rule)");
            }
            else if (ReadLong(series["count"]) is not >= 2 || Text(series["lastObservedTime"]) is not { } last || !MicroTimeFormat().IsMatch(last))
            {
                errors.Add("series: count must be at least 2 and lastObservedTime a MicroTime");
            }
        }

        return errors.Count == 0 ? null : string.Join(", ", errors);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$")]
    private static partial System.Text.RegularExpressions.Regex MicroTimeFormat();

    [System.Text.RegularExpressions.GeneratedRegex(@"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")]
    private static partial System.Text.RegularExpressions.Regex QualifiedName();

    private static bool SpecChanged(JsonObject before, JsonObject after)
    {
        foreach (var (name, value) in after)
        {
            if (name is not ("metadata" or "status" or "apiVersion" or "kind") && !JsonNode.DeepEquals(value, before[name]))
            {
                return true;
            }
        }

        foreach (var (name, _) in before)
        {
            if (name is not ("metadata" or "status" or "apiVersion" or "kind") && !after.ContainsKey(name))
            {
                return true;
            }
        }

        return false;
    }

    private static string ResourceOf(JsonObject obj)
    {
        var apiVersion = obj["apiVersion"]?.GetValue<string>();
        var kind = obj["kind"]?.GetValue<string>();
        foreach (var (name, type) in Types)
        {
            if (type.Kind == kind && ApiVersion(type) == apiVersion)
            {
                return name;
            }
        }

        throw new ArgumentException($"the fake API server does not serve {apiVersion} {kind}", nameof(obj));
    }

    private static string ApiVersion(ResourceType type) => type.Group.Length == 0 ? type.Version : $"{type.Group}/{type.Version}";

    private static JsonObject Meta(JsonObject obj)
    {
        if (obj["metadata"] is not JsonObject meta)
        {
            meta = new JsonObject();
            obj["metadata"] = meta;
        }

        return meta;
    }

    private static long? ReadLong(JsonNode? node) => node switch
    {
        JsonValue v when v.TryGetValue<long>(out var l) => l,
        JsonValue v when v.TryGetValue<int>(out var i) => i,
        _ => null,
    };

    private static string Rv(long version) => version.ToString(CultureInfo.InvariantCulture);

    private static string EventLine(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    private static bool IsTrue(string? value) => value is "true" or "1" or "True";

    private static Dictionary<string, string> ParseSelector(string? text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(text))
        {
            return result;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = part.Contains("==", StringComparison.Ordinal) ? "==" : "=";
            var at = part.IndexOf(separator, StringComparison.Ordinal);
            if (at <= 0)
            {
                throw new BadHttpRequestException($"unsupported selector requirement \"{part}\" (the fake server supports only equality)");
            }

            result[part[..at]] = part[(at + separator.Length)..];
        }

        return result;
    }

    private static bool Matches(JsonObject obj, Dictionary<string, string> labels, Dictionary<string, string> fields)
    {
        var meta = obj["metadata"] as JsonObject;
        var objectLabels = meta?["labels"] as JsonObject;
        foreach (var (key, value) in labels)
        {
            if (objectLabels?[key]?.GetValue<string>() != value)
            {
                return false;
            }
        }

        foreach (var (key, value) in fields)
        {
            var actual = key switch
            {
                "metadata.name" => meta?["name"]?.GetValue<string>(),
                "metadata.namespace" => meta?["namespace"]?.GetValue<string>(),
                _ => throw new BadHttpRequestException($"field selector {key} is not supported"),
            };
            if (actual != value)
            {
                return false;
            }
        }

        return true;
    }

    private static JsonNode? MergePatch(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var existing = result[name];
                result.Remove(name);
                result[name] = MergePatch(existing?.DeepClone(), value);
            }
        }

        return result;
    }

    private static JsonObject JsonPatch(JsonObject target, JsonArray operations)
    {
        foreach (var node in operations)
        {
            var op = node?["op"]?.GetValue<string>();
            var path = node?["path"]?.GetValue<string>() ?? throw new InvalidOperationException("a JSON patch operation needs a path");
            var tokens = path.Split('/').Skip(1).Select(t => t.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
            if (tokens.Length == 0)
            {
                throw new InvalidOperationException("patching the whole document is not supported");
            }

            var parent = (JsonNode)target;
            for (var i = 0; i < tokens.Length - 1; i++)
            {
                parent = Child(parent, tokens[i]) ?? throw new InvalidOperationException($"path {path} does not exist");
            }

            var last = tokens[^1];
            var value = node?["value"]?.DeepClone();
            switch (op)
            {
                case "add" or "replace":
                    if (parent is JsonObject parentObject)
                    {
                        if (op == "replace" && !parentObject.ContainsKey(last))
                        {
                            throw new InvalidOperationException($"path {path} does not exist");
                        }

                        parentObject[last] = value;
                    }
                    else if (parent is JsonArray parentArray)
                    {
                        if (last == "-")
                        {
                            parentArray.Add(value);
                        }
                        else
                        {
                            var index = int.Parse(last, CultureInfo.InvariantCulture);
                            if (op == "replace")
                            {
                                parentArray[index] = value;
                            }
                            else
                            {
                                parentArray.Insert(index, value);
                            }
                        }
                    }

                    break;
                case "remove":
                    if (parent is JsonObject removeFrom)
                    {
                        if (!removeFrom.Remove(last))
                        {
                            throw new InvalidOperationException($"path {path} does not exist");
                        }
                    }
                    else if (parent is JsonArray removeAt)
                    {
                        removeAt.RemoveAt(int.Parse(last, CultureInfo.InvariantCulture));
                    }

                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Child(parent, last), value))
                    {
                        throw new InvalidOperationException($"test failed at {path}");
                    }

                    break;
                default:
                    throw new InvalidOperationException($"JSON patch op \"{op}\" is not supported");
            }
        }

        return target;
    }

    private static JsonNode? Child(JsonNode parent, string token) => parent switch
    {
        JsonObject obj => obj[token],
        JsonArray array => array[int.Parse(token, CultureInfo.InvariantCulture)],
        _ => null,
    };

    private static async Task<JsonObject?> ReadBodyAsync(HttpContext context)
    {
        try
        {
            return await JsonSerializer.DeserializeAsync<JsonObject>(context.Request.Body, cancellationToken: context.RequestAborted).ConfigureAwait(false);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Task WriteNotFoundAsync(HttpContext context, Route route) =>
        WriteStatusAsync(context, HttpStatusCode.NotFound, "NotFound", $"{route.Resource} \"{route.Name}\" not found");

    private static JsonObject StatusObject(HttpStatusCode code, string reason, string message) => new()
    {
        ["apiVersion"] = "v1",
        ["kind"] = "Status",
        ["metadata"] = new JsonObject(),
        ["status"] = code is HttpStatusCode.OK or HttpStatusCode.Created ? "Success" : "Failure",
        ["message"] = message,
        ["reason"] = reason,
        ["code"] = (int)code,
    };

    private static Task WriteStatusAsync(HttpContext context, HttpStatusCode code, string reason, string message) =>
        WriteJsonAsync(context, code, StatusObject(code, reason, message));

    private static async Task WriteJsonAsync(HttpContext context, HttpStatusCode code, JsonObject body)
    {
        context.Response.StatusCode = (int)code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(body.ToJsonString(), context.RequestAborted).ConfigureAwait(false);
    }

    private static bool TryParsePath(string path, out Route route)
    {
        route = default;
        var segments = path.Trim('/').Split('/');
        int i;
        string group;
        string version;
        if (segments.Length >= 2 && segments[0] == "api")
        {
            (group, version, i) = ("", segments[1], 2);
        }
        else if (segments.Length >= 3 && segments[0] == "apis")
        {
            (group, version, i) = (segments[1], segments[2], 3);
        }
        else
        {
            return false;
        }

        string? ns = null;
        if (segments.Length > i + 1 && segments[i] == "namespaces")
        {
            ns = segments[i + 1];
            i += 2;
        }

        string? resource = null;
        foreach (var (key, type) in Types)
        {
            if (segments.Length > i && type.Plural == segments[i] && type.Group == group && type.Version == version)
            {
                resource = key;
            }
        }

        if (resource is null)
        {
            return false;
        }

        var name = segments.Length > i + 1 ? segments[i + 1] : null;
        var subresource = segments.Length > i + 2 ? segments[i + 2] : null;
        if (segments.Length > i + 3 || (name is not null && ns is null))
        {
            return false;
        }

        route = new Route(resource, ns, name, subresource);
        return true;
    }

    private readonly record struct Route(string Resource, string? Namespace, string? Name, string? Subresource);

    private sealed record ResourceType(string Group, string Version, string Plural, string Kind, bool HasStatus);

    private sealed record Watcher(
        string Resource,
        string? Namespace,
        Dictionary<string, string> Labels,
        Dictionary<string, string> Fields,
        Channel<string> Events)
    {
        public bool Wants(string resource, JsonObject obj) =>
            resource == Resource
            && (Namespace is null || (obj["metadata"] as JsonObject)?["namespace"]?.GetValue<string>() == Namespace)
            && Matches(obj, Labels, Fields);
    }
}
