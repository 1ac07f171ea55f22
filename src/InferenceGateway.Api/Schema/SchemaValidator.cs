using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace InferenceGateway.Api.Schema;

/// <summary>One violated rule: the field path (e.g. spec.targetModels[3].weight) and kubectl's wording.</summary>
internal sealed record FieldError(string Path, string Message);

/// <summary>
/// Validates a decoded JSON document against a <see cref="SchemaNode"/> the way the API server treats a custom
/// resource: nulls are pruned, defaults filled in, unknown fields rejected (strict decoding), then every rule is
/// checked and every violation collected.
/// </summary>
internal static partial class SchemaValidator
{
    private static readonly ConcurrentDictionary<string, Regex> Patterns = new();

    /// <summary>Defaults <paramref name="value"/> in place and appends every violation to <paramref name="errors"/>.</summary>
    public static void Validate(JsonNode? value, SchemaNode schema, string path, List<FieldError> errors)
    {
        var actual = TypeName(value);
        if (!Accepts(schema.Type, actual))
        {
            errors.Add(new(path, $"Invalid value: \"{actual}\": {path} in body must be of type {TypeName(schema.Type)}: \"{actual}\""));
            return;
        }

        switch (value)
        {
            case JsonObject obj when schema.AdditionalProperties is not null:
                ValidateMap(obj, schema, path, errors);
                break;
            case JsonObject obj:
                ValidateObject(obj, schema, path, errors);
                break;
            case JsonArray array:
                ValidateArray(array, schema, path, errors);
                break;
            case JsonValue scalar when actual == "string":
                ValidateString(scalar.GetValue<string>(), schema, path, path, errors);
                break;
            case JsonValue scalar when actual == "integer":
                ValidateInteger(scalar, schema, path, errors);
                break;
        }

        foreach (var rule in schema.Rules)
        {
            if (!rule.Holds(value!))
            {
                errors.Add(new(path, $"Invalid value: \"{actual}\": {rule.Message}"));
            }
        }
    }

    private static void ValidateObject(JsonObject obj, SchemaNode schema, string path, List<FieldError> errors)
    {
        // The API server prunes nulls of non-nullable fields before defaulting, so `field: null` (or `field:`
        // with nothing after it in YAML) reads like an absent field.
        List<string>? nulls = null;
        foreach (var (key, child) in obj)
        {
            if (child is null && schema.FindProperty(key) is not null)
            {
                (nulls ??= []).Add(key);
            }
        }

        if (nulls is not null)
        {
            foreach (var key in nulls)
            {
                obj.Remove(key);
            }
        }

        foreach (var (name, property) in schema.Properties)
        {
            if (!obj.ContainsKey(name) && property.Default is not null)
            {
                obj[name] = property.Default.DeepClone();
            }
        }

        foreach (var (key, child) in obj)
        {
            var childPath = Join(path, key);
            if (schema.FindProperty(key) is { } property)
            {
                Validate(child, property, childPath, errors);
            }
            else if (!schema.PreserveUnknownFields)
            {
                errors.Add(new(childPath, $"unknown field \"{childPath}\""));
            }
        }

        foreach (var name in schema.Required)
        {
            if (!obj.ContainsKey(name))
            {
                errors.Add(new(Join(path, name), "Required value"));
            }
        }
    }

    private static void ValidateMap(JsonObject obj, SchemaNode schema, string path, List<FieldError> errors)
    {
        var values = schema.AdditionalProperties!;
        long totalBytes = 0;
        foreach (var (key, child) in obj)
        {
            totalBytes += Encoding.UTF8.GetByteCount(key);
            if (schema.MapKeys is { } keys)
            {
                ValidateString(key, keys, path, path + " keys", errors);
            }

            var actual = TypeName(child);
            if (!Accepts(values.Type, actual))
            {
                var childPath = $"{path}[{key}]";
                errors.Add(new(childPath, $"Invalid value: \"{actual}\": {childPath} in body must be of type {TypeName(values.Type)}: \"{actual}\""));
                continue;
            }

            if (child is JsonValue scalar && actual == "string")
            {
                var text = scalar.GetValue<string>();
                totalBytes += Encoding.UTF8.GetByteCount(text);

                // Label-style values are reported on the map, as the API server does for metadata.labels.
                var valuePath = values.Format == SchemaFormat.None ? $"{path}[{key}]" : path;
                ValidateString(text, values, valuePath, valuePath, errors);
            }
            else
            {
                Validate(child, values, $"{path}[{key}]", errors);
            }
        }

        if (schema.MaxTotalBytes is { } max && totalBytes > max)
        {
            errors.Add(new(path, $"Too long: must have at most {max} bytes"));
        }

        if (schema.MaxProperties is { } maxEntries && obj.Count > maxEntries)
        {
            errors.Add(new(path, $"Too many: {obj.Count}: must have at most {maxEntries} items"));
        }

        if (schema.MinProperties is { } minEntries && obj.Count < minEntries)
        {
            errors.Add(new(path, $"Invalid value: {obj.Count}: {path} in body should have at least {minEntries} properties"));
        }
    }

    private static void ValidateArray(JsonArray array, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (schema.MaxItems is { } max && array.Count > max)
        {
            errors.Add(new(path, $"Too many: {array.Count}: must have at most {max} items"));
        }

        if (schema.MinItems is { } min && array.Count < min)
        {
            errors.Add(new(path, $"Invalid value: {array.Count}: {path} in body should have at least {min} items"));
        }

        for (var i = 0; i < array.Count; i++)
        {
            Validate(array[i], schema.Items!, $"{path}[{i}]", errors);
        }
    }

    /// <param name="subject">How the value is named inside the message ("spec.modelName", "spec.selector keys").</param>
    private static void ValidateString(string value, SchemaNode schema, string path, string subject, List<FieldError> errors)
    {
        var quoted = Quote(value);
        if (schema.Enum is { } allowed && !allowed.Contains(value))
        {
            errors.Add(new(path, $"Unsupported value: {quoted}: supported values: {string.Join(", ", allowed.Select(Quote))}"));
        }

        if (schema.MaxLength is { } max && RuneCount(value) > max)
        {
            errors.Add(new(path, $"Too long: may not be longer than {max}"));
        }

        if (schema.MinLength is { } min && RuneCount(value) < min)
        {
            errors.Add(new(path, $"Invalid value: {quoted}: {subject} in body should be at least {min} chars long"));
        }

        if (schema.Pattern is { } pattern && !Matches(pattern, value))
        {
            errors.Add(new(path, $"Invalid value: {quoted}: {subject} in body should match '{pattern}'"));
        }

        if (schema.Format != SchemaFormat.None)
        {
            foreach (var problem in Formats.Check(schema.Format, value))
            {
                errors.Add(new(path, problem.StartsWith("Too long", StringComparison.Ordinal)
                    ? problem
                    : schema.Format == SchemaFormat.DateTime
                        ? $"Invalid value: {quoted}: {subject} in body must be of type date-time: {quoted}"
                        : $"Invalid value: {quoted}: {problem}"));
            }
        }
    }

    private static void ValidateInteger(JsonValue scalar, SchemaNode schema, string path, List<FieldError> errors)
    {
        if (!scalar.TryGetValue<long>(out var value))
        {
            // Integral but beyond int64: report it as the API server's decoder would.
            errors.Add(new(path, $"Invalid value: {scalar.ToJsonString()}: {path} in body must be of type int64"));
            return;
        }

        if (schema.Minimum is { } min && value < min)
        {
            errors.Add(new(path, $"Invalid value: {value}: {path} in body should be greater than or equal to {min}"));
        }

        if (schema.Maximum is { } max && value > max)
        {
            errors.Add(new(path, $"Invalid value: {value}: {path} in body should be less than or equal to {max}"));
        }

        if (schema.Format == SchemaFormat.Int32 && value is < int.MinValue or > int.MaxValue
            && schema.Minimum is null && schema.Maximum is null)
        {
            errors.Add(new(path, $"Invalid value: {value}: {path} in body must be of type int32: \"{value}\""));
        }
    }

    internal static string TypeName(JsonNode? node) => node switch
    {
        null => "null",
        JsonObject => "object",
        JsonArray => "array",
        JsonValue v => v.GetValueKind() switch
        {
            JsonValueKind.String => "string",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            JsonValueKind.Number => IsIntegral(v) ? "integer" : "number",
            _ => "null",
        },
        _ => "null",
    };

    private static bool IsIntegral(JsonValue value)
    {
        if (value.TryGetValue<long>(out _))
        {
            return true;
        }

        // Parsed JSON keeps its text: integers beyond int64 still count as integers. Doubles (YAML 1.0) do not.
        if (value.TryGetValue<JsonElement>(out var element))
        {
            var text = element.GetRawText();
            return !text.Contains('.') && !text.Contains('e') && !text.Contains('E');
        }

        return false;
    }

    private static string TypeName(SchemaType type) => type switch
    {
        SchemaType.Object => "object",
        SchemaType.Array => "array",
        SchemaType.String => "string",
        SchemaType.Integer => "integer",
        SchemaType.Number => "number",
        SchemaType.Boolean => "boolean",
        _ => "unknown",
    };

    private static bool Accepts(SchemaType expected, string actual) => expected switch
    {
        SchemaType.Object => actual == "object",
        SchemaType.Array => actual == "array",
        SchemaType.String => actual == "string",
        SchemaType.Integer => actual == "integer",
        SchemaType.Number => actual is "integer" or "number",
        SchemaType.Boolean => actual == "boolean",
        _ => false,
    };

    private static string Join(string path, string key) => path.Length == 0 ? key : path + "." + key;

    /// <summary>Go's %q for the ASCII-and-printable case, which is what manifests contain.</summary>
    internal static string Quote(string value) => JsonSerializer.Serialize(value, QuoteOptions);

    private static readonly JsonSerializerOptions QuoteOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static int RuneCount(string value)
    {
        var count = 0;
        foreach (var _ in value.EnumerateRunes())
        {
            count++;
        }

        return count;
    }

    /// <summary>Matches an ECMA-262 pattern as the API server does: `$` is the end of input, not "before a final newline".</summary>
    internal static bool Matches(string pattern, string value) =>
        Patterns.GetOrAdd(pattern, static p => new Regex(EndAnchors(p), RegexOptions.CultureInvariant | RegexOptions.NonBacktracking)).IsMatch(value);

    private static string EndAnchors(string pattern)
    {
        var result = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                result.Append(c).Append(pattern[++i]);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
            }
            else if (c == ']')
            {
                inClass = false;
            }

            result.Append(c == '$' && !inClass ? @"\z" : c.ToString(CultureInfo.InvariantCulture));
        }

        return result.ToString();
    }
}
