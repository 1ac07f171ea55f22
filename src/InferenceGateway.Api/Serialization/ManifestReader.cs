using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.Schema;
using YamlDotNet.Core;

namespace InferenceGateway.Api.Serialization;

/// <summary>One problem in one document, worded as kubectl users know it.</summary>
/// <param name="DocumentIndex">0-based position of the document in its file.</param>
/// <param name="FieldPath">e.g. spec.targetModels[3].weight; empty for whole-document errors.</param>
public sealed record ManifestError(string Source, int DocumentIndex, string? Kind, string? Name, string FieldPath, string Message)
{
    public override string ToString()
    {
        var what = Kind is null ? $"document {DocumentIndex + 1}" : $"document {DocumentIndex + 1} ({Kind} {Name ?? "<unnamed>"})";
        return FieldPath.Length == 0 ? $"{Source}: {what}: {Message}" : $"{Source}: {what}: {FieldPath}: {Message}";
    }
}

/// <summary>A document that was read, defaulted and validated.</summary>
public sealed record ManifestDocument(string Source, int DocumentIndex, KubernetesObject Object);

public sealed record ManifestReadResult(IReadOnlyList<ManifestDocument> Documents, IReadOnlyList<ManifestError> Errors)
{
    public bool IsValid => Errors.Count == 0;

    /// <summary>How many documents the input held (valid or not; empty documents do not count).</summary>
    public int DocumentCount { get; init; }
}

/// <summary>
/// Reads multi-document YAML or JSON manifests into typed resources: InferencePool (x-k8s.io v1alpha1 and v1alpha2,
/// k8s.io v1), InferenceModel (v1alpha1, v1alpha2), InferenceObjective, InferenceModelRewrite, v1 Pod and the
/// StaticEndpoints shorthand (also wrapped in a `v1 List` or an `XxxList`, as `kubectl get -o yaml` prints
/// several objects). Each document is checked like the API server checks a create with strict field validation:
/// apiVersion/kind known, no unknown fields, right types, then defaults and every rule of the schema. A document
/// with errors is reported (all its errors) and left out of the result.
/// </summary>
public static class ManifestReader
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Reads a file. Throws IOException (or UnauthorizedAccessException) when it cannot be read, including
    /// when it is not UTF-8 text.
    /// </summary>
    public static ManifestReadResult ReadFile(string path) => Read(ReadText(path), path);

    /// <summary>The file's text, strictly decoded as UTF-8 (a BOM is dropped).</summary>
    public static string ReadText(string path)
    {
        var bytes = File.ReadAllBytes(path);
        string text;
        try
        {
            text = StrictUtf8.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            throw new IOException($"{path}: not UTF-8 text");
        }

        if (text.Contains('\0'))
        {
            throw new IOException($"{path}: not a text file (contains NUL bytes)");
        }

        return text.Length > 0 && text[0] == '\uFEFF' ? text[1..] : text;
    }

    public static ManifestReadResult Read(string text, string source)
    {
        IReadOnlyList<JsonNode?> nodes;
        try
        {
            nodes = YamlJson.ParseDocuments(text);
        }
        catch (YamlException e)
        {
            return new([], [new ManifestError(source, 0, null, null, "", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}")]) { DocumentCount = 1 };
        }

        var documents = new List<ManifestDocument>();
        var errors = new List<ManifestError>();
        var count = 0;
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is null)
            {
                continue; // empty document, e.g. a trailing "---"
            }

            count++;
            ReadDocument(nodes[i]!, source, i, "", documents, errors);
        }

        return new(documents, errors) { DocumentCount = count };
    }

    private static void ReadDocument(JsonNode node, string source, int index, string path, List<ManifestDocument> documents, List<ManifestError> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add(new(source, index, null, null, path, "a manifest must be an object with apiVersion, kind and metadata"));
            return;
        }

        var apiVersion = StringField(obj, "apiVersion");
        var kind = StringField(obj, "kind");
        var name = (obj["metadata"] as JsonObject)?["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null;
        var missing = false;
        foreach (var (field, value) in new[] { ("apiVersion", apiVersion), ("kind", kind) })
        {
            if (value is null)
            {
                var fieldPath = Join(path, field);
                var message = obj[field] is null
                    ? $"Required value: {field} not set"
                    : $"Invalid value: \"{SchemaValidator.TypeName(obj[field])}\": {fieldPath} in body must be of type string: \"{SchemaValidator.TypeName(obj[field])}\"";
                errors.Add(new(source, index, kind, name, fieldPath, message));
                missing = true;
            }
        }

        if (missing)
        {
            return;
        }

        if (IsList(apiVersion!, kind!, out var itemKind))
        {
            ReadList(obj, source, index, path, kind!, itemKind, documents, errors);
            return;
        }

        var resourceKind = ResourceKinds.Find(apiVersion!, kind!);
        if (resourceKind is null)
        {
            errors.Add(new(source, index, kind, name, path, $"no matches for kind \"{kind}\" in version \"{apiVersion}\""));
            return;
        }

        var fieldErrors = new List<FieldError>();
        SchemaValidator.Validate(obj, resourceKind.Schema, path, fieldErrors);
        if (fieldErrors.Count > 0)
        {
            foreach (var error in fieldErrors)
            {
                errors.Add(new(source, index, kind, name, error.Path, error.Message));
            }

            return;
        }

        try
        {
            var resource = (KubernetesObject)obj.Deserialize(resourceKind.ClrType, KubernetesJson.Options)!;
            documents.Add(new(source, index, resource));
        }
        catch (JsonException e)
        {
            // The schema mirrors the types, so this means the two disagree: report rather than crash.
            errors.Add(new(source, index, kind, name, e.Path?.TrimStart('$', '.') ?? path, e.Message));
        }
    }

    /// <summary>`v1 List` holds any kinds; `InferenceModelList` etc. hold their own kind.</summary>
    private static bool IsList(string apiVersion, string kind, out ResourceKind? itemKind)
    {
        itemKind = null;
        if (apiVersion == "v1" && kind == "List")
        {
            return true;
        }

        if (kind.EndsWith("List", StringComparison.Ordinal))
        {
            itemKind = ResourceKinds.Find(apiVersion, kind[..^4]);
            return itemKind is not null;
        }

        return false;
    }

    private static void ReadList(JsonObject obj, string source, int index, string path, string kind, ResourceKind? itemKind, List<ManifestDocument> documents, List<ManifestError> errors)
    {
        var itemsPath = Join(path, "items");
        if (obj["items"] is not JsonArray items)
        {
            var actual = SchemaValidator.TypeName(obj["items"]);
            errors.Add(new(source, index, kind, null, itemsPath, obj["items"] is null
                ? "Required value"
                : $"Invalid value: \"{actual}\": {itemsPath} in body must be of type array: \"{actual}\""));
            return;
        }

        foreach (var (key, _) in obj)
        {
            if (key is not ("apiVersion" or "kind" or "metadata" or "items"))
            {
                errors.Add(new(source, index, kind, null, Join(path, key), $"unknown field \"{Join(path, key)}\""));
            }
        }

        for (var i = 0; i < items.Count; i++)
        {
            var item = items[i];
            var itemPath = $"{itemsPath}[{i}]";
            if (itemKind is not null && item is JsonObject itemObject)
            {
                // Items of a typed list may leave out apiVersion and kind, as the API server returns them.
                itemObject["apiVersion"] ??= itemKind.ApiVersion;
                itemObject["kind"] ??= itemKind.Kind;
                if (StringField(itemObject, "kind") is { } actualKind && actualKind != itemKind.Kind)
                {
                    errors.Add(new(source, index, actualKind, null, Join(itemPath, "kind"), $"Invalid value: \"{actualKind}\": items of a {kind} must be {itemKind.Kind}"));
                    continue;
                }
            }

            if (item is null)
            {
                errors.Add(new(source, index, kind, null, itemPath, $"Invalid value: \"null\": {itemPath} in body must be of type object: \"null\""));
                continue;
            }

            ReadDocument(item, source, index, itemPath, documents, errors);
        }
    }

    private static string? StringField(JsonObject obj, string name) =>
        obj[name] is JsonValue value && value.GetValueKind() == JsonValueKind.String ? value.GetValue<string>() : null;

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;
}
