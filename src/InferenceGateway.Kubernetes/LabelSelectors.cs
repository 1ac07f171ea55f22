using System.Text.RegularExpressions;
using InferenceGateway.Api.V1Alpha1;

namespace InferenceGateway.Kubernetes;

/// <summary>Label selectors in the API server's query syntax, limited to what a pool's selector can say: equality.</summary>
internal static partial class LabelSelectors
{
    /// <summary>A selector key's longest form, as the pool CRDs bound their selector keys.</summary>
    private const int MaxKeyLength = 253;

    /// <summary>
    /// Parses "key=value,key2==value2" into a map. Set-based requirements (in, notin, !key, key) and inequality
    /// cannot be expressed by an InferencePool's selector, so they are refused rather than half-supported.
    /// </summary>
    public static Dictionary<string, string> ParseEquality(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var separator = part.Contains("==", StringComparison.Ordinal) ? "==" : "=";
            var at = part.IndexOf(separator, StringComparison.Ordinal);
            if (at <= 0 || part.Contains("!=", StringComparison.Ordinal) || part.Contains(' ', StringComparison.Ordinal))
            {
                throw new ArgumentException($"--endpoint-selector: \"{part}\" is not a key=value requirement (only equality is supported)");
            }

            var key = part[..at].Trim();
            if (key.Length > MaxKeyLength || !LabelKey().IsMatch(key))
            {
                // Refused here, as a pool's selector key would be, not later by the API server on every pod list.
                throw new ArgumentException($"--endpoint-selector: \"{key}\" is not a label key (an optional DNS subdomain and '/', then up to 63 alphanumerics, '-', '_' or '.', starting and ending alphanumeric)");
            }

            var value = part[(at + separator.Length)..].Trim();
            if (!result.TryAdd(key, value) && result[key] != value)
            {
                throw new ArgumentException($"--endpoint-selector: label {key} is required to have two values");
            }
        }

        if (result.Count == 0)
        {
            throw new ArgumentException("--endpoint-selector must name at least one label (e.g. app=vllm)");
        }

        return result;
    }

    /// <summary>The canonical query form of a map (sorted, so equal selectors compare equal); null for an empty map.</summary>
    public static string? Format(IReadOnlyDictionary<string, string>? selector)
    {
        if (selector is not { Count: > 0 })
        {
            return null;
        }

        var parts = new List<string>(selector.Count);
        foreach (var (key, value) in selector)
        {
            parts.Add($"{key}={value}");
        }

        parts.Sort(StringComparer.Ordinal);
        return string.Join(',', parts);
    }

    /// <summary>The label-key rule the InferencePool types carry for their selectors.</summary>
    [GeneratedRegex(InferencePoolSpec.LabelKeyPattern)]
    private static partial Regex LabelKey();
}
