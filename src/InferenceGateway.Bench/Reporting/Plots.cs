using InferenceGateway.Bench.Measurement;

namespace InferenceGateway.Bench.Reporting;

/// <summary>Line plots over offered load, one series per strategy (ScottPlot 5).</summary>
internal static class Plots
{
    public static IReadOnlyList<string> Write(string directory, IReadOnlyList<SummaryRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        var files = new List<string>();
        files.AddRange(Plot(directory, "ttft-p90", "TTFT p90 vs offered load", "TTFT p90 (s)", records, r => r.TtftP90Ms / 1000));
        files.AddRange(Plot(directory, "throughput", "Output throughput vs offered load", "output tokens/s", records, r => r.OutputTokensPerSecond));
        return files;
    }

    /// <summary>
    /// The points of one strategy: its per-stage records (staged runs) or its per-rate run records, by offered
    /// load. Whole-run records of staged runs are left out (they mix loads).
    /// </summary>
    public static SortedDictionary<string, List<(double X, double Y)>> Series(IReadOnlyList<SummaryRecord> records, Func<SummaryRecord, double> value)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(value);
        var staged = new HashSet<(string, string)>();
        foreach (var r in records)
        {
            if (r.Stage is not null)
            {
                staged.Add((r.Strategy, r.Run));
            }
        }

        var series = new SortedDictionary<string, List<(double X, double Y)>>(StringComparer.Ordinal);
        foreach (var r in records)
        {
            if (r.Stage is null && staged.Contains((r.Strategy, r.Run)))
            {
                continue;
            }

            var y = value(r);
            if (!double.IsFinite(y))
            {
                continue;
            }

            if (!series.TryGetValue(r.Strategy, out var points))
            {
                points = [];
                series.Add(r.Strategy, points);
            }

            points.Add((r.OfferedRate, y));
        }

        foreach (var points in series.Values)
        {
            // Stages repeat a rate (15 req/s twice in the reference stages): average them into one point.
            var merged = points.GroupBy(p => p.X).Select(g => (g.Key, g.Average(p => p.Y))).OrderBy(p => p.Key).ToList();
            points.Clear();
            points.AddRange(merged);
        }

        return series;
    }

    private static string[] Plot(string directory, string name, string title, string yLabel, IReadOnlyList<SummaryRecord> records, Func<SummaryRecord, double> value)
    {
        var plot = new ScottPlot.Plot();
        foreach (var (strategy, points) in Series(records, value))
        {
            var xs = points.Select(p => p.X).ToArray();
            var ys = points.Select(p => p.Y).ToArray();
            var scatter = plot.Add.Scatter(xs, ys);
            scatter.LegendText = strategy;
        }

        plot.Title(title);
        plot.XLabel("offered load (requests/s)");
        plot.YLabel(yLabel);
        plot.ShowLegend();
        var png = Path.Combine(directory, name + ".png");
        var svg = Path.Combine(directory, name + ".svg");
        plot.SavePng(png, 800, 500);
        plot.SaveSvg(svg, 800, 500);
        return [png, svg];
    }
}
