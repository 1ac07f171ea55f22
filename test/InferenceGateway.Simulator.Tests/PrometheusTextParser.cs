using System.Globalization;
using System.Text;

namespace InferenceGateway.Simulator.Tests;

internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

internal sealed class PrometheusFamily(string name)
{
    public string Name { get; } = name;

    public string? Help { get; set; }

    public string Type { get; set; } = "untyped";

    public List<PrometheusSample> Samples { get; } = [];
}

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, for checking the simulator's output: every
/// line must be a well-formed comment or sample; TYPE appears at most once per family and before its samples;
/// samples of one family are contiguous; no duplicate series; histograms have increasing `le` buckets with
/// non-decreasing counts, a +Inf bucket equal to _count, and a _sum. Throws FormatException with the line number.
/// </summary>
internal static class PrometheusTextParser
{
    private static readonly string[] Types = ["counter", "gauge", "histogram", "summary", "untyped"];

    public static Dictionary<string, PrometheusFamily> Parse(string text)
    {
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var seenSeries = new HashSet<string>(StringComparer.Ordinal);
        var closedFamilies = new HashSet<string>(StringComparer.Ordinal);
        string? currentFamily = null;
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition must end with a line feed");
        }

        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length - 1; i++)
        {
            var line = lines[i];
            var lineNumber = i + 1;
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[0] == "#" && (parts[1] == "HELP" || parts[1] == "TYPE"))
                {
                    var name = parts[2];
                    RequireMetricName(name, lineNumber);
                    var family = GetFamily(families, name);
                    if (closedFamilies.Contains(name))
                    {
                        throw new FormatException($"line {lineNumber}: {parts[1]} for {name} after its samples ended");
                    }

                    if (parts[1] == "TYPE")
                    {
                        if (parts.Length != 4 || Array.IndexOf(Types, parts[3]) < 0)
                        {
                            throw new FormatException($"line {lineNumber}: bad TYPE line");
                        }

                        if (family.Samples.Count > 0 || family.Type != "untyped")
                        {
                            throw new FormatException($"line {lineNumber}: TYPE for {name} repeated or after samples");
                        }

                        family.Type = parts[3];
                    }
                    else
                    {
                        if (family.Help is not null)
                        {
                            throw new FormatException($"line {lineNumber}: HELP for {name} repeated");
                        }

                        family.Help = parts.Length == 4 ? parts[3] : string.Empty;
                    }

                    SwitchFamily(ref currentFamily, name, closedFamilies);
                }

                continue;
            }

            var sample = ParseSample(line, lineNumber);
            var familyName = FamilyOf(sample.Name, families);
            SwitchFamily(ref currentFamily, familyName, closedFamilies);
            if (closedFamilies.Contains(familyName))
            {
                throw new FormatException($"line {lineNumber}: samples of {familyName} are not contiguous");
            }

            var key = sample.Name + "{" + string.Join(",", sample.Labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)) + "}";
            if (!seenSeries.Add(key))
            {
                throw new FormatException($"line {lineNumber}: duplicate series {key}");
            }

            GetFamily(families, familyName).Samples.Add(sample);
        }

        foreach (var family in families.Values)
        {
            if (family.Type == "histogram")
            {
                CheckHistogram(family);
            }
        }

        return families;
    }

    private static void SwitchFamily(ref string? current, string next, HashSet<string> closed)
    {
        if (current is not null && current != next)
        {
            closed.Add(current);
        }

        current = next;
    }

    private static PrometheusFamily GetFamily(Dictionary<string, PrometheusFamily> families, string name)
    {
        if (!families.TryGetValue(name, out var family))
        {
            family = new PrometheusFamily(name);
            families.Add(name, family);
        }

        return family;
    }

    private static string FamilyOf(string sampleName, Dictionary<string, PrometheusFamily> families)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal))
            {
                var baseName = sampleName[..^suffix.Length];
                if (families.TryGetValue(baseName, out var family) && (family.Type is "histogram" or "summary"))
                {
                    return baseName;
                }
            }
        }

        return sampleName;
    }

    private static PrometheusSample ParseSample(string line, int lineNumber)
    {
        var position = 0;
        while (position < line.Length && IsNameChar(line[position], position == 0, allowColon: true))
        {
            position++;
        }

        var name = line[..position];
        RequireMetricName(name, lineNumber);
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (position < line.Length && line[position] == '{')
        {
            position++;
            while (true)
            {
                if (position >= line.Length)
                {
                    throw new FormatException($"line {lineNumber}: unterminated label set");
                }

                if (line[position] == '}')
                {
                    position++;
                    break;
                }

                var start = position;
                while (position < line.Length && IsNameChar(line[position], position == start, allowColon: false))
                {
                    position++;
                }

                var labelName = line[start..position];
                if (labelName.Length == 0 || position >= line.Length || line[position] != '=' || position + 1 >= line.Length || line[position + 1] != '"')
                {
                    throw new FormatException($"line {lineNumber}: bad label at column {start + 1}");
                }

                position += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (position >= line.Length)
                    {
                        throw new FormatException($"line {lineNumber}: unterminated label value");
                    }

                    var c = line[position++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        if (position >= line.Length)
                        {
                            throw new FormatException($"line {lineNumber}: dangling escape");
                        }

                        var escaped = line[position++];
                        value.Append(escaped switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException($"line {lineNumber}: bad escape \\{escaped}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(labelName, value.ToString()))
                {
                    throw new FormatException($"line {lineNumber}: duplicate label {labelName}");
                }

                if (position < line.Length && line[position] == ',')
                {
                    position++;
                }
                else if (position >= line.Length || line[position] != '}')
                {
                    throw new FormatException($"line {lineNumber}: expected ',' or '}}' after a label");
                }
            }
        }

        if (position >= line.Length || line[position] != ' ')
        {
            throw new FormatException($"line {lineNumber}: expected a space before the value");
        }

        var rest = line[(position + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2)
        {
            throw new FormatException($"line {lineNumber}: expected a value and an optional timestamp");
        }

        if (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _))
        {
            throw new FormatException($"line {lineNumber}: bad timestamp");
        }

        return new PrometheusSample(name, labels, ParseValue(rest[0], lineNumber));
    }

    public static double ParseValue(string text, int lineNumber) => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ => double.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"line {lineNumber}: bad value '{text}'"),
    };

    private static void CheckHistogram(PrometheusFamily family)
    {
        var groups = family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value)));
        foreach (var group in groups)
        {
            var buckets = group.Where(s => s.Name == family.Name + "_bucket").ToList();
            var count = group.SingleOrDefault(s => s.Name == family.Name + "_count") ?? throw new FormatException($"{family.Name}: no _count");
            _ = group.SingleOrDefault(s => s.Name == family.Name + "_sum") ?? throw new FormatException($"{family.Name}: no _sum");
            if (buckets.Count == 0 || group.Any(s => s.Name != family.Name + "_bucket" && s.Name != family.Name + "_count" && s.Name != family.Name + "_sum"))
            {
                throw new FormatException($"{family.Name}: bad histogram samples");
            }

            var previousBound = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var bucket in buckets)
            {
                if (!bucket.Labels.TryGetValue("le", out var le))
                {
                    throw new FormatException($"{family.Name}: bucket without le");
                }

                var bound = ParseValue(le, 0);
                if (bound <= previousBound || bucket.Value < previousCount)
                {
                    throw new FormatException($"{family.Name}: buckets out of order at le={le}");
                }

                previousBound = bound;
                previousCount = bucket.Value;
            }

            if (!double.IsPositiveInfinity(previousBound) || previousCount != count.Value)
            {
                throw new FormatException($"{family.Name}: the +Inf bucket must be last and equal _count");
            }
        }
    }

    private static void RequireMetricName(string name, int lineNumber)
    {
        if (name.Length == 0)
        {
            throw new FormatException($"line {lineNumber}: missing metric name");
        }

        for (var i = 0; i < name.Length; i++)
        {
            if (!IsNameChar(name[i], i == 0, allowColon: true))
            {
                throw new FormatException($"line {lineNumber}: bad metric name '{name}'");
            }
        }
    }

    private static bool IsNameChar(char c, bool first, bool allowColon) =>
        c is (>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or '_' || (allowColon && c == ':') || (!first && c is >= '0' and <= '9');
}
