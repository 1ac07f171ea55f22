using System.Text.Json.Nodes;

namespace InferenceGateway.Api.Schema;

internal enum SchemaType
{
    Object,
    Array,
    String,
    Integer,
    Number,
    Boolean,
}

/// <summary>
/// One node of a structural OpenAPI v3 schema (the subset CRDs allow), plus the few checks that live in code
/// (formats such as RFC 1123 names). Built from the C# types by <see cref="SchemaBuilder"/>.
/// </summary>
internal sealed record SchemaNode
{
    public SchemaType Type { get; init; }

    public SchemaFormat Format { get; init; }

    public string? Description { get; init; }

    /// <summary>Object properties in declaration order.</summary>
    public IReadOnlyList<KeyValuePair<string, SchemaNode>> Properties { get; init; } = [];

    public IReadOnlyList<string> Required { get; init; } = [];

    /// <summary>Item schema of an array.</summary>
    public SchemaNode? Items { get; init; }

    /// <summary>Value schema of a map (object with arbitrary keys).</summary>
    public SchemaNode? AdditionalProperties { get; init; }

    /// <summary>Rules on the keys of a map; checked by the validator, emitted as a CEL rule in the CRD.</summary>
    public SchemaNode? MapKeys { get; init; }

    /// <summary>Unknown properties are accepted and left as they are.</summary>
    public bool PreserveUnknownFields { get; init; }

    /// <summary>Root metadata: validated here in full, but a CRD may only say `type: object` for it.</summary>
    public bool IsObjectMeta { get; init; }

    public long? MinLength { get; init; }

    public long? MaxLength { get; init; }

    public string? Pattern { get; init; }

    public IReadOnlyList<string>? Enum { get; init; }

    public long? Minimum { get; init; }

    public long? Maximum { get; init; }

    public long? MinItems { get; init; }

    public long? MaxItems { get; init; }

    public JsonNode? Default { get; init; }

    /// <summary>Upper bound on the summed UTF-8 size of a map's keys and values.</summary>
    public long? MaxTotalBytes { get; init; }

    /// <summary>Fewest entries of a map (minProperties).</summary>
    public long? MinProperties { get; init; }

    /// <summary>Most entries of a map (maxProperties).</summary>
    public long? MaxProperties { get; init; }

    /// <summary>Cross-field rules (CEL `x-kubernetes-validations` in the CRD), checked after the node's own rules.</summary>
    public IReadOnlyList<CrossFieldRuleAttribute> Rules { get; init; } = [];

    public SchemaNode? FindProperty(string name)
    {
        foreach (var (key, value) in Properties)
        {
            if (key == name)
            {
                return value;
            }
        }

        return null;
    }
}
