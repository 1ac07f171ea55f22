using System.Globalization;

namespace InferenceGateway.Core.Scheduling.Config;

/// <summary>
/// A plugin's <c>parameters</c> mapping: scalars are strings, nested mappings are <see cref="PluginParameters"/>,
/// sequences are lists. Typed getters fail with a message naming the plugin, the key and the problem.
/// </summary>
internal sealed class PluginParameters
{
    private readonly IReadOnlyDictionary<string, object?> _values;

    public PluginParameters(string owner, IReadOnlyDictionary<string, object?> values)
    {
        Owner = owner;
        _values = values;
    }

    /// <summary>Where these parameters came from, for messages (e.g. plugin "my-queue").</summary>
    public string Owner { get; }

    public IEnumerable<string> Keys => _values.Keys;

    public static PluginParameters Empty(string owner) => new(owner, new Dictionary<string, object?>());

    public bool Has(string key) => _values.ContainsKey(key);

    public double GetDouble(string key, double defaultValue, double min = double.MinValue, double max = double.MaxValue)
    {
        if (!_values.TryGetValue(key, out var raw) || raw is null)
        {
            return defaultValue;
        }

        if (raw is not string text || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value))
        {
            throw Error(key, $"must be a number, got {Describe(raw)}");
        }

        if (value < min || value > max)
        {
            throw Error(key, $"must be in [{min.ToString(CultureInfo.InvariantCulture)}, {max.ToString(CultureInfo.InvariantCulture)}], got {text}");
        }

        return value;
    }

    public int GetInt(string key, int defaultValue, int min = int.MinValue, int max = int.MaxValue)
    {
        if (!_values.TryGetValue(key, out var raw) || raw is null)
        {
            return defaultValue;
        }

        if (raw is not string text || !int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value))
        {
            throw Error(key, $"must be an integer, got {Describe(raw)}");
        }

        if (value < min || value > max)
        {
            throw Error(key, $"must be in [{min}, {max}], got {value}");
        }

        return value;
    }

    public bool GetBool(string key, bool defaultValue)
    {
        if (!_values.TryGetValue(key, out var raw) || raw is null)
        {
            return defaultValue;
        }

        return raw is string text && bool.TryParse(text, out var value)
            ? value
            : throw Error(key, $"must be true or false, got {Describe(raw)}");
    }

    public string? GetString(string key)
    {
        if (!_values.TryGetValue(key, out var raw) || raw is null)
        {
            return null;
        }

        return raw as string ?? throw Error(key, $"must be a string, got {Describe(raw)}");
    }

    public PluginParameters? GetMap(string key)
    {
        if (!_values.TryGetValue(key, out var raw) || raw is null)
        {
            return null;
        }

        return raw as PluginParameters ?? throw Error(key, $"must be a mapping, got {Describe(raw)}");
    }

    /// <summary>A sequence of strings; a single scalar counts as a one-item list.</summary>
    public IReadOnlyList<string>? GetStringList(string key)
    {
        if (!_values.TryGetValue(key, out var raw) || raw is null)
        {
            return null;
        }

        if (raw is string single)
        {
            return [single];
        }

        if (raw is IReadOnlyList<object?> items)
        {
            var result = new List<string>(items.Count);
            foreach (var item in items)
            {
                result.Add(item as string ?? throw Error(key, $"must be a list of strings, found {Describe(item)}"));
            }

            return result;
        }

        throw Error(key, $"must be a list of strings, got {Describe(raw)}");
    }

    public SchedulerConfigException Error(string key, string problem) => new($"{Owner}: parameter \"{key}\" {problem}");

    private static string Describe(object? value) => value switch
    {
        null => "nothing",
        string text => $"\"{text}\"",
        PluginParameters => "a mapping",
        _ => "a list",
    };
}
