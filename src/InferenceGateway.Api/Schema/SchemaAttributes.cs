namespace InferenceGateway.Api.Schema;

// The validation markers of the resource types, in the spirit of kubebuilder's `+kubebuilder:validation:*`
// markers. They are read once into a SchemaNode tree (SchemaBuilder) that drives both the manifest validator
// and the CRD generator, so the two cannot drift apart.

/// <summary>The field must be present (kubebuilder:validation:Required).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class RequiredAttribute : Attribute;

[AttributeUsage(AttributeTargets.Property)]
internal sealed class MaxLengthAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
internal sealed class MinLengthAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>ECMA-262 pattern the whole string must match (anchors included in the pattern).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class PatternAttribute(string value) : Attribute
{
    public string Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
internal sealed class MinimumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
internal sealed class MaximumAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
internal sealed class MinItemsAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

[AttributeUsage(AttributeTargets.Property)]
internal sealed class MaxItemsAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}

/// <summary>Allowed values of a string field (C# enums get theirs from the enum's names instead).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class EnumValuesAttribute(params string[] values) : Attribute
{
    public IReadOnlyList<string> Values { get; } = values;
}

/// <summary>Value the API server (and ManifestReader) fills in when the field is absent or null.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class DefaultAttribute(object value) : Attribute
{
    public object Value { get; } = value;
}

/// <summary>A format with a checker in <see cref="SchemaValidator"/>; for array properties it applies to the items.</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class FormatAttribute(SchemaFormat value) : Attribute
{
    public SchemaFormat Value { get; } = value;
}

/// <summary>Rules for the keys of a map (Dictionary) property. Zero means "no limit".</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class MapKeysAttribute : Attribute
{
    public long MinLength { get; init; }

    public long MaxLength { get; init; }

    public string? Pattern { get; init; }

    public SchemaFormat Format { get; init; }
}

/// <summary>Rules for the values of a map (Dictionary) property. Zero means "no limit".</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class MapValuesAttribute : Attribute
{
    public long MaxLength { get; init; }

    public string? Pattern { get; init; }

    public SchemaFormat Format { get; init; }
}

/// <summary>Human description, emitted into the CRD schema.</summary>
[AttributeUsage(AttributeTargets.Property | AttributeTargets.Class)]
internal sealed class DocAttribute(string text) : Attribute
{
    public string Text { get; } = text;
}

/// <summary>Fields not declared on the type are accepted and ignored (real v1 Pod manifests carry many).</summary>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Property)]
internal sealed class PreserveUnknownFieldsAttribute : Attribute;

internal enum SchemaFormat
{
    None,
    Int32,
    Int64,
    DateTime,

    /// <summary>metadata.name: RFC 1123 subdomain, at most 253.</summary>
    Dns1123Subdomain,

    /// <summary>metadata.namespace: RFC 1123 label, at most 63.</summary>
    Dns1123Label,

    /// <summary>Label or annotation key: [prefix/]name.</summary>
    QualifiedName,

    /// <summary>Annotation key: a qualified name checked case-insensitively (the API server lower-cases it first).</summary>
    AnnotationKey,

    /// <summary>Label value: empty or at most 63 alphanumerics, '-', '_', '.'.</summary>
    LabelValue,

    /// <summary>An IPv4 or IPv6 address.</summary>
    IP,

    /// <summary>host:port, ip:port or [ipv6]:port with a port 1..65535.</summary>
    HostPort,
}

/// <summary>Upper bound on the summed size of a map's keys and values (metadata.annotations: 256 KiB).</summary>
[AttributeUsage(AttributeTargets.Property)]
internal sealed class MaxTotalBytesAttribute(long value) : Attribute
{
    public long Value { get; } = value;
}
