using System.Text.Json;
using System.Text.Json.Nodes;
using InferenceGateway.Api.Core;
using InferenceGateway.Api.Local;
using InferenceGateway.Api.Meta;
using InferenceGateway.Api.V1Alpha1;
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
}

/// <summary>
/// Reads multi-document YAML or JSON manifests into typed resources: InferencePool, InferenceModel, v1 Pod and
/// the StaticEndpoints shorthand. A document with errors is reported and left out of the result.
/// </summary>
public static class ManifestReader
{
    private static readonly JsonSerializerOptions SerializerOptions = new()
    {
        PropertyNameCaseInsensitive = false,
    };

    /// <summary>Reads a file. Throws IOException (or UnauthorizedAccessException) when it cannot be read.</summary>
    public static ManifestReadResult ReadFile(string path) => Read(File.ReadAllText(path), path);

    public static ManifestReadResult Read(string text, string source)
    {
        IReadOnlyList<JsonNode?> nodes;
        try
        {
            nodes = YamlJson.ParseDocuments(text);
        }
        catch (YamlException e)
        {
            return new([], [new ManifestError(source, 0, null, null, "", $"invalid YAML at line {e.Start.Line}, column {e.Start.Column}: {e.Message}")]);
        }

        var documents = new List<ManifestDocument>();
        var errors = new List<ManifestError>();
        for (var i = 0; i < nodes.Count; i++)
        {
            if (nodes[i] is null)
            {
                continue; // empty document, e.g. a trailing "---"
            }

            ReadDocument(nodes[i]!, source, i, documents, errors);
        }

        return new(documents, errors);
    }

    private static void ReadDocument(JsonNode node, string source, int index, List<ManifestDocument> documents, List<ManifestError> errors)
    {
        if (node is not JsonObject obj)
        {
            errors.Add(new(source, index, null, null, "", "a manifest must be an object with apiVersion, kind and metadata"));
            return;
        }

        var apiVersion = (obj["apiVersion"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? obj["apiVersion"]!.GetValue<string>() : null;
        var kind = (obj["kind"] as JsonValue)?.GetValueKind() == JsonValueKind.String ? obj["kind"]!.GetValue<string>() : null;
        var name = (obj["metadata"] as JsonObject)?["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>() : null;
        if (apiVersion is null)
        {
            errors.Add(new(source, index, kind, name, "apiVersion", "Required value: apiVersion must be set"));
            return;
        }

        if (kind is null)
        {
            errors.Add(new(source, index, null, name, "kind", "Required value: kind must be set"));
            return;
        }

        var type = (apiVersion, kind) switch
        {
            (InferenceModel.GroupVersion, InferenceModel.KindName) => typeof(InferenceModel),
            (InferencePool.GroupVersion, InferencePool.KindName) => typeof(InferencePool),
            (Pod.GroupVersion, Pod.KindName) => typeof(Pod),
            (StaticEndpoints.GroupVersion, StaticEndpoints.KindName) => typeof(StaticEndpoints),
            _ => null,
        };
        if (type is null)
        {
            errors.Add(new(source, index, kind, name, "", $"no matches for kind \"{kind}\" in version \"{apiVersion}\""));
            return;
        }

        try
        {
            var resource = (KubernetesObject)obj.Deserialize(type, SerializerOptions)!;
            documents.Add(new(source, index, resource));
        }
        catch (JsonException e)
        {
            errors.Add(new(source, index, kind, name, e.Path?.TrimStart('$', '.') ?? "", e.Message));
        }
    }
}
