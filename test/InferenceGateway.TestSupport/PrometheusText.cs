using System.Globalization;
using System.Text;
using Prometheus;

namespace InferenceGateway.TestSupport;

/// <summary>
/// Reads the Prometheus text exposition the way tests need it: a registry exported as text, and sample values
/// found by the start of their line (metric name, and labels as written). Lines are matched as text, so a prefix
/// must be specific enough (end a bare name with " " or "{").
/// </summary>
public static class PrometheusText
{
    /// <summary>Everything <paramref name="registry"/> exposes, as text exposition.</summary>
    public static async Task<string> ExportAsync(CollectorRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
        using var stream = new MemoryStream();
        await registry.CollectAndExportAsTextAsync(stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    /// <summary>The value of the first sample whose line starts with <paramref name="prefix"/> (name and labels), or null.</summary>
    public static double? Sample(string metricsText, string prefix)
    {
        foreach (var line in Lines(metricsText, prefix))
        {
            return Value(line);
        }

        return null;
    }

    /// <summary>The sum over every series of metric <paramref name="name"/> (with or without labels); 0 when there is none.</summary>
    public static double Sum(string metricsText, string name)
    {
        var total = 0.0;
        foreach (var line in metricsText.Split('\n'))
        {
            if (line.StartsWith(name + "{", StringComparison.Ordinal) || line.StartsWith(name + " ", StringComparison.Ordinal))
            {
                total += Value(line);
            }
        }

        return total;
    }

    /// <summary>Whether at least one sample starts with <paramref name="prefix"/> and every such sample equals <paramref name="value"/>.</summary>
    public static bool AllSamplesAre(string metricsText, string prefix, double value)
    {
        var seen = false;
        foreach (var line in Lines(metricsText, prefix))
        {
            seen = true;
            if (Value(line) != value)
            {
                return false;
            }
        }

        return seen;
    }

    private static IEnumerable<string> Lines(string metricsText, string prefix)
    {
        foreach (var line in metricsText.Split('\n'))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                yield return line;
            }
        }
    }

    /// <summary>A sample line's value: the text after its last space.</summary>
    private static double Value(string line) => double.Parse(line[(line.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture);
}
