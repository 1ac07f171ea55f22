using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using InferenceGateway.Api.Meta;

namespace InferenceGateway.Api.Schema;

/// <summary>
/// Builds the <see cref="SchemaNode"/> of a resource type from its C# properties and their marker attributes.
/// The one source of the schema: the validator and the CRD generator both read it.
/// </summary>
internal static class SchemaBuilder
{
    private static readonly ConcurrentDictionary<Type, SchemaNode> Cache = new();

    public static SchemaNode For(Type type) => Cache.GetOrAdd(type, static t => BuildObject(t));

    public static SchemaNode For<T>() => For(typeof(T));

    private static SchemaNode BuildObject(Type type)
    {
        var properties = new List<KeyValuePair<string, SchemaNode>>();
        var required = new List<string>();
        foreach (var property in OrderedProperties(type))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is null || property.GetCustomAttribute<JsonIgnoreAttribute>() is not null)
            {
                continue;
            }

            properties.Add(new(name, BuildProperty(property)));
            if (property.GetCustomAttribute<RequiredAttribute>() is not null)
            {
                required.Add(name);
            }
        }

        return new SchemaNode
        {
            Type = SchemaType.Object,
            Description = type.GetCustomAttribute<DocAttribute>()?.Text,
            Properties = properties,
            Required = required,
            PreserveUnknownFields = type.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null,
            IsObjectMeta = type == typeof(ObjectMeta),
            Rules = [.. type.GetCustomAttributes<CrossFieldRuleAttribute>(inherit: false)],
        };
    }

    /// <summary>Base class properties first, each class in declaration order (reflection order is unspecified).</summary>
    private static IEnumerable<PropertyInfo> OrderedProperties(Type type)
    {
        var chain = new Stack<Type>();
        for (var t = type; t is not null && t != typeof(object); t = t.BaseType)
        {
            chain.Push(t);
        }

        foreach (var t in chain)
        {
            var declared = t.GetProperties(BindingFlags.Public | BindingFlags.Instance | BindingFlags.DeclaredOnly);
            Array.Sort(declared, static (a, b) => a.MetadataToken.CompareTo(b.MetadataToken));
            foreach (var property in declared)
            {
                yield return property;
            }
        }
    }

    private static SchemaNode BuildProperty(PropertyInfo property)
    {
        var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var node = BuildType(type);
        var format = property.GetCustomAttribute<FormatAttribute>()?.Value;
        if (node.Type == SchemaType.Array)
        {
            if (format is { } itemFormat)
            {
                node = node with { Items = node.Items! with { Format = itemFormat } };
            }

            node = node with
            {
                MinItems = property.GetCustomAttribute<MinItemsAttribute>()?.Value,
                MaxItems = property.GetCustomAttribute<MaxItemsAttribute>()?.Value,
            };
        }
        else if (node.AdditionalProperties is { } values)
        {
            if (property.GetCustomAttribute<MapKeysAttribute>() is { } keys)
            {
                node = node with
                {
                    MapKeys = new SchemaNode
                    {
                        Type = SchemaType.String,
                        MinLength = keys.MinLength > 0 ? keys.MinLength : null,
                        MaxLength = keys.MaxLength > 0 ? keys.MaxLength : null,
                        Pattern = keys.Pattern,
                        Format = keys.Format,
                    },
                };
            }

            if (property.GetCustomAttribute<MapValuesAttribute>() is { } rules)
            {
                node = node with
                {
                    AdditionalProperties = values with
                    {
                        MaxLength = rules.MaxLength > 0 ? rules.MaxLength : null,
                        Pattern = rules.Pattern,
                        Format = rules.Format,
                    },
                };
            }

            node = node with
            {
                MaxTotalBytes = property.GetCustomAttribute<MaxTotalBytesAttribute>()?.Value,
                MinProperties = property.GetCustomAttribute<MinItemsAttribute>()?.Value,
                MaxProperties = property.GetCustomAttribute<MaxItemsAttribute>()?.Value,
            };
        }
        else
        {
            node = node with
            {
                Format = format ?? node.Format,
                MinLength = property.GetCustomAttribute<MinLengthAttribute>()?.Value,
                MaxLength = property.GetCustomAttribute<MaxLengthAttribute>()?.Value,
                Pattern = property.GetCustomAttribute<PatternAttribute>()?.Value,
                Minimum = property.GetCustomAttribute<MinimumAttribute>()?.Value,
                Maximum = property.GetCustomAttribute<MaximumAttribute>()?.Value,
                Enum = property.GetCustomAttribute<EnumValuesAttribute>()?.Values ?? node.Enum,
            };
        }

        return node with
        {
            Description = property.GetCustomAttribute<DocAttribute>()?.Text ?? node.Description,
            Default = property.GetCustomAttribute<DefaultAttribute>()?.Value switch
            {
                null => null,
                string s => JsonValue.Create(s),
                int i => JsonValue.Create((long)i),
                long l => JsonValue.Create(l),
                bool b => JsonValue.Create(b),
                var other => throw new InvalidOperationException($"unsupported default {other} on {property.DeclaringType?.Name}.{property.Name}"),
            },
            PreserveUnknownFields = node.PreserveUnknownFields || property.GetCustomAttribute<PreserveUnknownFieldsAttribute>() is not null,
            Rules = [.. node.Rules, .. property.GetCustomAttributes<CrossFieldRuleAttribute>(inherit: false)],
        };
    }

    private static SchemaNode BuildType(Type type)
    {
        if (type == typeof(string))
        {
            return new SchemaNode { Type = SchemaType.String };
        }

        if (type == typeof(int))
        {
            return new SchemaNode { Type = SchemaType.Integer, Format = SchemaFormat.Int32 };
        }

        if (type == typeof(long))
        {
            return new SchemaNode { Type = SchemaType.Integer, Format = SchemaFormat.Int64 };
        }

        if (type == typeof(bool))
        {
            return new SchemaNode { Type = SchemaType.Boolean };
        }

        if (type == typeof(double))
        {
            return new SchemaNode { Type = SchemaType.Number };
        }

        if (type == typeof(DateTimeOffset))
        {
            return new SchemaNode { Type = SchemaType.String, Format = SchemaFormat.DateTime };
        }

        if (type.IsEnum)
        {
            return new SchemaNode { Type = SchemaType.String, Enum = Enum.GetNames(type) };
        }

        if (typeof(JsonNode).IsAssignableFrom(type))
        {
            return new SchemaNode { Type = SchemaType.Object, PreserveUnknownFields = true };
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            if (definition == typeof(List<>) || definition == typeof(IReadOnlyList<>) || definition == typeof(IList<>))
            {
                return new SchemaNode { Type = SchemaType.Array, Items = BuildType(arguments[0]) };
            }

            if ((definition == typeof(Dictionary<,>) || definition == typeof(IReadOnlyDictionary<,>)) && arguments[0] == typeof(string))
            {
                return new SchemaNode { Type = SchemaType.Object, AdditionalProperties = BuildType(arguments[1]) };
            }
        }

        if (type.IsClass)
        {
            return For(type);
        }

        throw new InvalidOperationException($"no schema mapping for {type}");
    }
}
