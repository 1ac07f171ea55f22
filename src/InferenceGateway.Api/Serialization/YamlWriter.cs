using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace InferenceGateway.Api.Serialization;

/// <summary>
/// Writes JSON nodes as block YAML in the layout `kubectl get -o yaml` prints (go-yaml): two-space indent,
/// sequences at the indent of their key, keys sorted, strings quoted only when a plain scalar would read back as
/// something else, multi-line strings as literal blocks.
/// </summary>
internal static partial class YamlWriter
{
    public static string Write(JsonNode? node)
    {
        var builder = new StringBuilder();
        switch (node)
        {
            case JsonObject obj when obj.Count > 0:
                WriteObject(builder, obj, 0, "");
                break;
            case JsonArray array when array.Count > 0:
                WriteArray(builder, array, 0, "");
                break;
            default:
                builder.Append(Scalar(node, 0)).Append('\n');
                break;
        }

        return builder.ToString();
    }

    private static void WriteObject(StringBuilder builder, JsonObject obj, int indent, string firstPrefix)
    {
        var keys = new List<string>(obj.Count);
        foreach (var (key, _) in obj)
        {
            keys.Add(key);
        }

        keys.Sort(StringComparer.Ordinal);
        var pad = new string(' ', indent);
        for (var i = 0; i < keys.Count; i++)
        {
            var key = keys[i];
            var value = obj[key];
            builder.Append(i == 0 ? firstPrefix : pad).Append(Key(key)).Append(':');
            switch (value)
            {
                case JsonObject child when child.Count > 0:
                    builder.Append('\n');
                    WriteObject(builder, child, indent + 2, new string(' ', indent + 2));
                    break;
                case JsonArray items when items.Count > 0:
                    builder.Append('\n');
                    WriteArray(builder, items, indent, pad);
                    break;
                default:
                    builder.Append(' ').Append(Scalar(value, indent + 2)).Append('\n');
                    break;
            }
        }
    }

    private static void WriteArray(StringBuilder builder, JsonArray array, int indent, string firstPrefix)
    {
        var pad = new string(' ', indent);
        for (var i = 0; i < array.Count; i++)
        {
            var prefix = (i == 0 ? firstPrefix : pad) + "- ";
            switch (array[i])
            {
                case JsonObject child when child.Count > 0:
                    WriteObject(builder, child, indent + 2, prefix);
                    break;
                case JsonArray items when items.Count > 0:
                    WriteArray(builder, items, indent + 2, prefix);
                    break;
                default:
                    builder.Append(prefix).Append(Scalar(array[i], indent + 2)).Append('\n');
                    break;
            }
        }
    }

    private static string Key(string key) => Text(key, -1);

    private static string Scalar(JsonNode? node, int indent) => node switch
    {
        null => "null",
        JsonObject => "{}",
        JsonArray => "[]",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => Text(value.GetValue<string>(), indent),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            JsonValueKind.Number => value.ToJsonString(),
            _ => "null",
        },
        _ => "null",
    };

    /// <summary>
    /// go-yaml's choice of style: plain when safe; double quotes for text that would read as another type
    /// ("True", "8000", "", timestamps) or holds control characters; single quotes for other text a plain
    /// scalar cannot hold ("a: b", "- x"); a literal block for multi-line text. A negative indent means a key.
    /// </summary>
    private static string Text(string value, int indent)
    {
        if (value.Length == 0 || ReadsAsNonString().IsMatch(value))
        {
            return DoubleQuoted(value);
        }

        if (HasSpecialCharacters(value))
        {
            return indent >= 0 && CanBeLiteralBlock(value) ? LiteralBlock(value, indent) : DoubleQuoted(value);
        }

        return IsPlainSafe(value) ? value : "'" + value.Replace("'", "''", StringComparison.Ordinal) + "'";
    }

    /// <summary>True when a plain scalar would not read back as this exact string.</summary>
    internal static bool NeedsQuotes(string value) =>
        value.Length == 0 || ReadsAsNonString().IsMatch(value) || HasSpecialCharacters(value) || !IsPlainSafe(value);

    private static bool IsPlainSafe(string value)
    {
        if (char.IsWhiteSpace(value[0]) || char.IsWhiteSpace(value[^1]))
        {
            return false;
        }

        if ("-?:,[]{}#&*!|>'\"%@`".Contains(value[0]) || value.EndsWith(':'))
        {
            return false;
        }

        return !value.Contains(": ", StringComparison.Ordinal) && !value.Contains(" #", StringComparison.Ordinal);
    }

    private static bool HasSpecialCharacters(string value)
    {
        foreach (var c in value)
        {
            if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF' || char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    private static bool CanBeLiteralBlock(string value)
    {
        if (!value.Contains('\n') || value[0] is ' ' or '\n' || value.EndsWith("\n\n", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in value)
        {
            if ((char.IsControl(c) && c != '\n') || c is '\u2028' or '\u2029' or '\uFEFF' || char.IsSurrogate(c))
            {
                return false;
            }
        }

        foreach (var line in value.Split('\n'))
        {
            if (line.EndsWith(' '))
            {
                return false;
            }
        }

        return true;
    }

    private static string LiteralBlock(string value, int indent)
    {
        var pad = new string(' ', indent);
        var builder = new StringBuilder(value.EndsWith('\n') ? "|" : "|-");
        var body = value.EndsWith('\n') ? value[..^1] : value;
        foreach (var line in body.Split('\n'))
        {
            builder.Append('\n');
            if (line.Length > 0)
            {
                builder.Append(pad).Append(line);
            }
        }

        return builder.ToString();
    }

    internal static string DoubleQuoted(string value)
    {
        var builder = new StringBuilder(value.Length + 2).Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    builder.Append("\\\"");
                    break;
                case '\\':
                    builder.Append("\\\\");
                    break;
                case '\n':
                    builder.Append("\\n");
                    break;
                case '\t':
                    builder.Append("\\t");
                    break;
                case '\r':
                    builder.Append("\\r");
                    break;
                default:
                    if (char.IsControl(c) || c is '\u2028' or '\u2029' or '\uFEFF')
                    {
                        builder.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('"').ToString();
    }

    // Booleans and nulls of YAML 1.1 and 1.2, numbers (decimal, hex, octal, sexagesimal, inf/nan) and timestamps:
    // go-yaml quotes these, and so must we for the text to read back as a string in any YAML reader.
    [GeneratedRegex(@"^(~|null|Null|NULL|true|True|TRUE|false|False|FALSE|y|Y|yes|Yes|YES|n|N|no|No|NO|on|On|ON|off|Off|OFF|=|<<|[-+]?(\.[0-9]+|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?|[-+]?0x[0-9a-fA-F_]+|[-+]?0o?[0-7_]+|[-+]?0b[01_]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([Tt ].*)?)$")]
    private static partial Regex ReadsAsNonString();
}
