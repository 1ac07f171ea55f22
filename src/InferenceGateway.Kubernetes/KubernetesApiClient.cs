using System.Net;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using k8s;

namespace InferenceGateway.Kubernetes;

/// <summary>A list, get or patch the API server refused (the Status it sent, when it sent one).</summary>
public sealed class KubernetesApiException(HttpStatusCode statusCode, string message) : Exception(message)
{
    public HttpStatusCode StatusCode { get; } = statusCode;
}

/// <summary>One line of a watch stream.</summary>
internal readonly record struct WatchEvent(string Type, JsonElement Object);

/// <summary>A list: its items (raw) and the resourceVersion to watch from.</summary>
internal sealed record ListResult(IReadOnlyList<JsonElement> Items, string ResourceVersion);

/// <summary>
/// The few REST calls the source needs (list, watch, status patch, create for reviews and events, event patch), over the connection KubernetesClient sets up
/// from the kubeconfig or the in-cluster service account (TLS, client certificates, CA, token refresh). The typed
/// client is also exposed for the lease lock. Our own resource types are decoded with System.Text.Json directly,
/// so the watch stream is read line by line exactly as the API server sends it.
/// </summary>
internal sealed class KubernetesApiClient : IDisposable
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.General)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    private const string WatchTimeoutSeconds = "480";

    private static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(30);

    private readonly k8s.Kubernetes _client;
    private readonly HttpMessageInvoker _http;
    private readonly Uri _baseUri;

    private readonly string _userAgent;

    /// <param name="identity">Sent in the User-Agent ("inference-gateway/&lt;identity&gt;") so audit logs show which replica wrote.</param>
    public KubernetesApiClient(KubernetesClientConfiguration configuration, string identity = "epp")
    {
        _userAgent = $"inference-gateway/{identity}";
        ArgumentNullException.ThrowIfNull(configuration);
        // Our handler sits in the client's pipeline; sending through it reuses the client's TLS setup without
        // HttpClient's overall timeout (a watch stays open for minutes).
        var entry = new PassThroughHandler();
        _client = new k8s.Kubernetes(configuration, entry);
        _http = new HttpMessageInvoker(entry, disposeHandler: false);
        var host = _client.BaseUri.ToString();
        _baseUri = new Uri(host.EndsWith('/') ? host : host + "/");
    }

    /// <summary>Builds the client configuration: the kubeconfig file when given, else the in-cluster service account.</summary>
    public static KubernetesClientConfiguration LoadConfiguration(string? kubeconfigPath, string? context) =>
        kubeconfigPath is null
            ? KubernetesClientConfiguration.InClusterConfig()
            : KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath, context);

    public IKubernetes Typed => _client;

    public async Task<ListResult> ListAsync(string collectionPath, string? labelSelector, string? fieldSelector, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(collectionPath, labelSelector, fieldSelector, watch: false, null));
        using var document = await SendForJsonAsync(request, cancellationToken).ConfigureAwait(false);
        var root = document.RootElement;
        var version = root.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv) ? rv.GetString() : null;
        if (string.IsNullOrEmpty(version))
        {
            throw new KubernetesApiException(HttpStatusCode.OK, $"the list of {collectionPath} has no metadata.resourceVersion");
        }

        var items = new List<JsonElement>();
        if (root.TryGetProperty("items", out var array) && array.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in array.EnumerateArray())
            {
                items.Add(item.Clone());
            }
        }

        return new ListResult(items, version);
    }

    /// <summary>Streams watch events from <paramref name="resourceVersion"/> until the server ends the response.</summary>
    public async IAsyncEnumerable<WatchEvent> WatchAsync(
        string collectionPath, string? labelSelector, string? fieldSelector, string resourceVersion,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, Url(collectionPath, labelSelector, fieldSelector, watch: true, resourceVersion));
        using var response = await SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(body, Encoding.UTF8);
        while (await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var document = JsonDocument.Parse(line);
            var root = document.RootElement;
            var type = root.TryGetProperty("type", out var t) ? t.GetString() ?? "" : "";
            var obj = root.TryGetProperty("object", out var o) ? o.Clone() : default;
            yield return new WatchEvent(type, obj);
        }
    }

    /// <summary>JSON merge patch of the status subresource; returns the updated object's resourceVersion.</summary>
    public Task<string?> PatchStatusAsync(string objectPath, string mergePatchJson, CancellationToken cancellationToken) =>
        PatchAsync(objectPath + "/status", mergePatchJson, cancellationToken);

    /// <summary>JSON merge patch of an object (e.g. an Event's series); returns the updated object's resourceVersion.</summary>
    public async Task<string?> PatchAsync(string objectPath, string mergePatchJson, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Patch, new Uri(_baseUri, objectPath))
        {
            Content = new StringContent(mergePatchJson, Encoding.UTF8, "application/merge-patch+json"),
        };
        using var document = await SendForJsonAsync(request, cancellationToken).ConfigureAwait(false);
        return document.RootElement.TryGetProperty("metadata", out var meta) && meta.TryGetProperty("resourceVersion", out var rv)
            ? rv.GetString()
            : null;
    }

    /// <summary>POSTs a JSON object to a collection (e.g. a TokenReview) and returns the object the server sent back.</summary>
    public async Task<JsonElement> CreateAsync(string collectionPath, string json, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_baseUri, collectionPath))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        using var document = await SendForJsonAsync(request, cancellationToken).ConfigureAwait(false);
        return document.RootElement.Clone();
    }

    public void Dispose()
    {
        _http.Dispose();
        _client.Dispose();
    }

    /// <summary>A request/response call (not a watch): bounded by <see cref="RequestTimeout"/>, the body parsed as JSON.</summary>
    private async Task<JsonDocument> SendForJsonAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(RequestTimeout);
        using var response = await SendAsync(request, timeout.Token).ConfigureAwait(false);
        await EnsureSuccessAsync(response, timeout.Token).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(timeout.Token).ConfigureAwait(false);
        return await JsonDocument.ParseAsync(body, cancellationToken: timeout.Token).ConfigureAwait(false);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.Accept.ParseAdd("application/json");
        request.Headers.UserAgent.Clear();
        request.Headers.TryAddWithoutValidation("User-Agent", _userAgent);
        if (_client.Credentials is { } credentials)
        {
            await credentials.ProcessHttpRequestAsync(request, cancellationToken).ConfigureAwait(false);
        }

        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private Uri Url(string collectionPath, string? labelSelector, string? fieldSelector, bool watch, string? resourceVersion)
    {
        var query = new StringBuilder();
        void Add(string name, string value) =>
            query.Append(query.Length == 0 ? '?' : '&').Append(name).Append('=').Append(Uri.EscapeDataString(value));
        if (!string.IsNullOrEmpty(labelSelector))
        {
            Add("labelSelector", labelSelector);
        }

        if (!string.IsNullOrEmpty(fieldSelector))
        {
            Add("fieldSelector", fieldSelector);
        }

        if (watch)
        {
            Add("watch", "true");
            Add("allowWatchBookmarks", "true");
            Add("resourceVersion", resourceVersion ?? "0");
            // The server ends the watch after a while and the informer resumes from the last resourceVersion; this
            // keeps a half-dead connection from hiding changes forever.
            Add("timeoutSeconds", WatchTimeoutSeconds);
        }

        return new Uri(_baseUri, collectionPath + query);
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var message = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            using var status = JsonDocument.Parse(text);
            if (status.RootElement.TryGetProperty("message", out var m) && m.GetString() is { Length: > 0 } detail)
            {
                message = $"{message}: {detail}";
            }
        }
        catch (JsonException)
        {
            // Not a Status object; the status line says enough.
        }

        throw new KubernetesApiException(response.StatusCode, message);
    }

    private sealed class PassThroughHandler : DelegatingHandler;
}
