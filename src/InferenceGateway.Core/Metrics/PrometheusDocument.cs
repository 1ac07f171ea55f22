using System.Text;

namespace InferenceGateway.Core.Metrics;

/// <summary>One materialised sample. Labels keep the order of the line.</summary>
internal sealed record PrometheusSeries(
    string Name,
    string FamilyName,
    PrometheusMetricType Type,
    IReadOnlyList<KeyValuePair<string, string>> Labels,
    double Value,
    long? TimestampMs,
    int Line)
{
    public string? GetLabel(string name)
    {
        foreach (var label in Labels)
        {
            if (label.Key == name)
            {
                return label.Value;
            }
        }

        return null;
    }

    /// <summary>Identity of the series: name plus labels sorted by name (label order does not matter).</summary>
    public string SeriesKey
    {
        get
        {
            var sorted = new List<KeyValuePair<string, string>>(Labels);
            sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var builder = new StringBuilder(Name).Append('{');
            foreach (var label in sorted)
            {
                builder.Append(label.Key).Append("=\"").Append(PrometheusEscaping.EscapeLabelValue(label.Value)).Append("\",");
            }

            return builder.Append('}').ToString();
        }
    }
}

/// <summary>Everything one exposition held: samples in order (a later duplicate replaces an earlier one), metadata, problems.</summary>
internal sealed record PrometheusDocument(
    IReadOnlyList<PrometheusSeries> Samples,
    IReadOnlyDictionary<string, PrometheusMetricType> Types,
    IReadOnlyDictionary<string, string> Help,
    IReadOnlyList<PrometheusProblem> Problems,
    int ProblemCount)
{
    public IEnumerable<PrometheusSeries> Series(string name)
    {
        foreach (var sample in Samples)
        {
            if (sample.Name == name)
            {
                yield return sample;
            }
        }
    }
}

/// <summary>Visitor that keeps everything; detects duplicate series (same name and label set).</summary>
internal sealed class PrometheusDocumentBuilder : IPrometheusSampleVisitor
{
    private readonly List<PrometheusSeries?> _samples = [];
    private readonly Dictionary<string, int> _indexByKey = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PrometheusMetricType> _types = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _help = new(StringComparer.Ordinal);
    private readonly List<PrometheusProblem> _duplicates = [];

    public bool WantsSeries(ReadOnlySpan<byte> name, ReadOnlySpan<byte> familyName) => true;

    public void OnSample(in PrometheusSample sample)
    {
        var labels = new KeyValuePair<string, string>[sample.LabelCount];
        for (var i = 0; i < labels.Length; i++)
        {
            labels[i] = new(Encoding.ASCII.GetString(sample.GetLabelName(i)), sample.GetLabelValue(i));
        }

        var series = new PrometheusSeries(
            Encoding.ASCII.GetString(sample.Name),
            Encoding.ASCII.GetString(sample.FamilyName),
            sample.Type,
            labels,
            sample.Value,
            sample.TimestampMs,
            sample.LineNumber);
        var key = series.SeriesKey;
        if (_indexByKey.TryGetValue(key, out var earlier))
        {
            _duplicates.Add(new PrometheusProblem(sample.LineNumber, $"duplicate series {key} (first on line {_samples[earlier]!.Line}); the later sample is kept"));
            _samples[earlier] = null;
        }

        _indexByKey[key] = _samples.Count;
        _samples.Add(series);
    }

    public void OnType(ReadOnlySpan<byte> familyName, PrometheusMetricType type) =>
        _types[Encoding.ASCII.GetString(familyName)] = type;

    public void OnHelp(ReadOnlySpan<byte> familyName, ReadOnlySpan<byte> escapedText) =>
        _help[Encoding.ASCII.GetString(familyName)] = PrometheusEscaping.UnescapeHelp(escapedText);

    public PrometheusDocument Build(List<PrometheusProblem> problems, int problemCount, PrometheusParseLimits limits)
    {
        var samples = new List<PrometheusSeries>(_samples.Count);
        foreach (var sample in _samples)
        {
            if (sample is not null)
            {
                samples.Add(sample);
            }
        }

        foreach (var duplicate in _duplicates)
        {
            if (problems.Count < limits.MaxProblems)
            {
                problems.Add(duplicate);
            }
        }

        problems.Sort(static (a, b) => a.Line.CompareTo(b.Line));
        return new PrometheusDocument(samples, _types, _help, problems, problemCount + _duplicates.Count);
    }
}
